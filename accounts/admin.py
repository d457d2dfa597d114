"""Admin for accounts, users and API applications (the last scoped to a manager's account)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from oauth2_provider.admin import ApplicationAdmin as BaseApplicationAdmin

from accounts.admin_scoping import AccountScopedAdmin
from accounts.models import Account, ApiKey, Application, User
from accounts.services import api_key_create, api_key_revoke


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    readonly_fields = ["slug"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "account", "is_staff", "is_superuser"]
    list_filter = ["account", "is_staff", "is_superuser"]
    list_select_related = ["account"]
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Account", {"fields": ["account"]}))


# django-oauth-toolkit registers its own Application admin; ours adds the account scope.
if admin.site.is_registered(Application):
    admin.site.unregister(Application)


@admin.register(Application)
class ApplicationAdmin(AccountScopedAdmin, BaseApplicationAdmin):
    list_display = ["name", "client_id", "scopes", "client_type", "authorization_grant_type"]
    list_select_related = ["user"]
    search_fields = ["name", "client_id"]
    # A select limited to the account's users instead of a raw id into the user admin,
    # which managers cannot open.
    raw_id_fields = ()


@admin.register(ApiKey)
class ApiKeyAdmin(AccountScopedAdmin):
    """Keys are created here or by `manage.py create_api_key`; the key is shown once."""

    list_display = ["hint", "kind", "name", "account", "created_at", "revoked_at"]
    list_filter = ["kind"]
    fields = ["account", "kind", "name", "hint", "created_at", "revoked_at"]
    readonly_fields = ["hint", "created_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:  # a key never changes; it is revoked and a new one made
            return ["account", "kind", "name", "hint", "created_at", "revoked_at"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return
        account = obj.account if obj.account_id else request.user.account
        api_key, key = api_key_create(account=account, kind=obj.kind, name=obj.name)
        obj.pk = api_key.pk
        messages.warning(
            request,
            f"The new key is {key} — copy it now: it is stored hashed and cannot be shown again.",
        )

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        for api_key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(api_key=api_key)
        messages.success(request, "Revoked.")
