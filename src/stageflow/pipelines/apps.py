from django.apps import AppConfig


class PipelinesConfig(AppConfig):
    name = "stageflow.pipelines"
    label = "pipelines"
    verbose_name = "Pipelines, custom attributes and lookup tables"
