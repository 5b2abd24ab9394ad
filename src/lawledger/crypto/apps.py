from django.apps import AppConfig


class CryptoConfig(AppConfig):
    name = "lawledger.crypto"
    label = "crypto"
    verbose_name = "Encryption at rest"

    def ready(self) -> None:
        from lawledger.crypto import checks  # noqa: F401  (registers the startup key check)
