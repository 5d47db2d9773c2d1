from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "stageflow.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        # Importing the report modules registers their specs in `REPORTS`.
        from stageflow.reports import builtin  # noqa: F401
