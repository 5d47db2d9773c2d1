from django.apps import AppConfig


class QueuesConfig(AppConfig):
    name = "stageflow.queues"
    label = "queues"
    verbose_name = "Work queues"
