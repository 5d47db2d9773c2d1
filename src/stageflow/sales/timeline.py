"""A customer's timeline: what happened to the account, its leads and opportunities and their
estimates, oldest first, from the history every service writes."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from stageflow.accounts.models import Account
from stageflow.core.models import HistoryEntry
from stageflow.people.models import User
from stageflow.quotes.access import estimates_for
from stageflow.quotes.models import Estimate
from stageflow.sales.access import records_for
from stageflow.sales.models import Lead, Opportunity


def account_timeline(user: User, account: Account) -> QuerySet[HistoryEntry]:
    """History of `account` and of the records of it that `user` may see, in time order."""
    leads = records_for(user, "lead").filter(account=account).values_list("pk", flat=True)
    opportunities = list(records_for(user, "opportunity").filter(account=account)
                         .values_list("pk", flat=True))
    estimates = estimates_for(user).filter(
        Q(account=account) | Q(opportunity_id__in=opportunities)).values_list("pk", flat=True)
    types = ContentType.objects.get_for_models(Account, Lead, Opportunity, Estimate)
    kinds = {model._meta.model_name: content_type for model, content_type in types.items()}
    condition = Q(content_type=kinds["account"], object_id=account.pk)
    for name, ids in (("lead", list(leads)), ("opportunity", opportunities),
                      ("estimate", list(estimates))):
        if ids:
            condition |= Q(content_type=kinds[name], object_id__in=ids)
    return (HistoryEntry.objects.filter(condition).select_related("actor", "content_type")
            .order_by("at", "id"))

