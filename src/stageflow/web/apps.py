from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "stageflow.web"
    label = "web"
    verbose_name = "Web interface"
