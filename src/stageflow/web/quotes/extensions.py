"""Tabs and navigation entries of this area (see stageflow.web.extensions)."""

from django.utils.translation import gettext_lazy as _

from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.web.extensions import NavEntry, Panel, register_nav, register_panel


def _sees_opportunities(user: User) -> bool:
    return permissions.may_at_all(user, "opportunities", "view")


register_nav(NavEntry(key="quotes", label=_("Quotes"), url_name="quotes:list", position=40,
                      visible=_sees_opportunities))
register_panel(Panel(key="estimates", label=_("Estimates"), url_name="quotes:panel",
                     kinds=("opportunity", "account"), position=30,
                     visible=_sees_opportunities))
