from django.apps import AppConfig


class QualificationConfig(AppConfig):
    name = "stageflow.qualification"
    label = "qualification"
    verbose_name = "Qualification and profile questions"

    def ready(self) -> None:
        from stageflow.pipelines.attribute_values import register_computed_attribute
        from stageflow.qualification.services import QUALIFIED

        register_computed_attribute("opportunity", QUALIFIED)
