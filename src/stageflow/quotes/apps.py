from django.apps import AppConfig


class QuotesConfig(AppConfig):
    name = "stageflow.quotes"
    label = "quotes"
    verbose_name = "Price book and estimates"
