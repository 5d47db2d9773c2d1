"""Reads of activities and attachments: of one record, mine, and what is due."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from stageflow.activities.access import activities_for, attachments_for
from stageflow.activities.models import Activity, Attachment, Notification
from stageflow.core import clock
from stageflow.people.models import User


def activities_of(user: User, parent_kind: str, parent_id: int) -> QuerySet[Activity]:
    return activities_for(user).filter(**{f"{parent_kind}_id": parent_id}).select_related(
        "assignee")


def attachments_of(user: User, parent_kind: str, parent_id: int) -> QuerySet[Attachment]:
    return attachments_for(user).filter(**{f"{parent_kind}_id": parent_id}).select_related(
        "uploaded_by")


def my_activities(user: User, *, include_done: bool = False) -> QuerySet[Activity]:
    activities = Activity.objects.filter(assignee=user).select_related(
        "assignee", "lead", "opportunity", "account", "contact")
    return activities if include_done else activities.filter(done_at__isnull=True)


def reminders(user: User, *, now: dt.datetime | None = None) -> QuerySet[Activity]:
    """Open activities assigned to `user` that are due today or overdue, or whose reminder
    time has come."""
    now = now or clock.now()
    end_of_day = now.replace(hour=23, minute=59, second=59)
    return my_activities(user).filter(Q(due_at__lte=end_of_day) | Q(remind_at__lte=now))


def unread_notifications(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, read_at__isnull=True)


def recent_notifications(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)[:50]
