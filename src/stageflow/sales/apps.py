from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "stageflow.sales"
    label = "sales"
    verbose_name = "Leads and opportunities"

    def ready(self) -> None:
        from stageflow.people import permissions
        from stageflow.pipelines.registry import register_record_store
        from stageflow.sales.stores import LEAD_STORE, OPPORTUNITY_STORE

        permissions.register_record_type("leads", "Leads", extra_actions=("convert",))
        permissions.register_record_type("opportunities", "Opportunities")
        register_record_store(LEAD_STORE)
        register_record_store(OPPORTUNITY_STORE)
