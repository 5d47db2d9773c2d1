"""Won → job: the hand-over service, its naming template and the rule action (seed 000, S1)."""

from __future__ import annotations

import pytest

from stageflow.accounts import services as account_services
from stageflow.accounts.models import Account
from stageflow.automation.actions import ACTIONS
from stageflow.automation.services import rule_save
from stageflow.communications.services import workspace_settings_save
from stageflow.core import events
from stageflow.core.errors import Conflict, InvalidInput, NotAllowed, RuleRefused
from stageflow.core.history import history_of
from stageflow.core.models import HistoryEntry, Via
from stageflow.jobs.models import Job
from stageflow.jobs.naming import check_template, job_name
from stageflow.jobs.services import job_create
from stageflow.quotes.models import Estimate
from stageflow.sales import services as sales
from stageflow.sales.models import Opportunity
from stageflow.scheduling.models import Appointment
from tests.jobs.fixtures import make_appointment, make_estimate, set_name_template


@pytest.fixture
def seen_events():
    seen: list[events.DomainEvent] = []
    events.subscribe("job.created", seen.append, run_now=True)
    yield seen
    events.IMMEDIATE_HANDLERS["job.created"].remove(seen.append)


def _nothing_written(jane: Account, estimate: Estimate | None = None) -> None:
    assert not Account.objects.filter(parent=jane).exists()
    assert not Job.objects.exists()
    if estimate is not None:
        estimate.refresh_from_db()
        assert estimate.account_id == jane.pk


def test_the_office_hands_a_won_sale_over_as_a_job_named_by_the_template(
        admin, office_north, jane, deal, seen_events):
    set_name_template(admin, "{last_name} - {product}")
    first = make_estimate(deal, "E1")
    chosen = make_estimate(deal, "E2", selected=True)
    visit = make_appointment(deal)
    account_services.account_update(actor=admin, via=Via.CLI, account=jane,
                                    values={"customer_status": "lead"})

    job = job_create(actor=office_north, via=Via.WEB, opportunity=deal,
                     appointment_ids=[visit.pk])

    jane.refresh_from_db()
    chosen.refresh_from_db()
    first.refresh_from_db()
    visit.refresh_from_db()
    assert (job.name, job.parent, job.owner_id, job.office_id) == (
        "Doe - Furnace Replacement", jane, jane.owner_id, jane.office_id)
    assert (chosen.account, chosen.opportunity) == (job, deal)
    assert (first.account, visit.account, visit.opportunity) == (jane, job, deal)
    assert jane.customer_status == "active"
    assert Job.objects.get(opportunity=deal).account == job
    assert history_of(chosen).first().changes == [
        {"field": "account", "label": "customer", "old": "Jane Doe",
         "new": "Doe - Furnace Replacement"}]
    assert history_of(visit).first().summary == "Moved to the job Doe - Furnace Replacement"
    assert history_of(deal).first().summary == "Handed over as the job Doe - Furnace Replacement"
    assert history_of(job).first().action == HistoryEntry.Action.CREATED
    assert [e.payload["account_id"] for e in seen_events] == [job.pk]
    assert seen_events[0].payload["estimate_ids"] == [chosen.pk]


def test_a_typed_name_wins_over_the_template_and_no_estimate_moves_when_none_is_chosen(
        admin, office_north, jane, deal):
    set_name_template(admin, "{last_name} - {product}")
    selected = make_estimate(deal, "E2", selected=True)

    job = job_create(actor=office_north, via=Via.API, opportunity=deal, name="  Rooftop #4662 ",
                     estimate_ids=[])

    selected.refresh_from_db()
    assert job.name == "Rooftop #4662"
    assert selected.account == jane


def test_a_salesperson_may_not_create_the_job(sales_north, jane, deal):
    estimate = make_estimate(deal, "E2", selected=True)

    with pytest.raises(NotAllowed):
        job_create(actor=sales_north, via=Via.API, opportunity=deal, name="Doe - Furnace")

    _nothing_written(jane, estimate)


def test_nothing_is_created_before_the_sale(office_north, jane, make_deal):
    open_deal = make_deal(won=False)

    with pytest.raises(RuleRefused) as refused:
        job_create(actor=office_north, via=Via.API, opportunity=open_deal, name="Doe")

    assert "status" in refused.value.fields
    _nothing_written(jane)


def test_winning_alone_creates_no_job(jane, deal):
    assert deal.status == "won"
    _nothing_written(jane)


def test_an_opportunity_without_a_customer_has_nowhere_to_put_the_job(office_north, jane,
                                                                      make_deal):
    orphan = make_deal(account=None)

    with pytest.raises(RuleRefused) as refused:
        job_create(actor=office_north, via=Via.API, opportunity=orphan, name="Doe")

    assert list(refused.value.fields) == ["account"]
    assert not Job.objects.exists()


