"""Each event a rule can listen for fires it, with its conditions, and nothing else does."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from stageflow.activities.services import activity_create
from stageflow.automation.models import Firing
from stageflow.automation.scheduler import run_scans
from stageflow.automation.services import rule_save
from stageflow.core import clock, events
from stageflow.core.models import Via
from stageflow.sales import services as sales
from stageflow.sales.models import Opportunity

FIRED = [{"action": "add_tag", "params": {"tag": "Fired"}}]


@pytest.fixture
def rule(admin, recruitment):
    def make(event, conditions=None, actions=None, key="under-test"):
        return rule_save(actor=admin, values={
            "key": key, "name": key, "event": event, "conditions": conditions or {},
            "actions": actions or FIRED})

    return make


def fired(record) -> bool:
    record.refresh_from_db()
    return record.tags.filter(name="Fired").exists()


def test_created(rule, admin, new_opportunity):
    rule("opportunity.created")

    assert fired(new_opportunity(admin))


def test_field_changed_only_for_the_named_field(rule, admin, new_opportunity):
    rule("opportunity.field_changed", {"field": "value"})
    other = new_opportunity(admin, "Other")
    valued = new_opportunity(admin, "Valued")

    sales.record_update(actor=admin, via=Via.API, record=other, values={"description": "x"})
    sales.record_update(actor=admin, via=Via.API, record=valued, values={"value": "900"})

    assert (fired(other), fired(valued)) == (False, True)


def test_owner_changed(rule, admin, sales_north, new_opportunity):
    rule("opportunity.owner_changed")
    record = new_opportunity(admin)

    sales.record_update(actor=admin, via=Via.API, record=record,
                        values={"owner": sales_north.pk})

    assert fired(record)


def test_stage_changed_to_a_given_stage(rule, admin, new_opportunity):
    rule("opportunity.stage_changed_to", {"stage": "o_won"})
    proposal = new_opportunity(admin, "To proposal")
    won = new_opportunity(admin, "To won")

    sales.record_move_to_stage(actor=admin, via=Via.API, record=proposal, stage="o_prop")
    sales.record_move_to_stage(actor=admin, via=Via.API, record=won, stage="o_won")

    assert (fired(proposal), fired(won)) == (False, True)


def test_stage_group_changed_only_when_the_group_changes(rule, admin, new_opportunity):
    rule("opportunity.stage_group_changed_to", {"stage_group": "closed"})
    record = new_opportunity(admin)

    sales.record_move_to_stage(actor=admin, via=Via.API, record=record, stage="o_prop")
    within_pipeline_group = fired(record)
    sales.record_move_to_stage(actor=admin, via=Via.API, record=record, stage="o_lost")

    assert (within_pipeline_group, fired(record)) == (False, True)


@pytest.mark.parametrize(("event", "stage", "expected"), [
    ("opportunity.won", "o_won", True), ("opportunity.won", "o_lost", False),
    ("opportunity.lost", "o_lost", True), ("opportunity.lost", "o_won", False)])
def test_won_and_lost(rule, admin, new_opportunity, event, stage, expected):
    rule(event)
    record = new_opportunity(admin)

    sales.record_move_to_stage(actor=admin, via=Via.API, record=record, stage=stage)

    assert fired(record) is expected


def test_tag_added_and_removed_with_the_tag_named(rule, admin, new_opportunity):
    rule("opportunity.tag_added", {"tag": "VIP"}, key="on-add")
    rule("opportunity.tag_removed", {"tag": "VIP"},
         [{"action": "set_field", "params": {"field": "description", "value": "dropped"}}],
         key="on-remove")
    record = new_opportunity(admin)

    sales.record_tag(actor=admin, via=Via.API, record=record, tag_name="Other")
    by_other_tag = fired(record)
    sales.record_tag(actor=admin, via=Via.API, record=record, tag_name="VIP")
    sales.record_tag(actor=admin, via=Via.API, record=record, tag_name="VIP", add=False)

    record.refresh_from_db()
    assert (by_other_tag, fired(record), record.description) == (False, True, "dropped")


def test_converted(rule, admin, new_lead):
    rule("lead.converted", actions=[{"action": "set_field",
                                     "params": {"field": "description", "value": "done"}}])
    lead = new_lead(admin)

    sales.lead_convert(actor=admin, via=Via.API, lead=lead)

    lead.refresh_from_db()
    assert lead.description == "done"


def test_transition_taken_with_its_key(rule, admin, new_opportunity):
    rule("opportunity.transition_taken", {"transition": "to:o_won"})
    record = new_opportunity(admin)

    sales.record_move_to_stage(actor=admin, via=Via.API, record=record, stage="o_won")

    assert fired(record)


def test_conditions_on_fields_all_or_any(rule, admin, new_opportunity):
    rule("opportunity.created", {"where": [{"field": "value", "op": "gte", "value": 1000},
                                           {"field": "description", "op": "contains",
                                            "value": "web"}],
                                 "match": "any"})
    small = new_opportunity(admin, "Small", value="10")
    big = new_opportunity(admin, "Big", value="5000")
    from_web = new_opportunity(admin, "Web", value="10", description="From the website")

    assert (fired(small), fired(big), fired(from_web)) == (False, True, True)


def test_conditions_on_tags_and_office(rule, admin, north, new_opportunity):
    rule("opportunity.field_changed", {"tags": ["Hot"], "office": "North"})
    untagged = new_opportunity(admin, "Untagged", office=north.pk)
    hot = new_opportunity(admin, "Hot", office=north.pk)
    sales.record_tag(actor=admin, via=Via.API, record=hot, tag_name="Hot")

    for record in (untagged, hot):
        sales.record_update(actor=admin, via=Via.API, record=record, values={"description": "1"})

    assert (fired(untagged), fired(hot)) == (False, True)


def test_a_hook_event_from_another_app_fires_rules_on_its_opportunity(rule, admin,
                                                                      new_opportunity):
    rule("quote.sent")
    record = new_opportunity(admin)

    events.emit("quote.sent", opportunity_id=record.pk, quote_id=1, actor_id=admin.pk,
                via=Via.API)

    assert fired(record)


def test_in_stage_longer_than_counts_from_the_stage_entry(rule, admin, new_opportunity):
    rule("opportunity.in_stage_longer_than", {"days": 3, "stage": "o_prop"})
    start = clock.now()
    record = new_opportunity(admin)
    with time_machine.travel(start + dt.timedelta(days=5)):
        sales.record_move_to_stage(actor=admin, via=Via.API, record=record, stage="o_prop")
    with time_machine.travel(start + dt.timedelta(days=7)):
        early = run_scans()
    with time_machine.travel(start + dt.timedelta(days=9)):
        due = run_scans()

    assert (early.fired, due.fired, fired(record)) == (0, 1, True)


def test_idle_rules_skip_a_record_with_a_planned_activity(rule, admin, new_opportunity):
    rule("opportunity.last_modified_older_than", {"days": 7, "unless_planned_activity": True})
    start = clock.now()
    planned = new_opportunity(admin, "Planned")
    forgotten = new_opportunity(admin, "Forgotten")
    activity_create(actor=admin, via=Via.API, parent=planned, values={
        "subject": "Call back", "due_at": (start + dt.timedelta(days=30)).isoformat()})

    with time_machine.travel(start + dt.timedelta(days=8)):
        run_scans()

    assert (fired(planned), fired(forgotten)) == (False, True)


def test_activity_overdue_fires_once_per_due_date(rule, admin, new_opportunity):
    rule("opportunity.activity_overdue")
    start = clock.now()
    record = new_opportunity(admin)
    activity_create(actor=admin, via=Via.API, parent=record, values={
        "subject": "Send brochure", "due_at": (start + dt.timedelta(days=1)).isoformat()})

    with time_machine.travel(start + dt.timedelta(hours=12)):
        not_yet = run_scans()
    with time_machine.travel(start + dt.timedelta(days=2)):
        overdue = run_scans()
        again = run_scans()

    assert (not_yet.fired, overdue.fired, again.fired) == (0, 1, 0)
    assert fired(record)


def test_an_inactive_rule_does_not_fire(rule, admin, new_opportunity):
    made = rule("opportunity.created")
    rule_save(actor=admin, rule=made, values={"active": False})

    record = new_opportunity(admin)

    assert not fired(record)
    assert not Firing.objects.filter(record_id=record.pk, rule=made).exists()


def test_follow_on_created_fires_on_the_parent(admin, training):
    rule_save(actor=admin, values={
        "key": "parent-note", "name": "Note on the parent", "event":
        "opportunity.follow_on_created",
        "actions": [{"action": "set_field", "params": {"field": "description",
                                                       "value": "has a follow-on"}}]})
    parent = sales.record_create(actor=admin, via=Via.API, kind="opportunity",
                                 values={"title": "Acme"})

    sales.opportunity_follow_on(actor=admin, via=Via.API, parent=parent, follow_on="upsell",
                                title="More seats")

    parent.refresh_from_db()
    assert parent.description == "has a follow-on"


def test_conditions_read_what_a_move_left_unread(rule, admin, north, south, new_opportunity):
    # A move reads the record without its office or owner; a condition on them reads them.
    rule("opportunity.stage_changed_to",
         {"office": "North", "where": [{"field": "owner", "op": "eq", "value": admin.pk}]})
    record = new_opportunity(admin, office=north.pk)
    other = new_opportunity(admin, "Elsewhere", office=south.pk)

    for moved in (record, other):
        sales.record_move_to_stage(actor=admin, via=Via.API,
                                   record=Opportunity.objects.get(pk=moved.pk), stage="o_prop")

    assert (fired(record), fired(other)) == (True, False)
