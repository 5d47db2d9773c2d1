from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "stageflow.api"
    label = "api"
    verbose_name = "REST API"
