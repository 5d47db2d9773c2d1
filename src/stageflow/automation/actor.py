"""The account automation acts as: it may do anything, signs in never, and owns nothing."""

from __future__ import annotations

from stageflow.people.models import User

AUTOMATION_USERNAME = "stageflow-automation"


def automation_user() -> User:
    user = User.objects.filter(username=AUTOMATION_USERNAME, is_automation=True).first()
    if user is None:
        user = User(username=AUTOMATION_USERNAME, first_name="Automation", is_automation=True,
                    is_superuser=True, is_active=True)
        user.set_unusable_password()
        user.save()
    return user
