"""The "create_order" and "create_invoice" actions through real rules, and S5's close-won
rule in the insurance preset."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stageflow.automation.actions import ACTIONS
from stageflow.automation.models import Firing, Rule
from stageflow.automation.services import rule_save
from stageflow.billing.models import Invoice, Order
from stageflow.communications.models import OutboxMessage
from stageflow.core.errors import InvalidInput
from stageflow.core.models import Via
from stageflow.core.workspace import current
from stageflow.people import permissions
from stageflow.sales import services as sales
from stageflow.sales.models import Opportunity
from tests.billing.conftest import FILTER, FURNACE


@pytest.fixture
def on_won(admin):
    def make(*actions):
        return rule_save(actor=admin, values={
            "key": "won", "name": "On won", "event": "opportunity.won",
            "actions": [{"action": name, "params": params} for name, params in actions]})

    return make


def _win(record, admin):
    return sales.record_force_to_stage(actor=admin, via=Via.API, record=record, stage="won")


def test_billing_registers_its_actions_and_record_types():
    assert {"create_order", "create_invoice"} <= set(ACTIONS)
    assert ACTIONS["create_order"].record_types == ("opportunity",)
    assert {"orders", "invoices"} <= set(permissions.RECORD_TYPES)


def test_a_won_rule_orders_and_invoices_the_selected_estimate(on_won, deal, make_estimate,
                                                              admin, customer):
    estimate = make_estimate(deal, FURNACE, FILTER)
    on_won(("create_order", {}), ("create_invoice", {"from": "order"}))

    _win(deal, admin)

    order = Order.objects.get()
    invoice = Invoice.objects.get()
    assert (order.number, order.estimate, order.account, order.total) == (
        "SO-00001", estimate, customer, Decimal("4604.92"))
    assert (invoice.order, invoice.status, invoice.total) == (order, "draft",
                                                              Decimal("4604.92"))
    firing = Firing.objects.get(source="rule:won")
    assert firing.outcome == "done"
    assert firing.results[0]["result"].startswith("order SO-00001 created for Jane Doe")


def test_without_a_selected_estimate_the_firing_fails_with_the_reason(on_won, deal, admin):
    on_won(("create_order", {}))

    record = _win(deal, admin)

    assert record.status == "won"
    firing = Firing.objects.get(source="rule:won")
    assert firing.outcome == "failed"
    assert "has no selected estimate" in firing.error
    assert not Order.objects.exists()


def test_a_failing_invoice_undoes_the_order_of_the_same_firing(on_won, deal, make_estimate,
                                                               admin):
    current().__class__.objects.filter(pk=1).update(select_new_estimate=False)
    make_estimate(deal)
    on_won(("create_order", {"from": "order"}), ("create_invoice", {}))

    _win(deal, admin)

    assert Firing.objects.get(source="rule:won").outcome == "failed"
    assert not Order.objects.exists()
    assert not Invoice.objects.exists()


def test_the_actions_do_not_bill_twice(on_won, deal, make_estimate, admin):
    make_estimate(deal)
    on_won(("create_order", {}), ("create_invoice", {}))
    _win(deal, admin)

    record = sales.record_force_to_stage(actor=admin, via=Via.API,
                                         record=Opportunity.objects.get(pk=deal.pk),
                                         stage="proposed")
    _win(record, admin)

    assert (Order.objects.count(), Invoice.objects.count()) == (1, 1)
    last = Firing.objects.filter(source="rule:won").latest("id")
    invoice = Invoice.objects.get()
    assert [result["result"] for result in last.results] == [
        "already has order SO-00001", f"already has invoice Draft invoice {invoice.pk}"]


def test_an_unknown_source_is_named_when_the_rule_is_saved(on_won):
    with pytest.raises(InvalidInput) as refused:
        on_won(("create_invoice", {"from": "wishlist"}))

    assert set(refused.value.fields) == {"actions.1.from"}
    assert not Rule.objects.filter(key="won").exists()


def test_s5_close_won_makes_one_order_one_invoice_and_the_welcome_message(
        insurance, admin, sales_north, customer, make_contact, make_estimate):
    """S5 step 11: the insurance preset's close-won rule is live now that its actions exist;
    a lost close (step 12) bills nothing."""
    rule = Rule.objects.get(key="close_won_actions")
    assert (rule.active, rule.problem) == (True, "")
    contact = make_contact(sales_north, "Baker", email="owner@riverside.example")
    won = _proposal(sales_north, customer, contact, "Riverside Bakery")
    make_estimate(won, FURNACE)
    lost = _proposal(sales_north, customer, contact, "Other bakery")

    sales.record_transition(actor=sales_north, via=Via.API, record=won,
                            transition="close_won")
    sales.record_transition(actor=sales_north, via=Via.API, record=lost,
                            transition="close_lost", values={"lost_reason": "price"})

    order = Order.objects.get()
    invoice = Invoice.objects.get()
    assert (order.opportunity, invoice.opportunity, invoice.order) == (won, won, order)
    welcome = OutboxMessage.objects.filter(record_id=won.pk, channel="email")
    assert [message.to for message in welcome] == ["owner@riverside.example"]
    assert "Welcome" in welcome.get().subject


def _proposal(actor, customer, contact, title):
    record = sales.record_create(actor=actor, via=Via.API, kind="opportunity",
                                 pipeline_key="insurance_agency_opportunities",
                                 values={"title": title, "account": customer.pk,
                                         "contact": contact.pk})
    for transition, values in [("develop", {}),
                               ("propose", {"proposed_solution": "BOP + Commercial Auto"})]:
        record = sales.record_transition(actor=actor, via=Via.API, record=record,
                                         transition=transition, values=values)
    return record
