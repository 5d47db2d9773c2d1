from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "stageflow.packs.training"
    label = "training"
    verbose_name = "Training: courses, interests, registrations and tokens"
