from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "stageflow.intake"
    label = "intake"
    verbose_name = "Lead intake"
