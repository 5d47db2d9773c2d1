from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "stageflow.billing"
    label = "billing"
    verbose_name = "Orders and invoices"
