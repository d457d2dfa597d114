"""Admin for accounts, users and API applications (the last scoped to a manager's account)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from oauth2_provider.admin import ApplicationAdmin as BaseApplicationAdmin

from accounts.admin_scoping import AccountScopedAdmin
from accounts.models import Account, Application, User


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


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
