from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "stageflow.accounts"
    label = "accounts"
    verbose_name = "Accounts and contacts"
