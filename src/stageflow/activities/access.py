"""Who sees which activity and attachment: whoever may see the record it belongs to."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from stageflow.accounts.access import (
    access_account_by_id,
    access_contact_by_id,
    accounts_for,
    contacts_for,
)
from stageflow.accounts.models import Account, Contact
from stageflow.activities.models import Activity, Attachment
from stageflow.core.errors import InvalidInput, NotFound
from stageflow.people.models import User
from stageflow.sales.access import access_record_by_id, records_for
from stageflow.sales.models import Lead, Opportunity


def _visible_parents(user: User) -> Q:
    return (Q(lead__in=records_for(user, "lead").values("pk"))
            | Q(opportunity__in=records_for(user, "opportunity").values("pk"))
            | Q(account__in=accounts_for(user).values("pk"))
            | Q(contact__in=contacts_for(user).values("pk")))


def activities_for(user: User) -> QuerySet[Activity]:
    return Activity.objects.filter(_visible_parents(user) | Q(assignee=user))


def attachments_for(user: User) -> QuerySet[Attachment]:
    return Attachment.objects.filter(_visible_parents(user))


def access_activity_by_id(user: User, activity_id: int) -> Activity:
    activity = activities_for(user).select_related("assignee").filter(pk=activity_id).first()
    if activity is None:
        raise NotFound(_("No such activity."))
    return activity


def access_attachment_by_id(user: User, attachment_id: int) -> Attachment:
    attachment = attachments_for(user).filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(_("No such attachment."))
    return attachment


def access_parent(user: User, kind: str, record_id: int,
                  action: str = "view") -> Lead | Opportunity | Account | Contact:
    """The lead, opportunity, account or contact something is added to or sent from."""
    if kind in ("lead", "opportunity"):
        return access_record_by_id(user, kind, record_id, action)
    if kind == "account":
        return access_account_by_id(user, record_id, action)
    if kind == "contact":
        return access_contact_by_id(user, record_id, action)
    raise InvalidInput(_("Choose a lead, opportunity, account or contact."),
                       fields={"record_type": "lead, opportunity, account or contact"})
