"""Account scoping for every ModelAdmin a property manager uses.

A property manager is an active staff user with an `account`. Such a user may view, add,
change and delete their own account's objects in the admins that use AccountScopedAdmin,
without any Django model permission: the account is the permission. Superusers see
everything and get an "account" filter. Everyone else (staff without an account and
without model permissions) sees nothing.

Scoping is done in three places so nothing leaks:
1. get_queryset filters by the user's account: lists, search, autocomplete, actions;
2. get_object turns "not in my account" into a 404 (Django's default is a redirect
   with a message, which tells a stranger the id exists);
3. get_field_queryset limits every foreign-key and many-to-many choice to the account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

if TYPE_CHECKING:
    from accounts.models import User

    _AdminBase = admin.options.BaseModelAdmin
else:  # a mixin: its methods reach the ModelAdmin or InlineModelAdmin it is mixed into
    _AdminBase = object


def is_manager(user: Any) -> bool:
    """An active staff user of an account: may use the back office for that account."""
    return bool(user.is_active and user.is_staff and getattr(user, "account_id", None))


def has_account_field(model: type[Model]) -> bool:
    try:
        model._meta.get_field("account")
    except FieldDoesNotExist:
        return False
    return True


def scope_to_user(queryset: QuerySet, request: HttpRequest) -> QuerySet:
    """`queryset` limited to the request user's account (all rows for a superuser)."""
    user = request.user
    if user.is_superuser:
        return queryset
    account_id = getattr(user, "account_id", None)
    if not has_account_field(queryset.model) or not account_id:
        return queryset.none()
    return queryset.filter(account_id=account_id)


class AccountScopedMixin(_AdminBase):
    """Shared by ModelAdmin and InlineModelAdmin: permissions and choices."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_manager(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_manager(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_manager(request.user) or super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_manager(request.user) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_manager(request.user) or super().has_delete_permission(request, obj)

    def get_field_queryset(self, db: str | None, db_field: Any, request: HttpRequest):
        queryset = super().get_field_queryset(db, db_field, request)
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.using(db).all()
        return scope_to_user(queryset, request)


class AccountScopedAdmin(AccountScopedMixin, admin.ModelAdmin):
    """A ModelAdmin for a model with an `account` foreign key."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_to_user(super().get_queryset(request), request)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such object in this account.")
        return obj

    def get_list_filter(self, request: HttpRequest):
        filters = list(super().get_list_filter(request))
        if request.user.is_superuser and "account" not in filters:
            filters.insert(0, "account")
        return filters

    def get_exclude(self, request: HttpRequest, obj: Any = None):
        exclude = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser:
            exclude.append("account")
        return exclude

    def get_fieldsets(self, request: HttpRequest, obj: Any = None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "account"]})
            for name, options in fieldsets
        ]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not request.user.is_superuser:
            obj.account_id = cast("User", request.user).account_id
        super().save_model(request, obj, form, change)
