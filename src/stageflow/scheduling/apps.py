from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "stageflow.scheduling"
    label = "scheduling"
    verbose_name = "Appointments, routes and the schedule"

    def ready(self) -> None:
        from stageflow.people import permissions
        from stageflow.scheduling.rule_actions import register_scheduling_actions

        permissions.register_record_type("appointments", "Appointments")
        permissions.register_record_type("routes", "Routes")
        register_scheduling_actions()
