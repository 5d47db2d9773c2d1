from django.apps import AppConfig


class QueuesConfig(AppConfig):
    name = "stageflow.queues"
    label = "queues"
    verbose_name = "Work queues"

    def ready(self) -> None:
        from stageflow.core import events
        from stageflow.queues import services

        # In the installing transaction, so a preset's queues land with its pipelines or not.
        events.subscribe("preset.installed", services.on_preset_installed, run_now=True)
