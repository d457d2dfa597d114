from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from events.signals import events_recorded
        from webhooks.signals import kick_on_commit

        events_recorded.connect(kick_on_commit, dispatch_uid="webhooks.kick_on_commit")
