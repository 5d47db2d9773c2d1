"""The client's side of an estimate link: finding the estimate a token opens.

Only the SHA-256 of a token is stored. A token that is unknown, revoked or past its expiry,
and one whose estimate is no longer sent or answered, all find nothing: the client cannot
tell them apart, and nobody can probe which numbers or tokens exist.
"""

from __future__ import annotations

import hashlib

from django.utils.translation import gettext_lazy as _

from stageflow.core import clock
from stageflow.quotes.models import Estimate, EstimateLink

# Statuses in which the client's link still shows the estimate (an answer read-only).
VISIBLE_STATUSES = (Estimate.Status.SENT, Estimate.Status.ACCEPTED, Estimate.Status.DECLINED)
# secrets.token_urlsafe(32) gives 43 characters; anything far off is not worth a query.
TOKEN_LENGTHS = range(40, 100)
NOT_FOUND_MESSAGE = _("This link does not work (any more). Please ask the company that sent "
                      "it for a new one.")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_for_token(token: str) -> EstimateLink | None:
    """The live link `token` opens, with its estimate, or None."""
    if len(token) not in TOKEN_LENGTHS:
        return None
    return EstimateLink.objects.select_related(
        "estimate__opportunity", "estimate__account", "estimate__contact").filter(
        token_hash=hash_token(token), revoked_at__isnull=True, expires_at__gt=clock.now(),
        estimate__status__in=VISIBLE_STATUSES).first()


def link_opened(link: EstimateLink) -> None:
    """Note when the client last opened the link (shown to the office next to the link)."""
    EstimateLink.objects.filter(pk=link.pk).update(last_opened_at=clock.now())
