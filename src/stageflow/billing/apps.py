from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "stageflow.billing"
    label = "billing"
    verbose_name = "Orders and invoices"

    def ready(self) -> None:
        from stageflow.billing.actions import register_billing_actions
        from stageflow.billing.sources import register_builtin_sources
        from stageflow.people import permissions

        permissions.register_record_type("orders", "Orders")
        permissions.register_record_type("invoices", "Invoices")
        register_builtin_sources()
        register_billing_actions()
