from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "stageflow.packs.training"
    label = "training"
    verbose_name = "Training: courses, interests, registrations and tokens"

    def ready(self) -> None:
        from stageflow.packs.training.actions import register_training_actions
        from stageflow.people import permissions

        permissions.register_record_type("courses", "Courses")
        permissions.register_record_type("registrations", "Registrations")
        register_training_actions()
