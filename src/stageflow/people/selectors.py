"""Reading people: users and offices by id, as the services' value normalisers need them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from stageflow.people.models import Office, User


def assignable_users() -> QuerySet[User]:
    """People a record can be given to: active, and not the automation account."""
    return User.objects.filter(is_active=True, is_automation=False)


def is_record_id(value: Any) -> bool:
    """An integer id, as JSON or a form sends it (never a bool)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.isdigit())


def active_user_value(value: Any) -> User | None:
    """The active user with this id (None for empty); ValueError names the problem."""
    if value in (None, ""):
        return None
    user = assignable_users().filter(pk=value).first() if is_record_id(value) else None
    if user is None:
        raise ValueError(_("Unknown user."))
    return user


def office_value(value: Any) -> Office | None:
    if value in (None, ""):
        return None
    office = Office.objects.filter(pk=value).first() if is_record_id(value) else None
    if office is None:
        raise ValueError(_("Unknown office."))
    return office
