"""Estimates: creation, totals, selection and the opportunity's value, duplication, drafts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from stageflow.core import workspace
from stageflow.core.errors import InvalidInput, NotAllowed, RuleRefused, StaleVersion
from stageflow.core.history import history_of
from stageflow.core.models import Via
from stageflow.quotes import selectors, services
from stageflow.quotes.models import Estimate, EstimateLine
from stageflow.sales.models import Opportunity

pytestmark = pytest.mark.django_db


def _select_new(value: bool) -> None:
    settings_row = workspace.current()
    settings_row.select_new_estimate = value
    settings_row.save()


def test_a_line_from_the_book_copies_code_description_unit_price_and_tax(
        sales_north: Any, opportunity: Any, furnace: Any) -> None:
    estimate = services.estimate_create(actor=sales_north, via=Via.API, opportunity=opportunity,
                                        lines=[services.line_from_item(furnace)])

    line = estimate.lines.get()
    assert (line.item_id, line.code, line.unit, line.unit_price, line.tax_rate) == (
        furnace.pk, "FR-FURN-60K", "each", Decimal("4200.00"), Decimal("8.25"))
    assert line.description == ("Install 60k BTU furnace\n"
                                "Remove the old unit, fit and commission the new one.")
    assert estimate.opportunity == opportunity
    assert estimate.account == opportunity.account


def test_book_price_changes_do_not_touch_lines_already_priced(
        admin: Any, sales_north: Any, opportunity: Any, furnace: Any) -> None:
    estimate = services.estimate_create(actor=sales_north, via=Via.API, opportunity=opportunity,
                                        lines=[services.line_from_item(furnace)])
    services.price_book_item_update(actor=admin, via=Via.API, item=furnace,
                                    values={"unit_price": "4500.00"})

    assert estimate.lines.get().unit_price == Decimal("4200.00")


def test_totals_round_each_line_and_tax_once_per_rate(
        sales_north: Any, opportunity: Any, line: Callable[..., Any]) -> None:
    estimate = services.estimate_create(actor=sales_north, via=Via.API, opportunity=opportunity,
                                        lines=[
        line("Filter", "3", "3.33", tax_rate="10"),
        line("Duct tape", "1", "0.05", tax_rate="10"),
        line("Labour", "2", "99.99", discount_percent="12.5", tax_rate="0"),
    ])

    lines = list(estimate.lines.all())
    assert [entry.net_amount for entry in lines] == [Decimal("9.99"), Decimal("0.05"),
                                                     Decimal("174.98")]
    assert (estimate.net_total, estimate.tax_total, estimate.total) == (
        Decimal("185.02"), Decimal("1.00"), Decimal("186.02"))


def test_defaults_come_from_the_opportunity_and_the_workspace(
        sales_north: Any, opportunity: Any) -> None:
    with time_machine.travel(dt.datetime(2030, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        estimate = services.estimate_create(actor=sales_north, via=Via.API,
                                            opportunity=opportunity, lines=[])

    assert estimate.number.startswith("E-")
    assert len(estimate.number) == 7
    assert estimate.currency == "USD"
    assert estimate.terms == "Payment within 14 days."
    assert estimate.valid_until == dt.date(2030, 3, 31)
    assert estimate.status == Estimate.Status.DRAFT
    assert estimate.owner == sales_north


def test_a_direct_estimate_uses_the_workspace_currency(
        office_north: Any, make_account: Callable[..., Any], company: Any) -> None:
    account = make_account(office_north, "Walk-in customer")

    estimate = services.estimate_create(actor=office_north, via=Via.API, account=account,
                                        lines=[])

    assert (estimate.opportunity, estimate.account, estimate.currency) == (None, account, "USD")


def test_numbers_follow_each_other(sales_north: Any, opportunity: Any,
                                   make_estimate: Callable[..., Any]) -> None:
    first = make_estimate(sales_north, opportunity=opportunity)
    second = make_estimate(sales_north, opportunity=opportunity)

    assert int(second.number[2:]) == int(first.number[2:]) + 1


def test_bad_lines_are_named_by_position_and_field_and_nothing_is_written(
        sales_north: Any, opportunity: Any, line: Callable[..., Any]) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.estimate_create(actor=sales_north, via=Via.API, opportunity=opportunity,
                                 lines=[line(), line("", "0", "1.005", tax_rate="101")])

    assert set(refused.value.fields) == {"lines.1.description", "lines.1.quantity",
                                         "lines.1.unit_price", "lines.1.tax_rate"}
    assert Estimate.objects.count() == 0
    assert EstimateLine.objects.count() == 0


def test_a_float_is_refused_as_a_price(sales_north: Any, opportunity: Any) -> None:
    float_line = services.LineInput(description="Float", quantity=Decimal(1),
                                    unit_price=0.1)  # type: ignore[arg-type]

    with pytest.raises(InvalidInput) as refused:
        services.estimate_create(actor=sales_north, via=Via.API, opportunity=opportunity,
                                 lines=[float_line])

    assert "lines.0.unit_price" in refused.value.fields


def test_without_opportunity_or_account_the_customer_is_required(sales_north: Any,
                                                                 company: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.estimate_create(actor=sales_north, via=Via.API, lines=[])

    assert set(refused.value.fields) == {"account"}


def test_someone_who_may_not_edit_the_opportunity_may_not_price_it(
        sales_south: Any, opportunity: Any) -> None:
    with pytest.raises(NotAllowed):
        services.estimate_create(actor=sales_south, via=Via.API, opportunity=opportunity,
                                 lines=[])

    assert Estimate.objects.count() == 0


def test_with_the_setting_off_a_new_estimate_is_not_selected(
        sales_north: Any, opportunity: Any, make_estimate: Callable[..., Any]) -> None:
    _select_new(False)

    estimate = make_estimate(sales_north, opportunity=opportunity)

    assert estimate.selected is False
    assert selectors.selected_estimate(opportunity) is None
    opportunity.refresh_from_db()
    assert opportunity.value == Decimal("0.00")


def test_with_the_setting_on_the_newest_is_selected_and_the_value_follows(
        sales_north: Any, opportunity: Any, make_estimate: Callable[..., Any],
        line: Callable[..., Any]) -> None:
    _select_new(False)
    first = make_estimate(sales_north, opportunity=opportunity)
    _select_new(True)

    second = make_estimate(sales_north, opportunity=opportunity,
                           lines=[line("Furnace", "1", "4200.00", tax_rate="10")])

    assert selectors.selected_estimate(opportunity) == second
    opportunity.refresh_from_db()
    assert (opportunity.value, opportunity.currency) == (Decimal("4200.00"), "USD")
    assert [entry.pk for entry in selectors.estimates_of_opportunity(sales_north, opportunity)
            ] == [first.pk, second.pk]
    value_changes = [change for entry in history_of(opportunity) for change in entry.changes
                     if change["field"] == "value"]
    assert value_changes[0]["new"] == "4200.00"


def test_selecting_by_hand_unselects_the_other_and_moves_the_value(
        sales_north: Any, opportunity: Any, make_estimate: Callable[..., Any],
        line: Callable[..., Any]) -> None:
    first = make_estimate(sales_north, opportunity=opportunity,
                          lines=[line("Small", "1", "100.00")])
    second = make_estimate(sales_north, opportunity=opportunity,
                           lines=[line("Large", "1", "900.00")])

    services.estimate_select(actor=sales_north, via=Via.WEB, estimate=first)

    assert Estimate.objects.get(pk=second.pk).selected is False
    assert Estimate.objects.get(pk=first.pk).selected is True
    assert Opportunity.objects.get(pk=opportunity.pk).value == Decimal("100.00")


def test_changing_the_selected_estimates_lines_moves_the_value(
        sales_north: Any, opportunity: Any, make_estimate: Callable[..., Any],
        line: Callable[..., Any]) -> None:
    estimate = make_estimate(sales_north, opportunity=opportunity)
    version = Opportunity.objects.get(pk=opportunity.pk).version

    services.estimate_update(actor=sales_north, via=Via.WEB, estimate=estimate, values={},
                             lines=[line("Bigger job", "2", "250.00")])

    refreshed = Opportunity.objects.get(pk=opportunity.pk)
    assert refreshed.value == Decimal("500.00")
    assert refreshed.version == version + 1


def test_an_unselected_estimate_does_not_move_the_value(
        sales_north: Any, opportunity: Any, make_estimate: Callable[..., Any],
        line: Callable[..., Any]) -> None:
    selected = make_estimate(sales_north, opportunity=opportunity,
                             lines=[line("A", "1", "10.00")])
    other = make_estimate(sales_north, opportunity=opportunity)
    services.estimate_select(actor=sales_north, via=Via.WEB, estimate=selected)

    services.estimate_update(actor=sales_north, via=Via.WEB, estimate=other, values={},
                             lines=[line("B", "1", "999.00")])

    assert Opportunity.objects.get(pk=opportunity.pk).value == Decimal("10.00")


def test_a_direct_estimate_cannot_be_selected(office_north: Any, jane_account: Any,
                                              make_estimate: Callable[..., Any],
                                              company: Any) -> None:
    estimate = make_estimate(office_north, account=jane_account)

    with pytest.raises(RuleRefused):
        services.estimate_select(actor=office_north, via=Via.WEB, estimate=estimate)


def test_duplicate_is_a_new_unselected_draft_with_the_same_lines(
        sales_north: Any, opportunity: Any, make_estimate: Callable[..., Any],
        line: Callable[..., Any]) -> None:
    source = make_estimate(sales_north, opportunity=opportunity, title="Option A",
                           lines=[line("One", "1", "5.00"), line("Two", "2", "7.50")])
    services.estimate_send(actor=sales_north, via=Via.WEB, estimate=source)

    copy = services.estimate_duplicate(actor=sales_north, via=Via.WEB, estimate=source)

    assert copy.number != source.number
    assert (copy.status, copy.selected, copy.title) == ("draft", False, "Option A")
    assert [(entry.description, entry.net_amount) for entry in copy.lines.all()] == [
        ("One", Decimal("5.00")), ("Two", Decimal("15.00"))]
    assert copy.total == source.total
    assert source.lines.count() == 2


def test_lines_of_a_sent_estimate_cannot_change(
        sales_north: Any, opportunity: Any, make_estimate: Callable[..., Any],
        line: Callable[..., Any]) -> None:
    estimate = make_estimate(sales_north, opportunity=opportunity)
    services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)

    with pytest.raises(RuleRefused) as refused:
        services.estimate_update(actor=sales_north, via=Via.WEB, estimate=estimate,
                                 values={}, lines=[line("Sneaky", "1", "1.00")])
    with pytest.raises(RuleRefused):
        services.estimate_update(actor=sales_north, via=Via.WEB, estimate=estimate,
                                 values={"terms": "New terms"})

    assert set(refused.value.fields) == {"lines"}
    assert [entry.description for entry in estimate.lines.all()] == ["Labour"]


def test_setting_back_to_draft_revokes_the_links_and_allows_editing(
        sales_north: Any, opportunity: Any, make_estimate: Callable[..., Any],
        line: Callable[..., Any]) -> None:
    estimate = make_estimate(sales_north, opportunity=opportunity)
    sent = services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)

    services.estimate_reopen(actor=sales_north, via=Via.WEB, estimate=estimate)
    services.estimate_update(actor=sales_north, via=Via.WEB, estimate=estimate, values={},
                             lines=[line("Revised", "1", "1.00")])

    sent.link.refresh_from_db()
    assert sent.link.revoked_at is not None
    assert Estimate.objects.get(pk=estimate.pk).status == "draft"


def test_the_customer_may_move_to_a_sub_account_and_stays_on_the_opportunity(
        office_north: Any, sales_north: Any, opportunity: Any, jane_account: Any,
        make_estimate: Callable[..., Any]) -> None:
    from stageflow.accounts.services import sub_account_create

    estimate = make_estimate(sales_north, opportunity=opportunity)
    services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)
    sub = sub_account_create(actor=office_north, via=Via.API, parent=jane_account,
                             values={"name": "Doe - Furnace Replacement"})

    services.estimate_update(actor=office_north, via=Via.API, estimate=estimate,
                             values={"account": sub.pk})

    estimate.refresh_from_db()
    assert (estimate.account, estimate.opportunity) == (sub, opportunity)
    assert list(selectors.estimates_of_account(office_north, sub)) == [estimate]
    assert list(selectors.estimates_of_account(office_north, jane_account)) == []


def test_a_stale_version_is_refused(sales_north: Any, opportunity: Any,
                                    make_estimate: Callable[..., Any]) -> None:
    estimate = make_estimate(sales_north, opportunity=opportunity)
    services.estimate_update(actor=sales_north, via=Via.WEB, estimate=estimate,
                             values={"title": "First"})

    with pytest.raises(StaleVersion):
        services.estimate_update(actor=sales_north, via=Via.WEB, estimate=estimate,
                                 values={"title": "Second"}, expected_version=1)

    assert Estimate.objects.get(pk=estimate.pk).title == "First"


def test_only_a_draft_can_be_deleted(sales_north: Any, opportunity: Any,
                                     make_estimate: Callable[..., Any]) -> None:
    draft = make_estimate(sales_north, opportunity=opportunity)
    sent = make_estimate(sales_north, opportunity=opportunity)
    services.estimate_send(actor=sales_north, via=Via.WEB, estimate=sent)

    services.estimate_delete(actor=sales_north, via=Via.WEB, estimate=draft)
    with pytest.raises(RuleRefused):
        services.estimate_delete(actor=sales_north, via=Via.WEB, estimate=sent)

    assert list(Estimate.objects.values_list("pk", flat=True)) == [sent.pk]


def test_sent_estimates_past_their_validity_expire(
        sales_north: Any, opportunity: Any, make_estimate: Callable[..., Any]) -> None:
    with time_machine.travel(dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC), tick=False):
        due = make_estimate(sales_north, opportunity=opportunity,
                            valid_until=dt.date(2030, 1, 10))
        later = make_estimate(sales_north, opportunity=opportunity,
                              valid_until=dt.date(2030, 2, 1))
        draft = make_estimate(sales_north, opportunity=opportunity,
                              valid_until=dt.date(2030, 1, 5))
        for estimate in (due, later):
            services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)

    expired = services.estimates_expire_due(dt.datetime(2030, 1, 11, 12, tzinfo=dt.UTC))

    statuses = dict(Estimate.objects.values_list("pk", "status"))
    assert expired == 1
    assert statuses == {due.pk: "expired", later.pk: "sent", draft.pk: "draft"}
