"""Tabs and navigation entries of this area (see stageflow.web.extensions)."""

from django.utils.translation import gettext_lazy as _

from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.web.extensions import NavEntry, Panel, register_nav, register_panel


def _sees_schedule(user: User) -> bool:
    return (permissions.may_at_all(user, "appointments", "view")
            or permissions.may_at_all(user, "routes", "view"))


register_panel(Panel(key="appointments", label=_("Appointments"), url_name="scheduling:panel",
                     kinds=("lead", "opportunity", "account"), position=40))
register_nav(NavEntry(key="schedule", label=_("Schedule"), url_name="scheduling:schedule",
                      position=40, visible=_sees_schedule))
