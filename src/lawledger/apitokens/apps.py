from django.apps import AppConfig


class ApiTokensConfig(AppConfig):
    name = "lawledger.apitokens"
    label = "apitokens"
    verbose_name = "API tokens"
