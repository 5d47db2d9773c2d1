"""Template context every page needs: what the signed-in user may open in the navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from stageflow.activities.selectors import reminders, unread_notifications
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.web.extensions import nav_entries_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    return {
        "nav_leads": permissions.may_at_all(user, "leads", "view"),
        "nav_opportunities": permissions.may_at_all(user, "opportunities", "view"),
        "nav_accounts": permissions.may_at_all(user, "accounts", "view"),
        "nav_contacts": permissions.may_at_all(user, "contacts", "view"),
        "nav_admin": user.is_staff,
        "nav_settings": permissions.manages_workspace(user),
        "nav_entries": nav_entries_for(user),
        "reminder_count": reminders(user).count() + unread_notifications(user).count(),
    }
