"""/api/v1/rules and /api/v1/automation-log: administrators only, errors naming the place."""

from __future__ import annotations

import pytest

from stageflow.automation.models import Rule

TAG_RULE = {"key": "tag-new", "name": "Tag new deals", "event": "opportunity.created",
            "actions": [{"action": "add_tag", "params": {"tag": "New"}}]}


def test_an_administrator_creates_reads_changes_and_deletes_a_rule(api_as, admin, recruitment):
    client = api_as(admin)

    created = client.post("/rules", TAG_RULE)
    rule_id = created.json()["id"]
    read = client.get(f"/rules/{rule_id}")
    changed = client.patch(f"/rules/{rule_id}", {"active": False, "version": 1})
    stale = client.patch(f"/rules/{rule_id}", {"name": "Late", "version": 1})
    deleted = client.delete(f"/rules/{rule_id}")

    assert created.status_code == 201
    assert (read.json()["event"], read.json()["record_type"]) == ("opportunity.created",
                                                                  "opportunity")
    assert (changed.status_code, changed.json()["active"], changed.json()["version"]) == (
        200, False, 2)
    assert stale.status_code == 409
    assert deleted.status_code == 204
    assert client.get(f"/rules/{rule_id}").status_code == 404


def test_a_bad_rule_is_422_naming_each_place(api_as, admin, recruitment):
    response = api_as(admin).post("/rules", {
        **TAG_RULE, "conditions": {"stage": "nowhere"},
        "actions": [{"action": "set_stage", "params": {"stage": "nowhere"}}]})

    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"conditions.stage", "actions.1.stage"}


def test_a_malformed_rule_is_400(api_as, admin, recruitment):
    response = api_as(admin).post("/rules", {"key": "x", "name": "x", "event": "lead.created",
                                             "actions": "all of them"})

    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/rules", "/rules/catalogue", "/automation-log"])
def test_people_who_do_not_manage_the_workspace_get_403(api_as, sales_north, recruitment, path):
    assert api_as(sales_north).get(path).status_code == 403


def test_anonymous_callers_get_401(api_as):
    assert api_as(None).get("/rules").status_code == 401


def test_writes_by_non_administrators_are_403(api_as, sales_north, recruitment):
    rule = Rule.objects.first()
    client = api_as(sales_north)

    assert client.post("/rules", TAG_RULE).status_code == 403
    assert client.patch(f"/rules/{rule.pk}", {"active": False}).status_code == 403
    assert client.delete(f"/rules/{rule.pk}").status_code == 403


def test_the_catalogue_lists_events_and_actions_with_their_parameters(api_as, admin):
    body = api_as(admin).get("/rules/catalogue").json()

    events = {event["name"]: event for event in body["events"]}
    actions = {action["key"]: action for action in body["actions"]}
    assert events["lead.last_modified_older_than"]["timed"] is True
    assert "quote.accepted" in events
    assert actions["send_email"]["params"] == ["template", "to"]
    assert actions["convert_lead"]["record_types"] == ["lead"]


def test_the_log_lists_firings_with_filters(api_as, admin, recruitment, new_lead):
    lead = new_lead(admin)
    client = api_as(admin)

    everything = client.get("/automation-log").json()
    of_lead = client.get(f"/automation-log?record_type=lead&record_id={lead.pk}").json()
    failed = client.get("/automation-log?outcome=failed").json()

    assert everything["count"] == 1
    assert of_lead["items"][0]["event"] == "lead.created"
    assert of_lead["items"][0]["results"][0]["action"] == "add_tag"
    assert failed["count"] == 0


@pytest.mark.parametrize("rows", [5, 50])
def test_lists_run_a_bounded_number_of_queries(api_as, admin, recruitment, new_lead, rows,
                                               django_assert_max_num_queries):
    for number in range(rows):
        new_lead(admin, f"Lead {number}")
    client = api_as(admin)

    with django_assert_max_num_queries(8):
        assert client.get("/automation-log?limit=100").json()["count"] == rows
    with django_assert_max_num_queries(8):
        assert client.get("/rules").status_code == 200


def test_a_record_lists_what_automation_did_to_it_for_whoever_sees_it(
        api_as, admin, sales_north, sales_south, recruitment, new_lead):
    lead = new_lead(sales_north)

    mine = api_as(sales_north).get(f"/leads/{lead.pk}/automation")
    other_office = api_as(sales_south).get(f"/leads/{lead.pk}/automation")

    assert [item["name"] for item in mine.json()["items"]] == [
        'New leads join the "New leads" group']
    assert other_office.status_code == 404


def test_a_dry_run_replays_the_stage_history_without_changing_anything(
        api_as, admin, recruitment, new_opportunity):
    from stageflow.core.models import Via
    from stageflow.sales import services as sales

    won = new_opportunity(admin, "Won deal")
    sales.record_move_to_stage(actor=admin, via=Via.API, record=won, stage="o_won")
    sales.record_move_to_stage(actor=admin, via=Via.API, record=new_opportunity(admin, "Lost"),
                               stage="o_lost")
    client = api_as(admin)

    preview = client.post("/rules/dry-run", {
        "event": "opportunity.stage_changed_to", "conditions": {"stage": "o_won"},
        "actions": [{"action": "call_webhook", "params": {"url": "https://hooks.test/x"}}]})
    unreplayable = client.post("/rules/dry-run", {
        "event": "opportunity.tag_added", "actions": [{"action": "add_tag",
                                                        "params": {"tag": "x"}}]})
    invalid = client.post("/rules/dry-run", {"event": "opportunity.created",
                                             "conditions": {"stage": "nowhere"}, "actions": []})

    assert preview.status_code == 200
    assert (preview.json()["records"], preview.json()["messages"]) == (1, 1)
    assert preview.json()["sample"] == [{"type": "opportunity", "id": won.pk,
                                         "title": "Won deal"}]
    assert unreplayable.json()["replayable"] is False
    assert invalid.status_code == 422
    assert not Rule.objects.filter(key="dry-run").exists()


def test_a_dry_run_of_a_timed_rule_lists_what_is_due_now(api_as, admin, recruitment, new_lead):
    import datetime as dt

    import time_machine

    from stageflow.core import clock

    start = clock.now()
    new_lead(admin, "Old news")
    rule = Rule.objects.get(key="t3_dormant_after_14_days")

    with time_machine.travel(start + dt.timedelta(days=20)):
        due = api_as(admin).post(f"/rules/{rule.pk}/dry-run", {}).json()
        shorter = api_as(admin).post(f"/rules/{rule.pk}/dry-run",
                                     {"conditions": {"days": 30}}).json()

    assert (due["records"], shorter["records"]) == (1, 0)
