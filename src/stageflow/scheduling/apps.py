from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "stageflow.scheduling"
    label = "scheduling"
    verbose_name = "Appointments, routes and the schedule"

    def ready(self) -> None:
        from stageflow.communications.templating import register_merge_group
        from stageflow.people import permissions
        from stageflow.scheduling.notices import CLIENT_FACTS
        from stageflow.scheduling.rule_actions import register_scheduling_actions

        permissions.register_record_type("appointments", "Appointments")
        permissions.register_record_type("routes", "Routes")
        register_scheduling_actions()
        register_merge_group("appointment", CLIENT_FACTS)
