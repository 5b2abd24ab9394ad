from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "lawledger.documents"
    label = "documents"
    verbose_name = "Documents and attachments"
