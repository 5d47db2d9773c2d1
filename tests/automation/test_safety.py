"""Automation never breaks the change that fired it: chains stop, failures undo their firing,
bad rules are refused on save, and rules a pipeline change broke are switched off."""

from __future__ import annotations

import dataclasses

import pytest

from stageflow.automation.models import Firing, Rule
from stageflow.automation.services import recheck_rules, rule_save
from stageflow.communications.models import OutboxMessage
from stageflow.communications.services import template_save
from stageflow.core.errors import InvalidInput, NotAllowed
from stageflow.core.models import Via
from stageflow.pipelines.models import Pipeline
from stageflow.pipelines.selectors import definition_of
from stageflow.pipelines.services import pipeline_draft_save, pipeline_publish
from stageflow.sales import services as sales


def _rule(admin, key, event, actions, conditions=None):
    return rule_save(actor=admin, values={
        "key": key, "name": key, "event": event, "conditions": conditions or {},
        "actions": actions})


def test_a_loop_of_rules_stops_at_the_depth_limit(admin, recruitment, new_opportunity, caplog):
    _rule(admin, "ping", "opportunity.tag_added",
          [{"action": "remove_tag", "params": {"tag": "Ping"}},
           {"action": "add_tag", "params": {"tag": "Pong"}}], {"tag": "Ping"})
    _rule(admin, "pong", "opportunity.tag_added",
          [{"action": "remove_tag", "params": {"tag": "Pong"}},
           {"action": "add_tag", "params": {"tag": "Ping"}}], {"tag": "Pong"})
    record = new_opportunity(admin)

    sales.record_tag(actor=admin, via=Via.API, record=record, tag_name="Ping")

    outcomes = list(Firing.objects.filter(record_id=record.pk).order_by("depth")
                    .values_list("depth", "outcome"))
    assert outcomes[-1] == (5, "stopped")
    assert [outcome for _depth, outcome in outcomes[:-1]] == ["done"] * 5
    assert "chain stopped" in caplog.text


def test_a_failing_action_undoes_its_firing_but_not_the_change(admin, recruitment,
                                                               new_opportunity):
    template_save(actor=admin, values={"key": "note", "kind": "email", "names": {"en": "N"},
                                       "subject": "s", "body": "b"})
    _rule(admin, "half", "opportunity.stage_changed_to",
          [{"action": "add_tag", "params": {"tag": "Half"}},
           {"action": "send_email", "params": {"template": "note", "to": "office@pool.test"}},
           {"action": "set_customer_status", "params": {"status": "active"}}])
    record = new_opportunity(admin)  # no account: the third action cannot run

    moved = sales.record_move_to_stage(actor=admin, via=Via.API, record=record,
                                       stage="o_prop")

    firing = Firing.objects.get(rule__key="half")
    assert moved.stage == "o_prop"
    assert not moved.tags.exists()
    assert not OutboxMessage.objects.exists()
    assert firing.outcome == "failed"
    assert "has no account" in firing.error
    assert [item["action"] for item in firing.results] == ["add_tag", "send_email",
                                                           "set_customer_status"]


@pytest.mark.parametrize(("values", "place"), [
    ({"event": "opportunity.created", "conditions": {"colour": "red"}}, "conditions.colour"),
    ({"event": "opportunity.created",
      "conditions": {"where": [{"field": "nope", "op": "eq", "value": 1}]}},
     "conditions.where.1.field"),
    ({"event": "opportunity.created", "conditions": {"stage": "o_gone"}}, "conditions.stage"),
    ({"event": "opportunity.created",
      "actions": [{"action": "set_stage", "params": {"stage": "o_gone"}}]}, "actions.1.stage"),
    ({"event": "opportunity.created", "actions": [{"action": "launch_rocket"}]},
     "actions.1.action"),
    ({"event": "opportunity.created",
      "actions": [{"action": "send_email", "params": {"template": "none", "to": "owner"}}]},
     "actions.1.template"),
    ({"event": "opportunity.exploded"}, "event"),
    ({"event": "lead.last_modified_older_than"}, "conditions.days"),
    ({"event": "opportunity.created", "actions": []}, "actions"),
    ({"event": "lead.created", "actions": [{"action": "create_follow_on",
                                            "params": {"follow_on": "x"}}]},
     "actions.1.action"),
])
def test_bad_configuration_is_refused_naming_the_place(admin, recruitment, values, place):
    values = {"key": "bad", "name": "Bad",
              "actions": [{"action": "add_tag", "params": {"tag": "x"}}], **values}

    with pytest.raises(InvalidInput) as refused:
        rule_save(actor=admin, values=values)

    assert place in refused.value.fields
    assert not Rule.objects.filter(key="bad").exists()


def test_only_administrators_change_rules(sales_north, recruitment):
    with pytest.raises(NotAllowed):
        rule_save(actor=sales_north, values={"key": "x", "name": "x",
                                             "event": "lead.created", "actions": []})


def test_a_rule_broken_by_a_pipeline_change_is_switched_off_and_flagged(admin, recruitment,
                                                                        new_lead):
    rule = _rule(admin, "to-contacted", "lead.created",
                 [{"action": "set_stage", "params": {"stage": "l_cont"}}])
    pipeline = Pipeline.objects.get(key="recruitment_leads")
    definition = definition_of(pipeline.live_version)
    without = dataclasses.replace(
        definition, stages=tuple(stage for stage in definition.stages if stage.key != "l_cont"))
    pipeline_draft_save(actor=admin, via=Via.API, definition=without)
    pipeline_publish(actor=admin, via=Via.API, pipeline=pipeline)

    rule.refresh_from_db()
    lead = new_lead(admin)

    assert (rule.active, "l_cont" in rule.problem) == (False, True)
    assert lead.stage == "l_new"
    assert not Firing.objects.filter(rule=rule).exists()


def test_a_rule_switched_off_by_the_system_comes_back_when_mended(admin, recruitment):
    rule = _rule(admin, "greet", "lead.created",
                 [{"action": "add_tag", "params": {"tag": "New"}}])
    Rule.objects.filter(pk=rule.pk).update(active=False, problem="template missing")

    recheck_rules()

    rule.refresh_from_db()
    assert (rule.active, rule.problem) == (True, "")
