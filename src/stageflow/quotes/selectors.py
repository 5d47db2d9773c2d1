"""Reads of the price book and of estimates, each in a bounded number of queries."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from stageflow.accounts.models import Account
from stageflow.people.models import User
from stageflow.quotes.access import estimates_for
from stageflow.quotes.models import Estimate, EstimateLine, EstimateLink, PriceBookItem
from stageflow.sales.models import Opportunity

PICKER_SIZE = 15


def selected_estimate(opportunity: Opportunity) -> Estimate | None:
    """The estimate whose value the opportunity carries (and a won job is made from)."""
    return Estimate.objects.filter(opportunity=opportunity, selected=True).first()


def price_book(*, q: str = "", category: str = "", active: bool | None = None,
               ) -> QuerySet[PriceBookItem]:
    """Book items by category and code; `q` matches code, name or description."""
    items = PriceBookItem.objects.all()
    text = q.strip()
    if text:
        items = items.filter(Q(code__icontains=text) | Q(name__icontains=text)
                             | Q(description__icontains=text))
    if category.strip():
        items = items.filter(category=category.strip())
    if active is not None:
        items = items.filter(active=active)
    return items


def price_book_categories() -> list[str]:
    return list(PriceBookItem.objects.exclude(category="").order_by("category")
                .values_list("category", flat=True).distinct())


def price_book_picks(q: str) -> list[PriceBookItem]:
    """What the line editor's picker offers for what was typed: active items, codes first."""
    text = q.strip()
    if not text:
        return []
    items = price_book(q=text, active=True)
    by_code = list(items.filter(code__istartswith=text).order_by("code")[:PICKER_SIZE])
    if len(by_code) == PICKER_SIZE:
        return by_code
    rest = items.exclude(pk__in=[item.pk for item in by_code]).order_by("name")
    return by_code + list(rest[:PICKER_SIZE - len(by_code)])


def _listed(estimates: QuerySet[Estimate]) -> QuerySet[Estimate]:
    return estimates.select_related("opportunity", "account", "owner")


def estimate_list(*, user: User, status: str = "", opportunity_id: int | None = None,
                  account_id: int | None = None, q: str = "") -> QuerySet[Estimate]:
    """The estimates `user` may see, newest first; `q` matches number, title or customer."""
    estimates = estimates_for(user)
    if status:
        estimates = estimates.filter(status=status)
    if opportunity_id is not None:
        estimates = estimates.filter(opportunity_id=opportunity_id)
    if account_id is not None:
        estimates = estimates.filter(account_id=account_id)
    text = q.strip()
    if text:
        estimates = estimates.filter(Q(number__icontains=text) | Q(title__icontains=text)
                                     | Q(account__name__icontains=text))
    return _listed(estimates).order_by("-created_at", "-id")


def estimates_of_opportunity(user: User, opportunity: Opportunity) -> QuerySet[Estimate]:
    """An opportunity's estimates in the order they were made."""
    return _listed(estimates_for(user).filter(opportunity=opportunity)).order_by("created_at",
                                                                                 "id")


def estimates_of_account(user: User, account: Account) -> QuerySet[Estimate]:
    """The estimates made out to this account itself (not to its sub-accounts)."""
    return _listed(estimates_for(user).filter(account=account)).order_by("created_at", "id")


def estimate_counts(user: User) -> dict[str, int]:
    """How many estimates `user` sees per status, for the list's tabs (one query)."""
    rows = estimates_for(user).order_by().values("status").annotate(count=Count("id"))
    return {row["status"]: row["count"] for row in rows}


def with_detail(estimates: QuerySet[Estimate]) -> QuerySet[Estimate]:
    """Estimates with their lines and links, for a detail page or the API's single read."""
    return estimates.select_related("opportunity", "account", "contact", "owner").prefetch_related(
        Prefetch("lines", queryset=EstimateLine.objects.order_by("position", "id")),
        Prefetch("links", queryset=EstimateLink.objects.order_by("-created_at", "-id")))
