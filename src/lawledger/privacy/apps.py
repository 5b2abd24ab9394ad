"""Alerts on unusual access, legal holds on matters, and clients' consents to disclosure."""
from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "lawledger.privacy"
    label = "privacy"
    verbose_name = "Privacy and oversight"
