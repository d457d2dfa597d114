from django.apps import AppConfig


class OfficeRnDConfig(AppConfig):
    name = "officernd"
    verbose_name = "OfficeRnD-compatible API"
    default_auto_field = "django.db.models.BigAutoField"
