from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "stageflow.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self) -> None:
        from stageflow.automation import actions, dispatch, notices, services
        from stageflow.core import events

        actions.register_builtin_actions()
        dispatch.connect()
        notices.connect()
        # The rules a pipeline file carries follow its published version.
        events.subscribe("pipeline.published", services.on_pipeline_published, run_now=True)
        events.subscribe("preset.installed", services.on_preset_installed, run_now=True)
