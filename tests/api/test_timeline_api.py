"""GET /accounts/{id}/timeline: the account's story across its leads, opportunities and
estimates, oldest first, within the caller's scope."""

from __future__ import annotations

from typing import Any

from stageflow.core.models import Via
from stageflow.quotes import services as quotes
from stageflow.sales import services
from stageflow.sales.models import Opportunity


def _story(admin: Any, account: Any) -> Opportunity:
    lead = services.record_create(actor=admin, via=Via.CLI, kind="lead",
                                  values={"title": "Riverside", "account": account.pk,
                                          "source": "website_opt_in"})
    opportunity = services.lead_convert(actor=admin, via=Via.CLI, lead=lead, values={  # type: ignore[arg-type]
        "interest_confirmed": True, "purchasing_power": True})
    quotes.estimate_create(actor=admin, via=Via.CLI, opportunity=opportunity, lines=[])
    return opportunity


def test_the_timeline_tells_the_account_story_in_order(api_as: Any, admin: Any, insurance: Any,
                                                       make_account: Any) -> None:
    account = make_account(admin, "Riverside Bakery")
    _story(admin, account)

    entries = api_as(admin).get(f"/accounts/{account.pk}/timeline").json()["items"]

    kinds = [(e["record_type"], e["action"]) for e in entries]
    assert kinds.index(("account", "created")) < kinds.index(("lead", "created")) < \
        kinds.index(("opportunity", "created")) < kinds.index(("estimate", "created"))
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
    assert entries[0]["record"] == {"id": account.pk, "name": "Riverside Bakery"}


def test_the_timeline_shows_only_what_the_caller_may_see(api_as: Any, admin: Any,
                                                         insurance: Any, make_user: Any,
                                                         north: Any, south: Any,
                                                         make_account: Any) -> None:
    account = make_account(admin, "Riverside Bakery", office=north.pk)
    _story(admin, account)
    colleague = make_user("agent", "salesperson", north)  # the account, not admin's records
    stranger = make_user("far", "salesperson", south)

    seen = api_as(colleague).get(f"/accounts/{account.pk}/timeline").json()["items"]

    assert {e["record_type"] for e in seen} == {"account"}
    assert api_as(stranger).get(f"/accounts/{account.pk}/timeline").status_code == 404
    assert api_as(None).get(f"/accounts/{account.pk}/timeline").status_code == 401


def test_the_timeline_reads_a_fixed_number_of_queries(api_as: Any, admin: Any, insurance: Any,
                                                      make_account: Any,
                                                      django_assert_max_num_queries: Any) -> None:
    account = make_account(admin, "Riverside Bakery")
    for _ in range(4):
        _story(admin, account)
    client = api_as(admin)
    client.get(f"/accounts/{account.pk}/timeline")

    with django_assert_max_num_queries(10):
        listed = client.get(f"/accounts/{account.pk}/timeline", limit=200).json()

    assert listed["count"] > 20
