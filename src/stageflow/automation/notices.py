"""Messages the product sends by itself, whatever rules an administrator wrote: the email to a
record's new owner (the in-app notice is sent by the sales services)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from stageflow.automation.dispatch import load_record
from stageflow.communications.services import outbox_enqueue
from stageflow.core import events
from stageflow.core.events import DomainEvent


def email_new_owner(event: DomainEvent) -> None:
    kind = event.name.split(".")[0]
    record = load_record(kind, event.payload["record_id"])
    if record is None or record.owner is None or not record.owner.email:
        return
    if record.owner_id == event.payload.get("actor_id"):
        return
    link = settings.STAGEFLOW_BASE_URL.rstrip("/") + record.get_absolute_url()
    names = {"kind": _(kind).capitalize(), "title": record.title}
    outbox_enqueue(
        channel="email", to=record.owner.email, record=record, source="assignment",
        subject=_("%(kind)s “%(title)s” was assigned to you") % names,
        body=_("Hello %(owner)s,\n\n%(kind)s “%(title)s” is now yours.\n\n%(link)s\n") % {
            **names, "owner": record.owner.first_name or record.owner, "link": link},
        idempotency_key=f"assigned:{kind}:{record.pk}:{record.owner_id}:{record.version}")


def connect() -> None:
    for kind in ("lead", "opportunity"):
        events.subscribe(f"{kind}.created", email_new_owner, run_now=True)
        events.subscribe(f"{kind}.assigned", email_new_owner, run_now=True)
