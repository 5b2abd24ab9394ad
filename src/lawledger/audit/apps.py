from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "lawledger.audit"
    label = "audit"
    verbose_name = "Audit chain"
