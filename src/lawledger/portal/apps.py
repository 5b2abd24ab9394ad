from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "lawledger.portal"
    label = "portal"
    verbose_name = "Client portal"
