from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "stageflow.intake"
    label = "intake"
    verbose_name = "Lead intake"

    def ready(self) -> None:
        from stageflow.core import events
        from stageflow.intake import services

        # In the installing transaction, so a preset's forms land with its pipelines or not.
        events.subscribe("preset.installed", services.on_preset_installed, run_now=True)
