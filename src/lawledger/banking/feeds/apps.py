from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "lawledger.banking.feeds"
    label = "feeds"
    verbose_name = "Bank feeds"
