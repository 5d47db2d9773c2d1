"""Scope of estimates and the price book.

An estimate has no scope of its own (DESIGN "beyond the peers" #8): on an opportunity it
follows that opportunity, otherwise the account it was made for. Seeing the opportunity (or
account) means seeing its estimates; changing them needs the right to edit it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from stageflow.accounts.access import accounts_for
from stageflow.accounts.models import Account
from stageflow.core.errors import NotAllowed, NotFound
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.quotes.models import Estimate
from stageflow.sales.access import records_for
from stageflow.sales.models import Opportunity

# What an action on an estimate asks of the record it hangs off: creating, changing, sending
# or deleting an estimate all change the opportunity's (or account's) commercial state.
PARENT_ACTION = {"view": "view", "create": "edit", "edit": "edit", "delete": "edit"}


def _parent_action(action: str) -> str:
    return PARENT_ACTION.get(action, "edit")


def estimates_for(user: User, action: str = "view") -> QuerySet[Estimate]:
    """The estimates `user` may act on, as one query (the scopes become sub-selects)."""
    parent_action = _parent_action(action)
    opportunities = records_for(user, "opportunity", parent_action)
    accounts = accounts_for(user, parent_action)
    return Estimate.objects.filter(
        Q(opportunity__in=opportunities.values("pk"))
        | Q(opportunity__isnull=True, account__in=accounts.values("pk")))


def may_estimate(user: User, action: str, estimate: Estimate) -> bool:
    parent_action = _parent_action(action)
    parent: Opportunity | Account | None = estimate.opportunity or estimate.account
    if isinstance(parent, Opportunity):
        return permissions.may(user, "opportunities", parent_action, owner_id=parent.owner_id,
                               office_id=parent.office_id)
    if isinstance(parent, Account):
        return permissions.may(user, "accounts", parent_action, owner_id=parent.owner_id,
                               office_id=parent.office_id)
    return False


def ensure_may_estimate(user: User, action: str, estimate: Estimate) -> None:
    if not may_estimate(user, action, estimate):
        raise NotAllowed(permissions.refusal(action))


def access_estimate_by_id(user: User, estimate_id: int, action: str = "view") -> Estimate:
    """The estimate if `user` may see it and perform `action`: 404 when unseen, 403 when seen."""
    estimate = estimates_for(user).select_related(
        "opportunity", "account", "contact", "owner").filter(pk=estimate_id).first()
    if estimate is None:
        raise NotFound(_("No such estimate."))
    ensure_may_estimate(user, action, estimate)
    return estimate


def may_read_price_book(user: User) -> bool:
    """Everyone who may see opportunities prices estimates from the book."""
    return permissions.may_at_all(user, "opportunities", "view")


def may_manage_price_book(user: User) -> bool:
    return permissions.manages_workspace(user)


def ensure_may_read_price_book(user: User) -> None:
    if not may_read_price_book(user):
        raise NotAllowed(_("Your role does not let you see the price book."))


def ensure_may_manage_price_book(user: User) -> None:
    if not may_manage_price_book(user):
        raise NotAllowed(_("Only administrators may change the price book."))
