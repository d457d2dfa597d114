from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and API access"

    def ready(self) -> None:
        from core.authentication import connect_token_cache_signals

        connect_token_cache_signals()
