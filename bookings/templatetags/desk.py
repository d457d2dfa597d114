"""`{% desk_panels %}`: the desk on the admin index (templates/admin/index.html)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from accounts.admin_scoping import is_manager
from bookings.admin_desk import desk_panels

register = template.Library()


@register.inclusion_tag("admin/desk.html", takes_context=True)
def desk(context) -> dict:
    request = context["request"]
    user = request.user
    if not (user.is_superuser or is_manager(user)):
        return {"panels": []}
    return {"panels": desk_panels(request, timezone.now())}
