from django.apps import AppConfig


class RecruitmentConfig(AppConfig):
    name = "stageflow.packs.recruitment"
    label = "recruitment"
    verbose_name = "Recruitment: job orders and placements"

    def ready(self) -> None:
        from stageflow.people import permissions

        permissions.register_record_type("job_orders", "Job orders")
