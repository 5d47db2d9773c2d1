from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "stageflow.scheduling"
    label = "scheduling"
    verbose_name = "Appointments, routes and the schedule"
