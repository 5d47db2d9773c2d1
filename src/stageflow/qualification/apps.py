from django.apps import AppConfig


class QualificationConfig(AppConfig):
    name = "stageflow.qualification"
    label = "qualification"
    verbose_name = "Qualification and profile questions"
