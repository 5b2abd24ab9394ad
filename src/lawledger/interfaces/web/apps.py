from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "lawledger.interfaces.web"
    label = "web"
    verbose_name = "Web app"

    def ready(self) -> None:
        from lawledger.interfaces.web import signals  # noqa: F401
