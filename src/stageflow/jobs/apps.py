from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "stageflow.jobs"
    label = "jobs"
    verbose_name = "Won opportunities handed over as jobs"

    def ready(self) -> None:
        from stageflow.jobs import actions

        actions.register()
