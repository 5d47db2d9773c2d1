from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "stageflow.activities"
    label = "activities"
    verbose_name = "Activities and attachments"
