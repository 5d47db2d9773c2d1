"""S2's Carerix triggers T1-T4, shipped as rules in the recruitment preset, replayed."""

from __future__ import annotations

import datetime as dt

import time_machine

from stageflow.automation.models import Firing, Rule
from stageflow.automation.scheduler import run_scans
from stageflow.core import clock
from stageflow.core.models import Via
from stageflow.sales import services as sales


def _tags(record):
    return set(record.tags.values_list("name", flat=True))


def test_the_preset_ships_its_four_triggers_as_active_rules(recruitment):
    rules = {rule.key: rule for rule in Rule.objects.all()}

    assert {"t1_new_leads_group", "t2_won_this_quarter", "t3_dormant_after_14_days",
            "t4_closed_leave_new_leads"} <= set(rules)
    assert all(rule.active and not rule.problem and rule.from_file for rule in rules.values())


def test_t1_a_new_lead_joins_the_new_leads_group(recruitment, sales_north, new_lead):
    lead = new_lead(sales_north)

    assert _tags(lead) == {"New leads"}
    firing = Firing.objects.get(record_type="lead", record_id=lead.pk)
    assert (firing.event, firing.outcome, firing.rule.key) == (
        "lead.created", "done", "t1_new_leads_group")
    assert firing.results == [{"action": "add_tag",
                               "result": "tag New leads added to Enquiry"}]


def test_t4_conversion_closes_the_lead_and_it_leaves_the_group(recruitment, admin, new_lead):
    lead = new_lead(admin, "Acme hiring")

    opportunity = sales.lead_convert(actor=admin, via=Via.API, lead=lead)

    lead.refresh_from_db()
    assert lead.stage == "l_conv"
    assert _tags(lead) == set()
    assert opportunity.stage == "o_intake"


def test_t2_a_won_opportunity_joins_won_this_quarter(recruitment, admin, new_opportunity):
    opportunity = new_opportunity(admin)

    won = sales.record_move_to_stage(actor=admin, via=Via.API, record=opportunity,
                                     stage="o_won")

    assert _tags(won) == {"Won this quarter"}
    assert won.status == "won"


def test_t3_a_lead_untouched_for_14_days_goes_dormant_exactly_once(recruitment, admin,
                                                                   new_lead):
    start = clock.now()
    quiet = new_lead(admin, "Quiet D")
    edited = new_lead(admin, "Edited E")
    with time_machine.travel(start + dt.timedelta(days=10)):
        sales.record_update(actor=admin, via=Via.API, record=edited,
                            values={"description": "called back"})

    with time_machine.travel(start + dt.timedelta(days=15)):
        first = run_scans()
        again = run_scans()

    quiet.refresh_from_db()
    edited.refresh_from_db()
    assert quiet.stage == "l_dorm"
    assert edited.stage == "l_new"
    assert (first.fired, again.fired) == (1, 0)
    assert Firing.objects.filter(rule__key="t3_dormant_after_14_days").count() == 1


def test_t3_fires_again_only_after_a_new_quiet_period(recruitment, admin, new_lead):
    rule = Rule.objects.get(key="t3_dormant_after_14_days")
    rule.conditions = {"days": 14}  # any stage, so it can fire twice
    rule.actions = [{"action": "add_tag", "params": {"tag": "Quiet"}}]
    rule.save()
    start = clock.now()
    lead = new_lead(admin)

    with time_machine.travel(start + dt.timedelta(days=15)):
        run_scans()
    with time_machine.travel(start + dt.timedelta(days=20)):
        sales.record_update(actor=admin, via=Via.API, record=lead, values={"priority": ""})
        sales.record_update(actor=admin, via=Via.API, record=lead,
                            values={"description": "still interested"})
    with time_machine.travel(start + dt.timedelta(days=25)):
        early = run_scans()
    with time_machine.travel(start + dt.timedelta(days=35)):
        late = run_scans()

    assert (early.fired, late.fired) == (0, 1)
    assert Firing.objects.filter(rule=rule, record_id=lead.pk).count() == 2
