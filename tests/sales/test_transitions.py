"""The one transition service: required attributes, atomicity, history, versions, forcing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stageflow.core.errors import Conflict, NotAllowed, RuleRefused, StaleVersion
from stageflow.core.history import history_of
from stageflow.core.models import Via
from stageflow.sales import services
from stageflow.sales.models import Opportunity, StageChange


def _new(actor, **values):
    return services.record_create(actor=actor, via=Via.API, kind="opportunity",
                                  values={"title": "Acme training", **values})


def test_a_new_record_starts_at_the_entry_step(training, sales_north):
    opportunity = _new(sales_north)

    assert (opportunity.stage, opportunity.step, opportunity.status) == (
        "enquiry", "new_enquiry", "open")
    assert opportunity.pipeline_version == 1
    assert opportunity.probability == 10
    [change] = StageChange.objects.filter(opportunity=opportunity)
    assert (change.from_step, change.to_step) == ("", "new_enquiry")


def test_a_record_for_an_existing_account_starts_at_its_entry(training, sales_north,
                                                               make_account):
    account = make_account(sales_north, "Acme")

    opportunity = _new(sales_north, account=account.pk)

    assert opportunity.step == "qualified"


def test_missing_required_attributes_are_all_listed_and_nothing_is_saved(training, sales_north):
    opportunity = _new(sales_north)

    with pytest.raises(RuleRefused) as refused:
        services.record_transition(actor=sales_north, via=Via.API, record=opportunity,
                                   transition="T1",
                                   values={"first_name": "", "email": "ann@example.com",
                                           "description": "sent along"})

    assert refused.value.code == "incomplete"
    assert set(refused.value.fields) == {"first_name", "last_name"}
    assert "First name" in refused.value.fields["first_name"]
    opportunity.refresh_from_db()
    assert opportunity.step == "new_enquiry"
    assert opportunity.attributes == {}
    assert opportunity.description == ""
    assert opportunity.version == 1


def test_a_complete_transition_moves_records_history_and_stage_change(training, sales_north):
    opportunity = _new(sales_north)

    moved = services.record_transition(
        actor=sales_north, via=Via.API, record=opportunity, transition="T1",
        values={"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com"},
        expected_version=1)

    assert (moved.step, moved.stage) == ("qualified", "enquiry")
    assert moved.attributes == {"first_name": "Ann", "last_name": "Lee",
                                "email": "ann@example.com"}
    # The move is one history entry; T1's triggers (account, contact) wrote their own after it.
    changes = [{k: c[k] for k in ("field", "label", "old", "new")}
               for entry in history_of(moved) for c in entry.changes]
    assert {"field": "step", "label": "step", "old": "new_enquiry", "new": "qualified"} in changes
    assert moved.account is not None
    assert moved.contact is not None
    change = StageChange.objects.filter(opportunity=moved).last()
    assert (change.transition, change.from_step, change.to_step) == ("T1", "new_enquiry",
                                                                     "qualified")


def test_a_transition_not_from_the_current_step_is_a_conflict(training, sales_north):
    opportunity = _new(sales_north)

    with pytest.raises(Conflict):
        services.record_transition(actor=sales_north, via=Via.API, record=opportunity,
                                   transition="T5")


def test_a_stale_version_is_refused(training, sales_north):
    opportunity = _new(sales_north)
    services.record_update(actor=sales_north, via=Via.API, record=opportunity,
                           values={"description": "x"})

    with pytest.raises(StaleVersion):
        services.record_transition(actor=sales_north, via=Via.API, record=opportunity,
                                   transition="T1", expected_version=1)


def test_closing_as_won_records_status_and_dates(training, sales_north, make_account):
    opportunity = _new(sales_north, account=make_account(sales_north, "Acme").pk)
    for transition, values in [("T2", {}), ("T3", {}), ("T4", {"po_number": "PO-1"}),
                               ("T5", {})]:
        opportunity = services.record_transition(actor=sales_north, via=Via.API,
                                                 record=opportunity, transition=transition,
                                                 values=values)

    assert (opportunity.status, opportunity.probability) == ("won", 100)
    assert opportunity.closed_at is not None
    assert opportunity.close_date is not None


def test_stage_edits_go_through_transitions(training, sales_north):
    opportunity = _new(sales_north)

    with pytest.raises(Exception) as raised:
        services.record_update(actor=sales_north, via=Via.API, record=opportunity,
                               values={"stage": "won"})

    assert "stage" in raised.value.fields
    opportunity.refresh_from_db()
    assert opportunity.stage == "enquiry"


def test_only_administrators_may_force_and_a_forced_move_is_marked(training, sales_north,
                                                                   admin):
    opportunity = _new(sales_north)

    with pytest.raises(NotAllowed):
        services.record_transition(actor=sales_north, via=Via.API, record=opportunity,
                                   transition="T1", force=True)
    forced = services.record_transition(actor=admin, via=Via.API, record=opportunity,
                                        transition="T1", force=True)

    assert forced.step == "qualified"
    assert StageChange.objects.filter(opportunity=forced).last().forced is True


def test_follow_on_starts_at_its_step_with_the_parent(training, sales_north, make_account):
    parent = _new(sales_north, account=make_account(sales_north, "Acme").pk)

    child = services.opportunity_follow_on(actor=sales_north, via=Via.API, parent=parent,
                                           follow_on="upsell", title="Acme - 3 more seats")

    assert (child.step, child.parent, child.account) == ("proposal_sent", parent,
                                                         parent.account)
    assert list(parent.children.all()) == [child]
    with pytest.raises(Exception) as raised:
        services.opportunity_follow_on(actor=sales_north, via=Via.API, parent=parent,
                                       follow_on="upsell", title=" ")
    assert raised.value.fields == {"name": "Required."}


def test_qualifying_a_lead_needs_its_criteria_and_happens_once(insurance, make_user, north):
    agent = make_user("agent1", "sales_manager", north)
    lead = services.record_create(actor=agent, via=Via.API, kind="lead",
                                  values={"title": "Riverside Bakery",
                                          "source": "website_opt_in"})

    with pytest.raises(RuleRefused) as refused:
        services.lead_convert(actor=agent, via=Via.API, lead=lead,
                              values={"interest_confirmed": True})
    assert list(refused.value.fields) == ["purchasing_power"]
    assert not Opportunity.objects.exists()

    opportunity = services.lead_convert(actor=agent, via=Via.API, lead=lead,
                                        values={"interest_confirmed": True,
                                                "purchasing_power": True})
    lead.refresh_from_db()
    assert opportunity.lead == lead
    assert opportunity.stage == "develop"
    assert (lead.stage, lead.converted_at is not None) == ("qualified", True)
    with pytest.raises(Conflict):
        services.lead_convert(actor=agent, via=Via.API, lead=lead)
    assert Opportunity.objects.count() == 1


def test_a_main_contact_is_not_relabelled_from_the_list(training, sales_north, make_contact):
    record = _new(sales_north)
    carol, bob = make_contact(sales_north, "Carol"), make_contact(sales_north, "Bob")
    services.record_contact_link(actor=sales_north, via=Via.API, record=record, contact=carol,
                                 role="Decision maker")
    services.record_contact_link(actor=sales_north, via=Via.API, record=record, contact=bob,
                                 role="Main contact")

    changed = services.record_contact_link(actor=sales_north, via=Via.API, record=record,
                                           contact=carol, role="Influencer")
    with pytest.raises(Conflict) as refused:
        services.record_contact_link(actor=sales_north, via=Via.API, record=record,
                                     contact=bob, role="Influencer")

    assert changed.role == "Influencer"
    assert refused.value.code == "fixed_role"
    assert record.contact_links.get(contact=bob).role == "Main contact"


def test_a_move_runs_a_fixed_number_of_queries_and_reads_no_related_rows(
        training, sales_north, make_account):
    # The lock read, the version's identity, the update, the history entry, the stage change
    # and the rules listening, inside the savepoint a test's transaction turns the move into.
    # The owner, office and account stay unread: the move does not change them.
    moved = _new(sales_north, account=make_account(sales_north, "Acme").pk)
    record = Opportunity.objects.get(pk=moved.pk)
    assert record.step == "qualified"

    with CaptureQueriesContext(connection) as captured:
        services.record_transition(actor=sales_north, via=Via.API, record=record,
                                   transition="T2")

    statements = [query["sql"] for query in captured]
    assert len([sql for sql in statements if "SAVEPOINT" not in sql]) <= 6
    assert not [sql for sql in statements if "JOIN" in sql]


def test_a_move_that_sets_a_relation_records_its_old_and_new_value(training, sales_north,
                                                                    make_account):
    first, second = make_account(sales_north, "Acme"), make_account(sales_north, "Globex")
    record = Opportunity.objects.get(pk=_new(sales_north, account=first.pk).pk)

    moved = services.record_transition(actor=sales_north, via=Via.API, record=record,
                                       transition="T2", values={"account": second.pk})

    assert moved.account == second
    [entry] = history_of(moved)[:1]
    changes = {c["field"]: (c["old"], c["new"]) for c in entry.changes}
    assert changes["account"] == ("Acme", "Globex")
    assert changes["step"] == ("qualified", "proposal_sent")
    assert set(changes) == {"account", "stage", "step", "probability"}
