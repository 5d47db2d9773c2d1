"""Sending an estimate, its links, and the client's answer through them."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from stageflow.activities.models import Notification
from stageflow.communications.models import OutboxMessage
from stageflow.core import events
from stageflow.core.errors import InvalidInput, RuleRefused
from stageflow.core.models import Via
from stageflow.quotes import public, services
from stageflow.quotes.models import Estimate, EstimateLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def raised() -> Any:
    """The quote events raised during a test, in order."""
    seen: list[events.DomainEvent] = []

    def listen(event: events.DomainEvent) -> None:
        seen.append(event)

    for name in ("quote.sent", "quote.accepted", "quote.declined"):
        events.subscribe(name, listen, run_now=True)
    yield seen
    for name in ("quote.sent", "quote.accepted", "quote.declined"):
        events.IMMEDIATE_HANDLERS[name].remove(listen)


@pytest.fixture
def estimate(sales_north: Any, opportunity: Any, make_estimate: Callable[..., Any]) -> Any:
    return make_estimate(sales_north, opportunity=opportunity, title="New furnace")


def test_sending_queues_one_email_with_the_link_and_terms(
        sales_north: Any, estimate: Any, raised: Any, settings: Any) -> None:
    settings.STAGEFLOW_BASE_URL = "https://crm.coolair.example"

    sent = services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)

    message = OutboxMessage.objects.get()
    assert message.to == "jane@example.com"
    assert f"https://crm.coolair.example/q/{sent.token}" in message.body
    assert "Payment within 14 days." in message.body
    assert message.subject == f"Estimate {estimate.number} from Cool Air HVAC"
    assert Estimate.objects.get(pk=estimate.pk).status == "sent"
    assert [(event.name, event.payload["estimate_id"], event.payload["opportunity_id"])
            for event in raised] == [("quote.sent", estimate.pk, estimate.opportunity_id)]


def test_only_the_tokens_hash_is_stored(sales_north: Any, estimate: Any) -> None:
    sent = services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)

    link = EstimateLink.objects.get()
    assert len(sent.token) >= 43
    assert link.token_hash == hashlib.sha256(sent.token.encode()).hexdigest()
    assert sent.token not in str(EstimateLink.objects.values_list())


def test_the_link_expires_at_the_end_of_the_validity_date(
        sales_north: Any, opportunity: Any, make_estimate: Callable[..., Any]) -> None:
    with time_machine.travel(dt.datetime(2030, 1, 1, 9, tzinfo=dt.UTC), tick=False):
        estimate = make_estimate(sales_north, opportunity=opportunity,
                                 valid_until=dt.date(2030, 1, 20))
        sent = services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)

    with time_machine.travel(dt.datetime(2030, 1, 20, 22, tzinfo=dt.UTC), tick=False):
        assert public.link_for_token(sent.token) == sent.link
    with time_machine.travel(dt.datetime(2030, 1, 21, 1, tzinfo=dt.UTC), tick=False):
        assert public.link_for_token(sent.token) is None


def test_the_recipient_falls_back_to_the_main_contact_then_the_account(
        sales_north: Any, make_opportunity: Callable[..., Any], jane_account: Any,
        make_estimate: Callable[..., Any]) -> None:
    bare = make_opportunity(sales_north, account=jane_account.pk)
    estimate = make_estimate(sales_north, opportunity=bare)

    services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)

    assert OutboxMessage.objects.get().to == "jane.account@example.com"


def test_without_any_address_nothing_is_sent(
        sales_north: Any, make_opportunity: Callable[..., Any], company: Any,
        make_estimate: Callable[..., Any]) -> None:
    estimate = make_estimate(sales_north, opportunity=make_opportunity(sales_north))

    with pytest.raises(RuleRefused) as refused:
        services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)

    assert set(refused.value.fields) == {"to"}
    assert (OutboxMessage.objects.count(), EstimateLink.objects.count()) == (0, 0)
    assert Estimate.objects.get(pk=estimate.pk).status == "draft"


def test_an_empty_estimate_is_not_sent(sales_north: Any, opportunity: Any,
                                       make_estimate: Callable[..., Any]) -> None:
    estimate = make_estimate(sales_north, opportunity=opportunity, lines=[])

    with pytest.raises(RuleRefused) as refused:
        services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)

    assert set(refused.value.fields) == {"lines"}
    assert OutboxMessage.objects.count() == 0


def test_typed_text_goes_out_as_text(sales_north: Any, opportunity: Any,
                                     make_estimate: Callable[..., Any]) -> None:
    estimate = make_estimate(sales_north, opportunity=opportunity,
                             title="<b>Furnace</b> & {{ secret }}")

    services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)

    assert "<b>Furnace</b> & {{ secret }}" in OutboxMessage.objects.get().body


def test_accepting_records_who_when_and_where_selects_it_and_tells_the_owners(
        sales_north: Any, admin: Any, opportunity: Any, make_estimate: Callable[..., Any],
        raised: Any) -> None:
    from stageflow.sales.services import record_update

    first = make_estimate(sales_north, opportunity=opportunity)
    other = make_estimate(sales_north, opportunity=opportunity)
    record_update(actor=admin, via=Via.CLI, record=opportunity, values={"owner": admin.pk})
    sent = services.estimate_send(actor=admin, via=Via.WEB, estimate=first)

    services.estimate_accept(link=sent.link, signature="  Jane   Doe ", consent=True,
                             ip_address="203.0.113.9")

    accepted = Estimate.objects.get(pk=first.pk)
    assert (accepted.status, accepted.accepted_by_name, accepted.answered_from_ip) == (
        "accepted", "Jane Doe", "203.0.113.9")
    assert accepted.answered_at is not None
    assert accepted.selected
    assert not Estimate.objects.get(pk=other.pk).selected
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == [
        "admin", "sales_n"]
    assert [event.name for event in raised] == ["quote.sent", "quote.accepted"]


def test_accepting_needs_a_name_and_consent_and_changes_nothing_without(
        sales_north: Any, estimate: Any) -> None:
    sent = services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)

    with pytest.raises(InvalidInput) as refused:
        services.estimate_accept(link=sent.link, signature=" ", consent=False,
                                 ip_address=None)

    assert set(refused.value.fields) == {"signature", "consent"}
    assert Estimate.objects.get(pk=estimate.pk).status == "sent"
    assert Notification.objects.count() == 0


def test_declining_keeps_the_reason_and_answers_once(sales_north: Any, estimate: Any,
                                                     raised: Any) -> None:
    sent = services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)

    services.estimate_decline(link=sent.link, reason="Too expensive", ip_address="::1")
    with pytest.raises(RuleRefused):
        services.estimate_accept(link=sent.link, signature="Jane Doe", consent=True,
                                 ip_address=None)

    declined = Estimate.objects.get(pk=estimate.pk)
    assert (declined.status, declined.decline_reason) == ("declined", "Too expensive")
    assert [event.name for event in raised] == ["quote.sent", "quote.declined"]


def test_wrong_revoked_and_no_longer_sent_links_open_nothing(
        sales_north: Any, estimate: Any, opportunity: Any,
        make_estimate: Callable[..., Any]) -> None:
    revoked = services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)
    services.estimate_link_revoke(actor=sales_north, via=Via.WEB, link=revoked.link)
    reopened_estimate = make_estimate(sales_north, opportunity=opportunity)
    reopened = services.estimate_send(actor=sales_north, via=Via.WEB,
                                      estimate=reopened_estimate)
    services.estimate_reopen(actor=sales_north, via=Via.WEB, estimate=reopened_estimate)

    assert public.link_for_token(revoked.token) is None
    assert public.link_for_token(reopened.token) is None
    assert public.link_for_token(revoked.token[:-1] + "x") is None
    assert public.link_for_token("") is None


def test_an_expired_estimate_is_not_sent_again(sales_north: Any, opportunity: Any,
                                               make_estimate: Callable[..., Any]) -> None:
    with time_machine.travel(dt.datetime(2030, 1, 1, 9, tzinfo=dt.UTC), tick=False):
        estimate = make_estimate(sales_north, opportunity=opportunity,
                                 valid_until=dt.date(2030, 1, 2))
    with (time_machine.travel(dt.datetime(2030, 1, 5, 9, tzinfo=dt.UTC), tick=False),
          pytest.raises(RuleRefused) as refused):
        services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)

    assert set(refused.value.fields) == {"valid_until"}


def test_the_office_records_an_answer_given_another_way(sales_north: Any, estimate: Any,
                                                        raised: Any) -> None:
    services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)

    services.estimate_mark(actor=sales_north, via=Via.WEB, estimate=estimate,
                           status="accepted")

    marked = Estimate.objects.get(pk=estimate.pk)
    assert (marked.status, marked.selected) == ("accepted", True)
    assert marked.answered_at is not None
    assert [event.name for event in raised] == ["quote.sent", "quote.accepted"]


def test_only_a_sent_estimate_is_marked(sales_north: Any, estimate: Any) -> None:
    with pytest.raises(RuleRefused):
        services.estimate_mark(actor=sales_north, via=Via.WEB, estimate=estimate,
                               status="expired")
    with pytest.raises(InvalidInput):
        services.estimate_mark(actor=sales_north, via=Via.WEB, estimate=estimate,
                               status="won")

    assert Estimate.objects.get(pk=estimate.pk).status == "draft"


@pytest.mark.django_db(transaction=True)
def test_the_worker_expires_sent_estimates_past_their_validity(sales_north, opportunity,
                                                               make_estimate):
    from django.core.management import call_command

    estimate = make_estimate(sales_north, opportunity=opportunity)
    services.estimate_send(actor=sales_north, via=Via.API, estimate=estimate,
                           to="jane@example.com")
    valid_until = Estimate.objects.get(pk=estimate.pk).valid_until

    with time_machine.travel(dt.datetime.combine(valid_until, dt.time(12), tzinfo=dt.UTC)):
        call_command("worker", "--once")
        on_the_last_day = Estimate.objects.get(pk=estimate.pk).status
    with time_machine.travel(dt.datetime.combine(valid_until + dt.timedelta(days=1),
                                                 dt.time(12), tzinfo=dt.UTC)):
        call_command("worker", "--once")

    assert on_the_last_day == Estimate.Status.SENT
    assert Estimate.objects.get(pk=estimate.pk).status == Estimate.Status.EXPIRED
