"""Who sees which outbox messages and may send from which record.

Workspace managers see every message. Everyone else sees the messages of records they may see
(so a message follows the scope of its record); messages tied to no record, such as webhooks,
are for managers only. Sending from a record needs permission to edit it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from stageflow.accounts.access import (
    accounts_for,
    contacts_for,
)
from stageflow.communications.models import OutboxMessage
from stageflow.core.errors import NotAllowed, NotFound
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.sales.access import records_for

RECORD_TYPES = ("lead", "opportunity", "account", "contact")
PERMISSION_TYPES = {"lead": "leads", "opportunity": "opportunities", "account": "accounts",
                    "contact": "contacts"}


def ensure_may_send_from(user: User, record: models.Model) -> None:
    record_type = str(record._meta.model_name)
    if record_type not in PERMISSION_TYPES or not permissions.may(
            user, PERMISSION_TYPES[record_type], "edit",
            owner_id=getattr(record, "owner_id", None),
            office_id=getattr(record, "office_id", None)):
        raise NotAllowed(_("Your role does not let you send messages from this record."))


def outbox_for(user: User) -> QuerySet[OutboxMessage]:
    if permissions.manages_workspace(user):
        return OutboxMessage.objects.all()
    visible = (Q(record_type="lead", record_id__in=records_for(user, "lead").values("pk"))
               | Q(record_type="opportunity",
                   record_id__in=records_for(user, "opportunity").values("pk"))
               | Q(record_type="account", record_id__in=accounts_for(user).values("pk"))
               | Q(record_type="contact", record_id__in=contacts_for(user).values("pk")))
    return OutboxMessage.objects.filter(visible)


def access_message_by_id(user: User, message_id: int) -> OutboxMessage:
    message = outbox_for(user).select_related("template", "created_by").filter(
        pk=message_id).first()
    if message is None:
        raise NotFound(_("No such message."))
    return message
