"""/api/v1/workspace and /api/v1/presets: workspace settings and ready-made workflows."""

from __future__ import annotations

from stageflow.core import workspace
from stageflow.core.models import HistoryEntry
from stageflow.pipelines.models import Pipeline


def test_everyone_signed_in_reads_the_workspace_defaults(api_as, sales_north):
    response = api_as(sales_north).get("/workspace")

    assert response.status_code == 200
    assert response.json()["days_out"] == 3
    assert response.json()["select_new_estimate"] is True


def test_anonymous_callers_read_nothing(api_as, db):
    assert api_as(None).get("/workspace").status_code == 401


def test_a_manager_changes_days_out_and_it_is_recorded(api_as, admin):
    response = api_as(admin).patch("/workspace", {"days_out": 5, "terms": "T&C v1"})

    assert response.status_code == 200
    assert (workspace.current().days_out, workspace.current().terms) == (5, "T&C v1")
    change = HistoryEntry.objects.get(action=HistoryEntry.Action.UPDATED)
    assert {item["field"] for item in change.changes} == {"days_out", "terms"}


def test_bad_values_are_refused_by_name_and_nothing_changes(api_as, admin):
    response = api_as(admin).patch("/workspace", {"days_out": 500, "office_email": "nope"})

    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"days_out", "office_email"}
    assert workspace.current().days_out == 3


def test_only_managers_change_the_workspace(api_as, sales_north):
    response = api_as(sales_north).patch("/workspace", {"days_out": 5})

    assert response.status_code == 403
    assert workspace.current().days_out == 3


def test_presets_are_listed_and_an_administrator_installs_one(api_as, admin):
    client = api_as(admin)
    keys = [preset["key"] for preset in client.get("/presets").json()]

    response = client.post("/presets/quote_schedule/install")

    assert "quote_schedule" in keys
    assert response.status_code == 201
    assert {item["pipeline"] for item in response.json()} == set(
        Pipeline.objects.values_list("key", flat=True))


def test_installing_needs_a_manager_and_a_known_preset(api_as, admin, sales_north):
    assert api_as(sales_north).post("/presets/quote_schedule/install").status_code == 403
    assert api_as(admin).post("/presets/nope/install").status_code == 404
    assert not Pipeline.objects.exists()
