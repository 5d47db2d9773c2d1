from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PeopleConfig(AppConfig):
    name = "stageflow.people"
    label = "people"
    verbose_name = "People and permissions"

    def ready(self) -> None:
        from stageflow.people import permissions
        from stageflow.people.roles import ensure_builtin_roles_after_migrate

        permissions.register_record_type("accounts", "Accounts", extra_actions=("create_sub",))
        permissions.register_record_type("contacts", "Contacts")
        post_migrate.connect(ensure_builtin_roles_after_migrate, sender=self)
