"""Changes to activities and attachments: one function each, with history on the parent."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from stageflow.activities.file_types import sniff
from stageflow.activities.models import PARENTS, Activity, Attachment, Notification
from stageflow.core import clock, events, workspace
from stageflow.core.errors import InvalidInput, NotAllowed
from stageflow.core.history import record_history
from stageflow.core.models import HistoryEntry, Via
from stageflow.core.records import assign_values, check_version, validate_record
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.people.selectors import active_user_value

ACTIVITY_FIELDS = ("kind", "subject", "body", "due_at", "ends_at", "remind_at", "assignee")
MAX_NAME = 200


def _moment(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        parsed = parse_datetime(str(value))
        if parsed is None:
            raise ValueError(_("Enter a date and time as YYYY-MM-DDTHH:MM."))
        moment = parsed
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


NORMALISERS = {"due_at": _moment, "ends_at": _moment, "remind_at": _moment,
               "assignee": active_user_value}


def _link(item: Activity | Attachment, parent: models.Model) -> None:
    name = parent._meta.model_name
    if name not in PARENTS:
        raise InvalidInput(_("Unknown record type."), fields={"record_type": str(name)})
    setattr(item, str(name), parent)


def _may_change(actor: User, item: Activity | Attachment, author: User | None) -> bool:
    """The author, the assignee, or someone who may edit the parent record."""
    if author is not None and author.pk == actor.pk:
        return True
    if isinstance(item, Activity) and item.assignee_id == actor.pk:
        return True
    parent = item.parent
    record_type = {"lead": "leads", "opportunity": "opportunities", "account": "accounts",
                   "contact": "contacts"}[str(parent._meta.model_name)]
    return permissions.may(actor, record_type, "edit", owner_id=parent.owner_id,
                           office_id=parent.office_id)


@transaction.atomic
def activity_create(*, actor: User, via: Via, parent: models.Model,
                    values: Mapping[str, Any]) -> Activity:
    activity = Activity(created_by=actor, assignee=actor)
    _link(activity, parent)
    errors: dict[str, str] = {}
    assign_values(activity, values, editable=ACTIVITY_FIELDS, normalisers=NORMALISERS,
                  errors=errors)
    _apply_defaults(activity, values)
    if activity.ends_at and activity.due_at and activity.ends_at < activity.due_at:
        errors["ends_at"] = _("The end is before the start.")
    validate_record(activity, errors, exclude=("assignee", "created_by", *PARENTS))
    activity.save()
    record_history(record=parent, actor=actor, via=via, action=HistoryEntry.Action.LINKED,
                   summary=_("%(kind)s added: %(subject)s") % {
                       "kind": activity.get_kind_display(), "subject": activity.subject})
    events.emit("activity.created", activity_id=activity.pk, actor_id=actor.pk, via=via)
    return activity


def _apply_defaults(activity: Activity, values: Mapping[str, Any]) -> None:
    """The workspace's defaults for the activity's kind fill what the creator left out:
    the subject, the end (from the duration) and the reminder."""
    defaults = workspace.current().activity_defaults.get(activity.kind) or {}
    if not activity.subject and defaults.get("subject"):
        activity.subject = defaults["subject"]
    if activity.due_at is None:
        return
    if "ends_at" not in values and defaults.get("duration_minutes"):
        activity.ends_at = activity.due_at + dt.timedelta(minutes=defaults["duration_minutes"])
    if "remind_at" not in values and "remind_minutes_before" in defaults:
        activity.remind_at = activity.due_at - dt.timedelta(
            minutes=defaults["remind_minutes_before"])


@transaction.atomic
def activity_update(*, actor: User, via: Via, activity: Activity, values: Mapping[str, Any],
                    expected_version: int | None = None) -> Activity:
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if not _may_change(actor, activity, activity.created_by):
        raise NotAllowed(_("Only its author, its assignee or an editor of the record may "
                           "change this activity."))
    check_version(activity, expected_version)
    errors: dict[str, str] = {}
    values = dict(values)
    done = values.pop("done", None)
    assign_values(activity, values, editable=ACTIVITY_FIELDS, normalisers=NORMALISERS,
                  errors=errors)
    validate_record(activity, errors, exclude=("assignee", "created_by", *PARENTS))
    if done is not None:
        was_done = activity.done_at is not None
        activity.done_at = (activity.done_at or clock.now()) if done else None
        if done and not was_done:
            events.emit("activity.completed", activity_id=activity.pk, actor_id=actor.pk,
                        via=via)
    activity.version += 1
    activity.save()
    return activity


@transaction.atomic
def activity_delete(*, actor: User, via: Via, activity: Activity) -> None:
    if not _may_change(actor, activity, activity.created_by):
        raise NotAllowed(_("Only its author or an editor of the record may delete this."))
    record_history(record=activity.parent, actor=actor, via=via,
                   action=HistoryEntry.Action.UNLINKED,
                   summary=_("Activity removed: %(subject)s") % {"subject": activity.subject})
    activity.delete()


def _safe_name(name: str) -> str:
    # Only the final path part, printable characters, bounded: the name is shown, never used
    # as a path (stored files get a random name).
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip()
    return (cleaned or "file")[:MAX_NAME]


@transaction.atomic
def attachment_upload(*, actor: User, via: Via, parent: models.Model,
                      upload: UploadedFile) -> Attachment:
    limit = settings.STAGEFLOW_MAX_UPLOAD_BYTES
    if upload.size is None or upload.size > limit:
        raise InvalidInput(_("The file is larger than %(mb)s MB.") % {"mb": limit // 2**20},
                           fields={"file": _("too large")})
    if upload.size == 0:
        raise InvalidInput(_("The file is empty."), fields={"file": _("empty")})
    data = upload.read()
    found = sniff(data[:16], data)
    if found is None:
        raise InvalidInput(_("This kind of file is not accepted: send PDF, Office documents, "
                             "images or plain text."), fields={"file": _("type not accepted")})
    content_type, extension = found
    attachment = Attachment(uploaded_by=actor, name=_safe_name(upload.name or "file"),
                            content_type=content_type, size=len(data))
    _link(attachment, parent)
    attachment.file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
    attachment.save()
    record_history(record=parent, actor=actor, via=via, action=HistoryEntry.Action.LINKED,
                   summary=_("File attached: %(name)s") % {"name": attachment.name})
    return attachment


@transaction.atomic
def attachment_delete(*, actor: User, via: Via, attachment: Attachment) -> None:
    if not _may_change(actor, attachment, attachment.uploaded_by):
        raise NotAllowed(_("Only the uploader or an editor of the record may delete this."))
    record_history(record=attachment.parent, actor=actor, via=via,
                   action=HistoryEntry.Action.UNLINKED,
                   summary=_("File removed: %(name)s") % {"name": attachment.name})
    stored = attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))


def notify(*, recipient: User, message: str, url: str = "") -> Notification:
    """Leave an in-app message for `recipient` (called inside the caller's transaction)."""
    return Notification.objects.create(recipient=recipient, message=message[:300],
                                       url=url[:300])


@transaction.atomic
def notifications_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=clock.now())
