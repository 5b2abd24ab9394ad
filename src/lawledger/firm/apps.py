from django.apps import AppConfig


class FirmConfig(AppConfig):
    name = "lawledger.firm"
    label = "firm"
    verbose_name = "Firm, clients and matters"
