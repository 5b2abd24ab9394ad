from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "lawledger.access"
    label = "access"
    verbose_name = "Users and access"
