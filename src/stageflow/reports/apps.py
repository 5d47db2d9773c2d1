from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "stageflow.reports"
    label = "reports"
    verbose_name = "Reports"
