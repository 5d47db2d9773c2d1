"""The "Queues" menu in the main navigation (its counts load when it is opened)."""

from django.utils.translation import gettext_lazy as _

from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.queues.selectors import PERMISSION_TYPES
from stageflow.web.extensions import NavEntry, register_nav


def _may_see_queues(user: User) -> bool:
    return any(permissions.may_at_all(user, name, "view") for name in PERMISSION_TYPES.values())


register_nav(NavEntry(key="queues", label=_("Queues"), url_name="queues:list", position=40,
                      visible=_may_see_queues, template="web/queues/_nav.html"))
