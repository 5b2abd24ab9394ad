from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "lawledger.banking"
    label = "banking"
    verbose_name = "Bank statements and reconciliation"
