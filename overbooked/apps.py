from django.apps import AppConfig


class OverbookedConfig(AppConfig):
    name = "overbooked"
    verbose_name = "Overbooked-compatible API"
    default_auto_field = "django.db.models.BigAutoField"
