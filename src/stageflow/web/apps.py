from importlib import import_module

from django.apps import AppConfig

# Areas of the UI that add tabs to record pages or entries to the navigation.
EXTENDING_AREAS = ("quotes", "scheduling", "billing", "training", "queues", "qualification",
                   "jobs", "reports", "imports", "intake")


class WebConfig(AppConfig):
    name = "stageflow.web"
    label = "web"
    verbose_name = "Web interface"

    def ready(self) -> None:
        for area in EXTENDING_AREAS:
            import_module(f"stageflow.web.{area}.extensions")
