"""Report figures against hand-computed expectations on the history of conftest.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from stageflow.core.errors import NotAllowed
from stageflow.core.models import Via
from stageflow.reports.base import REPORTS, ReportFilters
from tests.reports.dataset import DEALS, NOW, History, day, import_pipeline

BUILT_IN = ("funnel", "pipeline", "stage_time", "forecast", "win_rate", "opportunities",
            "lost_reasons", "sources", "activities")


def build(key: str, user: Any, **filters: Any) -> Any:
    return REPORTS[key].build(user, ReportFilters(**filters))


def picked(rows: list[dict[str, Any]], *keys: str) -> list[tuple[Any, ...]]:
    return [tuple(row[key] for key in keys) for row in rows]


FUNNEL_KEYS = ("stage", "count", "value", "reached", "converted", "conversion")


def test_every_built_in_report_is_registered() -> None:
    assert set(BUILT_IN) <= set(REPORTS)


def test_funnel_counts_open_stages_in_order_with_conversion_to_a_later_stage(
        history: History) -> None:
    report = build("funnel", history.admin)

    assert picked(report.rows, *FUNNEL_KEYS) == [
        ("New", 1, Decimal("500.00"), 5, 4, 80.0),
        ("Qualified", 1, Decimal("3000.00"), 3, 1, 33.3),
        ("Proposal", 1, Decimal("4000.00"), 2, 1, 50.0)]
    assert report.totals == {"count": 3, "value": Decimal("7500.00")}
    assert report.filters["pipeline"] == "deals"


def test_funnel_as_of_a_past_day_is_read_from_the_stage_history(history: History) -> None:
    # At the end of day 4: A and B in Qualified, C in Proposal, D in New; E not created yet.
    report = build("funnel", history.admin, as_of=day(4).date())

    assert picked(report.rows, *FUNNEL_KEYS) == [
        ("New", 1, Decimal("500.00"), 4, 3, 75.0),
        ("Qualified", 2, Decimal("3000.00"), 2, 0, 0.0),
        ("Proposal", 1, Decimal("4000.00"), 1, 0, 0.0)]


def test_a_salespersons_funnel_counts_only_their_own_records(history: History) -> None:
    report = build("funnel", history.sales_north)

    assert picked(report.rows, *FUNNEL_KEYS) == [
        ("New", 0, Decimal("0.00"), 3, 3, 100.0),
        ("Qualified", 1, Decimal("3000.00"), 3, 1, 33.3),
        ("Proposal", 0, Decimal("0.00"), 1, 1, 100.0)]


def test_publishing_reordered_open_stages_changes_the_funnel_order(history: History) -> None:
    reordered = DEALS.replace("position: 10, is_default", "position: 25, is_default")
    # Compiled definitions are cached by version id and publication time: a time no other
    # test publishes at keeps a rolled-back test's version out of this one.
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        import_pipeline(history.admin, reordered)

    report = build("funnel", history.admin)

    assert [row["stage"] for row in report.rows] == ["Qualified", "New", "Proposal"]


def test_the_funnel_refuses_a_user_who_may_not_see_the_records(history: History,
                                                                make_user: Any) -> None:
    from stageflow.people.models import Role

    Role.objects.create(key="nobody", name="Nobody")
    with pytest.raises(NotAllowed):
        build("funnel", make_user("nobody", "nobody"))


def test_pipeline_by_stage_lists_every_stage_with_its_status_and_totals(
        history: History) -> None:
    report = build("pipeline", history.admin, group_by="stage")

    assert picked(report.rows, "stage", "status_key", "count", "value") == [
        ("New", "open", 1, Decimal("500.00")), ("Qualified", "open", 1, Decimal("3000.00")),
        ("Proposal", "open", 1, Decimal("4000.00")), ("Won", "won", 1, Decimal("1000.00")),
        ("Lost", "lost", 1, Decimal("2000.00"))]
    assert report.totals == {"count": 5, "open": 3, "won": 1, "lost": 1, "archived": 0,
                             "open_value": Decimal("7500.00"), "won_value": Decimal("1000.00")}


def test_pipeline_as_of_a_past_day_after_records_moved_on(history: History) -> None:
    # End of day 6: A in Proposal, B lost, C in Proposal, D in New; A won only on day 9.
    report = build("pipeline", history.admin, as_of=day(6).date())

    assert picked(report.rows, "stage_key", "count") == [
        ("new", 1), ("qualified", 0), ("proposal", 2), ("won", 0), ("lost", 1)]
    assert (report.totals["open"], report.totals["won"], report.totals["lost"]) == (3, 0, 1)


def test_pipeline_by_owner(history: History) -> None:
    report = build("pipeline", history.admin, group_by="owner")

    assert picked(report.rows, "owner", "open", "open_value", "won", "lost") == [
        ("Sales_n", 1, Decimal("3000.00"), 1, 1), ("Sales_s", 2, Decimal("4500.00"), 0, 0)]


def test_forecast_weighs_open_value_by_probability_next_to_what_closed_won(
        history: History) -> None:
    report = build("forecast", history.admin)

    # April: C 4000 at 70 % + D 500 at 25 % (its own probability); May: E 3000 at 40 %.
    assert picked(report.rows, "month_key", "open", "value", "weighted", "won",
                  "won_value") == [
        ("2027-03", 0, Decimal("0.00"), Decimal("0.00"), 1, Decimal("1000.00")),
        ("2027-04", 2, Decimal("4500.00"), Decimal("2925.00"), 0, Decimal("0.00")),
        ("2027-05", 1, Decimal("3000.00"), Decimal("1200.00"), 0, Decimal("0.00"))]


def test_forecast_period_selects_months(history: History) -> None:
    report = build("forecast", history.admin, date_from=dt.date(2027, 4, 1),
                   date_to=dt.date(2027, 4, 30))

    assert picked(report.rows, "month_key", "weighted") == [("2027-04", Decimal("2925.00"))]


def test_win_rate_by_owner_and_source_gives_a_row_per_combination(history: History) -> None:
    report = build("win_rate", history.admin, group_by="sales_rep,marketing_source")

    assert picked(report.rows, "sales_rep", "marketing_source", "opportunities", "won", "lost",
                  "close_rate", "win_rate") == [
        ("Sales_n", "(none)", 1, 0, 0, 0.0, None),
        ("Sales_n", "web", 2, 1, 1, 50.0, 50.0),
        ("Sales_s", "referral", 2, 0, 0, 0.0, None)]
    assert (report.totals["opportunities"], report.totals["close_rate"],
            report.totals["win_rate"]) == (5, 20.0, 50.0)


def test_lost_reasons(history: History) -> None:
    report = build("lost_reasons", history.admin)

    assert picked(report.rows, "close_reason", "lost", "share", "value") == [
        ("price", 1, 100.0, Decimal("2000.00"))]


def test_time_in_stage_and_sales_cycle(history: History) -> None:
    report = build("stage_time", history.admin)

    # Ended stays in New: A 2, B 3, C 3, E 1 days; still there: D since day 1.
    assert picked(report.rows, "stage", "stays", "average_days", "median_days", "in_stage_now",
                  "average_days_so_far") == [
        ("New", 4, 2.2, 2.5, 1, 9.0), ("Qualified", 2, 3.0, 3.0, 1, 2.0),
        ("Proposal", 1, 4.0, 4.0, 1, 6.0)]
    assert report.totals == {"won_count": 1, "won_cycle_days": 9.0,
                             "won_cycle_median_days": 9.0, "lost_count": 1,
                             "lost_cycle_days": 6.0, "lost_cycle_median_days": 6.0}


ENQUIRIES = """
key: enquiries
record_type: lead
name: Enquiries
stages:
- {key: new, names: {en: New}, position: 10, is_default: true}
- {key: converted, names: {en: Converted}, position: 20, status: won, is_end_stage: true,
   is_conversion_end_stage: true}
