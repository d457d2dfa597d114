"""The currencies the product accepts (rentals, bookings, payments)."""

# ISO 4217 codes accepted for a booking's currency (the channels' common set).
SUPPORTED_CURRENCIES = frozenset(
    "AED ARS AUD BGN BRL CAD CHF CLP CNY COP CZK DKK EGP EUR GBP HKD HRK HUF IDR ILS INR ISK "
    "JPY KRW MAD MXN MYR NOK NZD PEN PHP PLN RON RUB SAR SEK SGD THB TRY TWD UAH USD VND XPF "
    "ZAR".split()
)
