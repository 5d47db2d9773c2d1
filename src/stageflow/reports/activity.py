"""The activity report: who has how many tasks, calls, emails, meetings and notes, done and
still open, among the activities the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from stageflow.activities.access import activities_for
from stageflow.activities.models import Activity
from stageflow.core import clock
from stageflow.people.models import User
from stageflow.reports import selectors
from stageflow.reports.base import Chart, Column, Report, ReportFilters, ReportSpec, register_report
from stageflow.reports.dimensions import Dimension, grouped, user_names

KIND_NAMES = dict(Activity.Kind.choices)


def _kind_names(values: Any) -> dict[Any, str]:
    return {value: str(KIND_NAMES.get(value, value)) for value in values}


def activities(user: User, filters: ReportFilters) -> Report:
    """Activities by the person they are assigned to and their type: done, open, overdue.
    An activity belongs to the period of its due date, or of its creation when it has none."""
    rows_in = activities_for(user).annotate(when=Coalesce("due_at", "created_at")).filter(
        selectors.in_period("when", filters))
    if filters.owner is not None:
        rows_in = rows_in.filter(assignee_id=filters.owner)
    figures = {"total": Count("pk"), "done": Count("pk", filter=Q(done_at__isnull=False)),
               "open": Count("pk", filter=Q(done_at__isnull=True)),
               "overdue": Count("pk", filter=Q(done_at__isnull=True, due_at__lt=clock.now()))}
    dimensions = [Dimension("assignee", _("Assigned to"), "assignee_id", user_names),
                  Dimension("kind", _("Type"), "kind", _kind_names)]
    rows = grouped(rows_in, dimensions, figures)
    totals = rows_in.aggregate(**figures)
    columns = [Column("assignee", _("Assigned to")), Column("kind", _("Type")),
               Column("total", _("Activities"), "count"), Column("done", _("Done"), "count"),
               Column("open", _("Open"), "count"), Column("overdue", _("Overdue"), "count")]
    applied = {name: getattr(filters, name) for name in ("owner", "date_from", "date_to")}
    return Report(key="activities", title=ACTIVITIES.title, columns=columns, rows=rows,
                  chart=Chart("stacked", "assignee", ("done", "open")), totals=totals,
                  notes=[_("The period selects activities due in it (or created in it when "
                           "they have no due date).")],
                  filters=applied)


ACTIVITIES = register_report(ReportSpec(
    key="activities", title=_("Activities"),
    description=_("Activities by person and type: done, open and overdue, in the period."),
    build=activities, filters=("owner", "date_from", "date_to"), record_types=("activity",)))
