"""Admin for accounts, users and API applications."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import Account, User


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "account", "is_staff", "is_superuser"]
    list_filter = ["account", "is_staff", "is_superuser"]
    list_select_related = ["account"]
    fieldsets = (*BaseUserAdmin.fieldsets, ("Account", {"fields": ["account"]}))
