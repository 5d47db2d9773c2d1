from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "stageflow.core"
    label = "core"
    verbose_name = "Stageflow core"
