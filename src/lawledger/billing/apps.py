from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "lawledger.billing"
    label = "billing"
    verbose_name = "Billing"
