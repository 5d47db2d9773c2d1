"""/work-queues: CRUD for managers, counts and entries for everyone who may view the records."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from stageflow.core.models import Via
from stageflow.pipelines.services import preset_install
from stageflow.queues.models import WorkQueue
from stageflow.sales.services import record_tag

DAY_0 = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
FOLLOWUP = {"name": "Sales Followup", "record_type": "account", "tags": ["Sales Followup"],
            "age_basis": "tagged", "max_age_days": 21, "slug": "sales-followup"}


@pytest.fixture
def pom(admin):
    preset_install(actor=admin, via=Via.CLI, key="quote_schedule")


def _tagged(user, make_account, name: str, tag: str = "Sales Followup"):
    account = make_account(user, name)
    record_tag(actor=user, via=Via.API, record=account, tag_name=tag)
    return account


def test_sales_followup_flags_day_22_not_day_20(api_as, pom, office_north, make_account):
    client = api_as(office_north)
    with time_machine.travel(DAY_0, tick=False) as clock:
        c2 = _tagged(office_north, make_account, "C2")
        clock.move_to(DAY_0 + dt.timedelta(days=20))
        day_20 = client.get("/work-queues/sales-followup/entries").json()
        clock.move_to(DAY_0 + dt.timedelta(days=22))
        day_22 = client.get("/work-queues/sales-followup/entries").json()

    assert day_20["count"] == 1
    assert (day_20["items"][0]["age_days"], day_20["items"][0]["overdue"]) == (20, False)
    assert {k: day_22["items"][0][k] for k in ("id", "name", "tags", "age_days", "overdue")} == {
        "id": c2.pk, "name": "C2", "tags": ["Sales Followup"], "age_days": 22, "overdue": True}


def test_the_list_carries_live_and_overdue_counts(api_as, pom, office_north, make_account):
    with time_machine.travel(DAY_0, tick=False) as clock:
        _tagged(office_north, make_account, "Old")
        clock.move_to(DAY_0 + dt.timedelta(days=30))
        _tagged(office_north, make_account, "New")
        _tagged(office_north, make_account, "Quoted", tag="Quote")

        listed = api_as(office_north).get("/work-queues").json()

    assert [(q["slug"], q["entry_count"], q["overdue_count"]) for q in listed["items"]] == [
        ("quote", 1, 0), ("sales-followup", 2, 1), ("schedule", 0, 0)]


def test_queue_lists_run_one_query_per_queue(api_as, pom, office_north, make_account,
                                            django_assert_max_num_queries):
    client = api_as(office_north)
    for number in range(6):
        _tagged(office_north, make_account, f"Customer {number}")
    client.get("/work-queues")

    with django_assert_max_num_queries(3 + 8):
        listed = client.get("/work-queues").json()
    with django_assert_max_num_queries(10):
        entries = client.get("/work-queues/sales-followup/entries").json()

    assert listed["count"] == 3
    assert entries["count"] == 6


def test_entries_are_limited_to_the_callers_scope(api_as, pom, office_north, sales_south,
                                                  make_account):
    _tagged(office_north, make_account, "North customer")

    entries = api_as(sales_south).get("/work-queues/sales-followup/entries").json()

    assert entries == {"items": [], "count": 0}


def test_entries_page_with_limit_and_offset(api_as, pom, office_north, make_account):
    with time_machine.travel(DAY_0, tick=False) as clock:
        for number in range(3):
            clock.move_to(DAY_0 + dt.timedelta(days=number))
            _tagged(office_north, make_account, f"C{number}")
        page = api_as(office_north).get("/work-queues/sales-followup/entries", limit=1,
                                        offset=1).json()

    assert ([item["name"] for item in page["items"]], page["count"]) == (["C1"], 3)


def test_a_manager_creates_updates_and_deletes_a_queue(api_as, admin):
    client = api_as(admin)

    created = client.post("/work-queues", FOLLOWUP)
    stale = client.patch("/work-queues/sales-followup", {"max_age_days": 14, "version": 9})
    updated = client.patch(f"/work-queues/{created.json()['id']}", {"max_age_days": 14},
                           headers={"If-Match": "1"})
    deleted = client.delete("/work-queues/sales-followup")

    assert created.status_code == 201
    assert created.json()["slug"] == "sales-followup"
    assert stale.status_code == 409
    assert (updated.status_code, updated.json()["max_age_days"]) == (200, 14)
    assert deleted.status_code == 204
    assert not WorkQueue.objects.exists()


def test_others_may_read_queues_but_not_change_them(api_as, admin, office_north):
    api_as(admin).post("/work-queues", FOLLOWUP)
    client = api_as(office_north)

    assert client.get("/work-queues/sales-followup").status_code == 200
    assert client.post("/work-queues", {**FOLLOWUP, "slug": "mine"}).status_code == 403
    assert client.patch("/work-queues/sales-followup", {"name": "X"}).status_code == 403
    assert client.delete("/work-queues/sales-followup").status_code == 403
    assert WorkQueue.objects.get().name == "Sales Followup"


def test_a_bad_queue_is_422_naming_the_field(api_as, admin):
    response = api_as(admin).post("/work-queues", {**FOLLOWUP, "age_basis": "stage"})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["age_basis"]


def test_unknown_queue_and_anonymous_caller(api_as, admin):
    assert api_as(admin).get("/work-queues/nowhere/entries").status_code == 404
    assert api_as(None).get("/work-queues").status_code == 401