"""


@pytest.fixture
def enquiries(admin: Any) -> Any:
    return import_pipeline(admin, ENQUIRIES)


def test_lead_sources_from_leads_to_opportunities_to_won(enquiries: Any,
                                                         history: History) -> None:
    from stageflow.sales import services as sales

    rep = history.sales_north

    def lead(source: str) -> Any:
        return sales.record_create(actor=rep, via=Via.API, kind="lead",
                                   values={"title": source, "source": source})

    first, second, _third, _fourth = lead("web"), lead("web"), lead("web"), lead("referral")
    won = sales.lead_convert(actor=rep, via=Via.API, lead=first)
    sales.lead_convert(actor=rep, via=Via.API, lead=second)
    sales.record_move_to_stage(actor=rep, via=Via.API, record=won, stage="won")

    report = build("sources", history.admin, record_type="lead")

    assert picked(report.rows, "source", "leads", "converted", "conversion_rate",
                  "opportunities", "won", "win_rate", "lead_to_won_rate") == [
        ("referral", 1, 0, 0.0, 0, 0, None, 0.0),
        ("web", 3, 2, 66.7, 2, 1, 50.0, 33.3)]


def test_activities_by_person_and_type_done_open_and_overdue(history: History) -> None:
    from stageflow.activities.services import activity_create, activity_update

    rep, deal = history.sales_north, history.records["A"]

    def activity(kind: str, due: dt.datetime) -> Any:
        return activity_create(actor=rep, via=Via.API, parent=deal,
                               values={"kind": kind, "subject": kind, "due_at": due})

    activity("call", day(11))
    overdue = activity("call", day(8))
    done = activity("task", day(9))
    activity_update(actor=rep, via=Via.API, activity=done, values={"done": True})
    activity("task", day(40))  # outside the period below

    report = build("activities", history.admin, record_type="activity",
                   date_from=day(0).date(), date_to=day(20).date())

    assert overdue.done_at is None
    assert picked(report.rows, "assignee", "kind", "total", "done", "open", "overdue") == [
        ("Sales_n", "Call", 2, 0, 2, 1), ("Sales_n", "Task", 1, 1, 0, 0)]
    assert build("activities", history.sales_south, record_type="activity").rows == []


def test_figures_stay_put_when_records_move_after_the_as_of_day(history: History) -> None:
    from stageflow.sales import services as sales

    before = build("pipeline", history.admin, as_of=day(6).date()).rows
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        sales.record_move_to_stage(actor=history.admin, via=Via.API,
                                   record=history.records["D"], stage="lost")
        after = build("pipeline", history.admin, as_of=day(6).date()).rows

    assert after == before


def test_conversion_after_moves_back_counts_only_what_came_later(history: History) -> None:
    from stageflow.sales import services as sales

    def move(record: Any, stage: str) -> Any:
        return sales.record_move_to_stage(actor=history.admin, via=Via.API, record=record,
                                          stage=stage)

    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False) as clock:
        def create(title: str, value: str) -> Any:
            return sales.record_create(actor=history.sales_north, via=Via.API,
                                       kind="opportunity", values={"title": title,
                                                                   "value": value})

        f, g = create("F", "100"), create("G", "200")
        clock.shift(dt.timedelta(hours=1))
        f, g = move(f, "proposal"), move(g, "lost")
        clock.shift(dt.timedelta(hours=1))
        f, g = move(f, "qualified"), move(g, "qualified")  # F back; G revisited after Lost
        clock.shift(dt.timedelta(hours=1))
        move(g, "proposal")

        report = build("funnel", history.admin)

    # F: New then Proposal (converted from New), back to Qualified (nothing later).
    # G: New, Lost, Qualified, Proposal: converted from New and from Qualified.
    assert picked(report.rows, *FUNNEL_KEYS) == [
        ("New", 1, Decimal("500.00"), 7, 6, 85.7),
        ("Qualified", 2, Decimal("3100.00"), 5, 2, 40.0),
        ("Proposal", 2, Decimal("4200.00"), 4, 1, 25.0)]


def test_pipeline_by_owner_as_of_a_past_day(history: History) -> None:
    # End of day 6: A in Proposal and B lost (sales_n; E not created yet), C and D open.
    report = build("pipeline", history.admin, group_by="owner", as_of=day(6).date())

    assert picked(report.rows, "owner", "open", "open_value", "won", "lost") == [
        ("Sales_n", 1, Decimal("1000.00"), 0, 1), ("Sales_s", 2, Decimal("4500.00"), 0, 0)]


def test_the_period_selects_the_records_created_in_it(history: History) -> None:
    report = build("pipeline", history.admin, date_from=day(1).date(), date_to=day(7).date())

    # C and D (day 1) and E (day 7); A and B were created on day 0.
    assert (report.totals["count"], report.totals["open"], report.totals["won"]) == (3, 3, 0)
