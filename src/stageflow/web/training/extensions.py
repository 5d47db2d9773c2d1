"""Tabs and navigation entries of this area (see stageflow.web.extensions)."""

from django.utils.translation import gettext_lazy as _

from stageflow.packs.training.models import Course
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.web.extensions import NavEntry, Panel, register_nav, register_panel


def _sells_courses(user: User) -> bool:
    """Workspaces without a course catalogue (not training providers) see none of this.
    Asked once per request: the answer is kept on the user object, as scopes are."""
    if not permissions.may_at_all(user, "courses", "view"):
        return False
    cached: bool | None = getattr(user, "_stageflow_sells_courses", None)
    if cached is None:
        cached = Course.objects.exists()
        user._stageflow_sells_courses = cached  # type: ignore[attr-defined]
    return cached


def _sees_catalogue(user: User) -> bool:
    return permissions.may_at_all(user, "courses", "create") or _sells_courses(user)


register_panel(Panel(key="interests", label=_("Interests"), url_name="training:interest_panel",
                     kinds=("opportunity",), position=40, visible=_sells_courses))
register_panel(Panel(key="training-tokens", label=_("Training tokens"),
                     url_name="training:token_panel", kinds=("account",), position=70,
                     visible=_sells_courses))
register_nav(NavEntry(key="courses", label=_("Courses"), url_name="training:course_list",
                      position=55, visible=_sees_catalogue))
