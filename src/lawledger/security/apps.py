from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "lawledger.security"
    label = "security"
    verbose_name = "Security"

    def ready(self) -> None:
        from lawledger.security import signals  # noqa: F401  (connects the session receivers)
