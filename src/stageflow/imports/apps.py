from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "stageflow.imports"
    label = "imports"
    verbose_name = "Imports"
