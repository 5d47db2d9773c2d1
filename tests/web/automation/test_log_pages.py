"""The automation log through Django's test client: rows, filters, pages and query counts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone

from stageflow.automation.models import Firing
from stageflow.core.models import Via
from stageflow.pipelines.services import preset_install
from stageflow.sales.services import record_create

LOG = "/automation/log/"


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _shown_firings(response: Any) -> list[int]:
    return [int(found) for found in re.findall(r'<tr id="firing-(\d+)"', response.content.decode())]


def test_the_log_lists_firings_newest_first_with_what_each_did(as_admin, make_rule,
                                                               make_firing):
    rule = make_rule()
    older = make_firing(rule, at=timezone.now() - dt.timedelta(hours=2), record_id=7)
    failed = make_firing(rule, outcome=Firing.Outcome.FAILED, record_type="lead",
                         event="lead.created", record_id=8,
                         results=[{"action": "set_stage", "result": "No stage “x”."}],
                         error="No stage “x”.")

    response = as_admin.get(LOG)
    page = _text(response)

    assert _shown_firings(response) == [failed.pk, older.pk]
    assert f'<a href="/automation/rules/{rule.pk}/">Tag new opportunities</a>' in page
    assert '<a href="/leads/8/">Lead #8</a>' in page
    assert '<a href="/opportunities/7/">Opportunity #7</a>' in page
    assert 'class="outcome outcome-failed">Failed, undone' in page
    assert 'class="outcome outcome-done">Done' in page
    assert "<code>add_tag</code> tag Quote added to Acme" in page
    assert "<strong>Error:</strong> No stage “x”." in page
    assert "2.5 ms" in page


def test_a_record_the_user_may_see_is_named_by_its_title(as_admin, admin, make_firing):
    preset_install(actor=admin, via=Via.WEB, key="recruitment")
    record = record_create(actor=admin, via=Via.WEB, kind="opportunity",
                           values={"title": "Acme hiring"})
    make_firing(None, record_id=record.pk, source="transition:win", name="Won")

    page = _text(as_admin.get(LOG))

    assert f'<a href="/opportunities/{record.pk}/">Opportunity #{record.pk} · Acme hiring</a>' \
        in page


def test_firings_without_a_rule_say_where_they_came_from(as_admin, make_rule, make_firing):
    rule = make_rule()
    make_firing(rule)
    make_firing(None, source="transition:win", name="Win")
    rule.delete()

    page = _text(as_admin.get(LOG))

    assert "Tag new opportunities <small class=\"muted\">(rule deleted)</small>" in page
    assert "Win <small class=\"muted\">(triggers of a transition)</small>" in page


def test_an_empty_log_explains_what_it_will_show(as_admin):
    page = _text(as_admin.get(LOG))

    assert "Nothing has fired yet" in page
    assert '<table class="log-table">' not in page


def test_the_log_filters_by_outcome_record_type_rule_event_and_record(as_admin, make_rule,
                                                                      make_firing):
    tagging = make_rule()
    other = make_rule("Other", key="other")
    done = make_firing(tagging, record_id=1)
    failed = make_firing(tagging, record_id=2, outcome=Firing.Outcome.FAILED)
    lead = make_firing(other, record_type="lead", event="lead.created", record_id=3)

    def shown(**filters: Any) -> list[int]:
        return _shown_firings(as_admin.get(LOG, filters))

    assert shown(outcome="failed") == [failed.pk]
    assert shown(record_type="lead") == [lead.pk]
    assert shown(rule=other.pk) == [lead.pk]
    assert shown(event="opportunity.created") == [failed.pk, done.pk]
    assert shown(record_id=2) == [failed.pk]
    assert shown(rule=tagging.pk, outcome="done") == [done.pk]


def test_the_log_filters_by_dates_including_the_whole_last_day(as_admin, make_rule,
                                                                make_firing):
    rule = make_rule()
    noon = timezone.make_aware(dt.datetime(2024, 3, 10, 12, 0))
    before = make_firing(rule, at=noon - dt.timedelta(days=2))
    on_the_day = make_firing(rule, at=noon + dt.timedelta(hours=11))
    after = make_firing(rule, at=noon + dt.timedelta(days=2))

    assert _shown_firings(as_admin.get(LOG, {"since": "2024-03-10", "until": "2024-03-10"})) \
        == [on_the_day.pk]
    assert _shown_firings(as_admin.get(LOG, {"since": "2024-03-09"})) == [after.pk,
                                                                          on_the_day.pk]
    assert _shown_firings(as_admin.get(LOG, {"until": "2024-03-09"})) == [before.pk]


def test_a_filter_that_does_not_parse_is_left_out(as_admin, make_rule, make_firing):
    firing = make_firing(make_rule())

    response = as_admin.get(LOG, {"record_id": "abc", "outcome": "exploded"})

    assert response.status_code == 200
    assert _shown_firings(response) == [firing.pk]


def test_filters_that_match_nothing_say_so(as_admin, make_rule, make_firing):
    make_firing(make_rule())

    page = _text(as_admin.get(LOG, {"outcome": "stopped"}))

    assert "No firings match these filters." in page


def test_the_log_pages_through_firings_and_keeps_the_filters(as_admin, make_rule, make_firing):
    rule = make_rule()
    for number in range(30):
        make_firing(rule, record_id=number + 1,
                    at=timezone.now() - dt.timedelta(minutes=number))

    first = as_admin.get(LOG, {"outcome": "done"})
    second = as_admin.get(LOG, {"outcome": "done", "page": 2})

    assert len(_shown_firings(first)) == 25
    assert len(_shown_firings(second)) == 5
    assert "Page 1 of 2" in _text(first)
    assert 'href="?outcome=done&amp;page=2"' in first.content.decode()


def test_the_log_runs_as_many_queries_for_50_firings_as_for_5(as_admin, admin, make_rule,
                                                             make_firing,
                                                             django_assert_max_num_queries):
    rule = make_rule()

    def add_firings(first: int, last: int) -> None:
        for number in range(first, last):
            make_firing(rule if number % 2 else None, record_id=number + 1,
                        record_type="lead" if number % 3 else "opportunity")

    add_firings(0, 5)
    as_admin.get(LOG)
    with django_assert_max_num_queries(10) as five:
        five_page = as_admin.get(LOG)
    add_firings(5, 50)
    with django_assert_max_num_queries(10) as fifty:
        fifty_page = as_admin.get(LOG)

    assert (len(_shown_firings(five_page)), len(_shown_firings(fifty_page))) == (5, 25)
    assert len(fifty) == len(five)
