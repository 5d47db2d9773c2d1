"""The signed-in user's dashboard on the home page.

Everyone gets their own work: activities due or overdue and work-queue counts. A salesperson
(own scope) also gets their pipeline by stage; a manager (office or all scope over leads or
opportunities) gets the team's funnel, the forecast and the records stuck in a stage. Figures
come from the registered reports, so each widget links to the full report with the same
filters; a report that is not registered simply leaves its widget out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from stageflow.activities.selectors import my_activities
from stageflow.core import clock
from stageflow.core.errors import StageflowError
from stageflow.people import permissions
from stageflow.people.models import Scope, User
from stageflow.queues.selectors import QueueCount, queue_counts, visible_queues
from stageflow.reports import selectors
from stageflow.reports.base import REPORTS, ReportFilters
from stageflow.sales.access import PERMISSION_TYPES
from stageflow.sales.models import Lead, Opportunity
from stageflow.sales.selectors import attach_definitions
from stageflow.web.records.display import decorate
from stageflow.web.reports.access import viewable_kinds
from stageflow.web.reports.display import ShownTable, chart_data, pipeline_shown, shown_table
from stageflow.web.reports.forms import filters_query

# A record that has sat this long in one stage needs a manager's look (the follow-up rule of
# thumb the seeds give is three weeks; two leaves time to act before it is overdue).
STUCK_AFTER_DAYS: Final = 14
STUCK_LIMIT: Final = 10
WIDGET_ROWS: Final = 8


@dataclass(frozen=True, slots=True)
class Widget:
    """One report on the dashboard: its chart, its first rows, and the link to all of it."""

    key: str
    title: str | Promise
    url: str
    chart: dict[str, Any] | None = None
    table: ShownTable | None = None
    more_rows: bool = False
    pipeline_name: str = ""
    error: str = ""

    @property
    def chart_id(self) -> str:
        return f"chart-{self.key}"


def report_widget(user: User, key: str, title: str | Promise,
                  filters: ReportFilters) -> Widget | None:
    spec = REPORTS.get(key)
    if spec is None or filters.record_type not in viewable_kinds(user, spec):
        return None
    url = f"{reverse('reports:detail', args=[key])}?{filters_query(filters)}"
    try:
        report = spec.build(user, filters)
    except StageflowError as error:
        return Widget(key=key, title=title, url=url, error=error.message)
    return Widget(key=key, title=title, url=url, chart=chart_data(report),
                  table=shown_table(report, limit=WIDGET_ROWS),
                  more_rows=len(report.rows) > WIDGET_ROWS,
                  pipeline_name=pipeline_shown(report))


def is_manager(user: User) -> bool:
    """Whether the user sees more than their own sales records: the manager's dashboard."""
    return any(permissions.scope_for(user, name, "view") >= Scope.OFFICE
               for name in PERMISSION_TYPES.values())


def stuck_records(user: User, *, language: str = "en") -> list[Lead | Opportunity]:
    """The records stuck in their stage, each with `stage_name` and `days_in_stage`."""
    found = selectors.stuck_records(user, days=STUCK_AFTER_DAYS, limit=STUCK_LIMIT)
    attach_definitions(found)
    decorate(found, language)
    now = clock.now()
    for record in found:
        record.days_in_stage = (now - record.stage_entered_at).days  # type: ignore[union-attr]
    return found


@dataclass(frozen=True, slots=True)
class ActivityCounts:
    overdue: int
    due_today: int


def activity_counts(user: User) -> ActivityCounts:
    """How many of the user's open activities are overdue and due today, in one query."""
    now = clock.now()
    end_of_day = now.replace(hour=23, minute=59, second=59)
    counts = my_activities(user).order_by().aggregate(
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        due_today=Count("pk", filter=Q(due_at__gte=now, due_at__lte=end_of_day)))
    return ActivityCounts(overdue=counts["overdue"], due_today=counts["due_today"])


def dashboard(user: User, *, language: str) -> dict[str, Any]:
    """What the home page shows besides its counts: the report widgets, stuck records, the
    user's activity counts and work queues."""
    manager = is_manager(user)
    if manager:
        candidates = [report_widget(user, "funnel", _("Team funnel"), ReportFilters()),
                      report_widget(user, "forecast", _("Forecast by month"), ReportFilters())]
    else:
        candidates = [report_widget(user, "pipeline", _("My pipeline by stage"),
                                    ReportFilters(owner=user.pk, group_by="stage"))]
    queues: list[QueueCount] = queue_counts(user, list(visible_queues(user)))
    return {
        "is_manager": manager,
        "widgets": [widget for widget in candidates if widget is not None],
        "stuck": stuck_records(user, language=language) if manager else [],
        "stuck_days": STUCK_AFTER_DAYS,
        "queues": queues,
        "activity_counts": activity_counts(user),
    }
