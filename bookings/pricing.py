"""Money rules of a booking: discount, rental price after discount, computed final price."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from core.currencies import SUPPORTED_CURRENCIES  # noqa: F401  (re-exported for the booking rules)

CENT = Decimal("0.01")
_DISCOUNT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def round_to(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def parse_discount(discount: str) -> tuple[Decimal, bool] | None:
    """`"100"` -> (100, False), `"10%"` -> (10, True), `""` -> None; ValueError otherwise."""
    if discount is None or str(discount).strip() == "":
        return None
    match = _DISCOUNT.match(str(discount))
    if not match:
        raise ValueError("must be blank, an amount (100) or a percentage (10%)")
    amount, percent = Decimal(match.group(1)), bool(match.group(2))
    if percent and amount > 100:
        raise ValueError("a percentage discount cannot exceed 100%")
    return amount, percent


def rental_price_after_discount(initial_price: Decimal | None, discount: str) -> Decimal | None:
    if initial_price is None:
        return None
    parsed = parse_discount(discount)
    if parsed is None:
        return money(initial_price)
    amount, percent = parsed
    reduction = initial_price * amount / 100 if percent else amount
    return money(initial_price - reduction)


def computed_final_price(
    final_rental_price: Decimal | None,
    fees: Iterable[tuple[Decimal, int, bool]],
    taxes: Iterable[tuple[Decimal, bool]],
) -> Decimal | None:
    """final_rental_price + fees not included in price (price × times) + taxes not included.

    `fees` are (price, times_booked, included_in_price); `taxes` are (amount, included).
    None when there is nothing to price.
    """
    fees, taxes = list(fees), list(taxes)
    if final_rental_price is None and not fees and not taxes:
        return None
    total = final_rental_price or Decimal("0")
    total += sum((price * times for price, times, included in fees if not included), Decimal("0"))
    total += sum((amount for amount, included in taxes if not included), Decimal("0"))
    return money(total)
