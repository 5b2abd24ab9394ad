from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "lawledger.backup"
    label = "backup"
    verbose_name = "Backups"