def test_without_a_template_the_name_must_be_typed(office_north, jane, deal):
    estimate = make_estimate(deal, "E2", selected=True)

    with pytest.raises(InvalidInput) as refused:
        job_create(actor=office_north, via=Via.API, opportunity=deal)

    assert list(refused.value.fields) == ["name"]
    _nothing_written(jane, estimate)


def test_a_template_value_the_opportunity_lacks_is_named(admin, office_north, jane, deal):
    set_name_template(admin, "{last_name} - {department}")

    with pytest.raises(InvalidInput) as refused:
        job_create(actor=office_north, via=Via.API, opportunity=deal)

    assert "{department}" in refused.value.fields["name"]
    _nothing_written(jane)


def test_estimates_and_appointments_of_another_opportunity_are_refused_by_id(
        office_north, jane, deal, make_deal):
    other = make_deal(title="Water heater")
    stranger = make_estimate(other, "E9")
    visit = make_appointment(other)

    with pytest.raises(InvalidInput) as estimates:
        job_create(actor=office_north, via=Via.API, opportunity=deal, name="Doe",
                   estimate_ids=[stranger.pk])
    with pytest.raises(InvalidInput) as appointments:
        job_create(actor=office_north, via=Via.API, opportunity=deal, name="Doe",
                   appointment_ids=[visit.pk, 999999])

    assert estimates.value.fields == {"estimate_ids": f"Not of this opportunity: {stranger.pk}."}
    assert appointments.value.fields == {
        "appointment_ids": f"Not of this opportunity: {visit.pk}, 999999."}
    _nothing_written(jane)


def test_a_second_hand_over_of_the_same_sale_is_a_conflict(office_north, jane, deal):
    job_create(actor=office_north, via=Via.API, opportunity=deal, name="Doe - Furnace")

    with pytest.raises(Conflict) as conflict:
        job_create(actor=office_north, via=Via.API, opportunity=deal, name="Doe - again")

    assert conflict.value.fields == {"job": "Doe - Furnace"}
    assert list(Account.objects.filter(parent=jane).values_list("name", flat=True)) == [
        "Doe - Furnace"]


def test_last_name_comes_from_the_main_contact_before_the_account_name(
        admin, office_north, jane, make_deal, make_contact):
    set_name_template(admin, "{last_name}, {name}: {title}")
    contact = make_contact(admin, "Smithers", first_name="Wayland")
    with_contact = make_deal(contact=contact.pk)

    assert job_name(with_contact) == "Smithers, Jane Doe: New furnace"
    assert job_name(make_deal()) == "Doe, Jane Doe: New furnace"


@pytest.mark.parametrize("template", ["{name.__class__}", "{0}", "{name!r}", "{name:>99}",
                                      "{last_name", "{__import__}"])
def test_a_template_is_never_evaluated(template, field_service):
    with pytest.raises(ValueError):
        check_template(template)


def test_unknown_placeholders_are_refused_by_name_in_the_settings(admin, field_service):
    with pytest.raises(InvalidInput) as refused:
        workspace_settings_save(actor=admin, via=Via.CLI,
                                values={"sub_account_name_template": "{surname} - {sku}"})

    message = refused.value.fields["sub_account_name_template"]
    assert message.startswith("Unknown placeholders: {sku}, {surname}.")
    assert "{product}" in message


def test_the_create_sub_account_action_is_registered_for_opportunities():
    action = ACTIONS["create_sub_account"]

    assert action.record_types == ("opportunity",)
    assert action.params == ("name_template", "move_selected_estimate", "move_appointments")


def test_a_rule_that_says_so_creates_the_job_on_a_win(admin, jane, make_deal):
    rule_save(actor=admin, values={
        "key": "job-on-win", "name": "Job on win", "event": "opportunity.won",
        "conditions": {}, "actions": [{"action": "create_sub_account", "params": {
            "name_template": "{last_name} - {product}", "move_selected_estimate": True,
            "move_appointments": True}}]})
    open_deal = make_deal(won=False)
    selected = make_estimate(open_deal, "E2", selected=True)
    visit = make_appointment(open_deal)

    won = sales.record_move_to_stage(actor=admin, via=Via.API, record=open_deal, stage="won")

    job = Account.objects.get(parent=jane)
    assert job.name == "Doe - Furnace Replacement"
    assert Estimate.objects.get(pk=selected.pk).account == job
    assert Appointment.objects.get(pk=visit.pk).account == job
    assert history_of(job).first().via == Via.AUTOMATION
    assert Opportunity.objects.get(pk=won.pk).status == "won"


def test_a_rule_with_a_bad_name_template_is_refused_naming_the_parameter(admin, field_service):
    with pytest.raises(InvalidInput) as refused:
        rule_save(actor=admin, values={
            "key": "job-on-win", "name": "Job on win", "event": "opportunity.won",
            "conditions": {}, "actions": [{"action": "create_sub_account",
                                           "params": {"name_template": "{nope}"}}]})

    assert list(refused.value.fields) == ["actions.1.name_template"]
