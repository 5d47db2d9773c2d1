from django.apps import AppConfig


class CommandsConfig(AppConfig):
    name = "stageflow.commands"
    label = "commands"
    verbose_name = "Command line"
