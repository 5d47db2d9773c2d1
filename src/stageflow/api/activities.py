"""/api/v1/activities, /attachments and /me/reminders: the work around each record."""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from stageflow.activities import selectors, services
from stageflow.activities.access import (
    access_activity_by_id,
    access_attachment_by_id,
    access_parent,
    activities_for,
)
from stageflow.activities.models import PARENTS, Activity, Attachment, Notification
from stageflow.api.common import Ref, caller, expected_version, ref
from stageflow.core.models import Via

router = Router(tags=["activities"])


class ParentOut(Schema):
    type: str
    id: int
    name: str


def _parent(item: Activity | Attachment) -> dict[str, Any]:
    for name in PARENTS:
        record = getattr(item, name)
        if record is not None:
            return {"type": name, "id": record.pk, "name": str(record)}
    raise LookupError("no parent")


class ActivityOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    due_at: datetime | None
    ends_at: datetime | None
    remind_at: datetime | None
    assignee: Ref | None
    done: bool
    done_at: datetime | None
    record: ParentOut
    version: int
    created_at: datetime

    @staticmethod
    def resolve_assignee(activity: Activity) -> dict[str, Any] | None:
        return ref(activity.assignee)

    @staticmethod
    def resolve_done(activity: Activity) -> bool:
        return activity.done_at is not None

    @staticmethod
    def resolve_record(activity: Activity) -> dict[str, Any]:
        return _parent(activity)


class ActivityIn(Schema):
    record_type: str
    record_id: int
    kind: str = "task"
    subject: str = ""  # left out, the workspace's default subject for the kind
    body: str = ""
    due_at: datetime | None = None
    ends_at: datetime | None = None
    remind_at: datetime | None = None
    assignee: int | None = None


class ActivityUpdateIn(Schema):
    kind: str | None = None
    subject: str | None = None
    body: str | None = None
    due_at: datetime | None = None
    ends_at: datetime | None = None
    remind_at: datetime | None = None
    assignee: int | None = None
    done: bool | None = None
    version: int | None = None


class ActivityFilters(Schema):
    record_type: str | None = None
    record_id: int | None = None
    mine: bool = False
    open: bool | None = None


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    uploaded_by: Ref | None
    uploaded_at: datetime
    record: ParentOut

    @staticmethod
    def resolve_uploaded_by(attachment: Attachment) -> dict[str, Any] | None:
        return ref(attachment.uploaded_by)

    @staticmethod
    def resolve_record(attachment: Attachment) -> dict[str, Any]:
        return _parent(attachment)


class RecordQuery(Schema):
    record_type: str
    record_id: int


_RELATED = ("assignee", *PARENTS)


@router.get("/activities", response=list[ActivityOut], operation_id="list_activities")
@paginate(LimitOffsetPagination)
def list_activities(request: HttpRequest, filters: Query[ActivityFilters]) -> QuerySet[Activity]:
    user = caller(request)
    if filters.record_type and filters.record_id:
        parent = access_parent(user, filters.record_type, filters.record_id)
        activities = selectors.activities_of(user, filters.record_type, parent.pk)
    else:
        activities = activities_for(user)
    if filters.mine:
        activities = activities.filter(assignee=user)
    if filters.open is not None:
        activities = activities.filter(done_at__isnull=filters.open)
    return activities.select_related(*_RELATED)


@router.post("/activities", response={201: ActivityOut}, operation_id="create_activity")
def create_activity(request: HttpRequest, payload: ActivityIn) -> Status[Activity]:
    user = caller(request)
    parent = access_parent(user, payload.record_type, payload.record_id)
    values = payload.model_dump(exclude={"record_type", "record_id"}, exclude_unset=True)
    activity = services.activity_create(actor=user, via=Via.API, parent=parent,
                                        values=values)
    return Status(201, activity)


@router.get("/activities/{activity_id}", response=ActivityOut, operation_id="get_activity")
def get_activity(request: HttpRequest, activity_id: int) -> Activity:
    return access_activity_by_id(caller(request), activity_id)


@router.patch("/activities/{activity_id}", response=ActivityOut,
              operation_id="update_activity")
def update_activity(request: HttpRequest, activity_id: int,
                    payload: ActivityUpdateIn) -> Activity:
    user = caller(request)
    activity = access_activity_by_id(user, activity_id)
    values = payload.model_dump(exclude_unset=True)
    version = values.pop("version", None)
    return services.activity_update(actor=user, via=Via.API, activity=activity, values=values,
                                    expected_version=expected_version(request, version))


@router.delete("/activities/{activity_id}", response={204: None},
               operation_id="delete_activity")
def delete_activity(request: HttpRequest, activity_id: int) -> Status[None]:
    user = caller(request)
    services.activity_delete(actor=user, via=Via.API,
                             activity=access_activity_by_id(user, activity_id))
    return Status(204, None)


@router.get("/me/reminders", response=list[ActivityOut], operation_id="my_reminders")
@paginate(LimitOffsetPagination)
def my_reminders(request: HttpRequest) -> QuerySet[Activity]:
    return selectors.reminders(caller(request))


@router.get("/attachments", response=list[AttachmentOut], operation_id="list_attachments")
@paginate(LimitOffsetPagination)
def list_attachments(request: HttpRequest, query: Query[RecordQuery]) -> QuerySet[Attachment]:
    user = caller(request)
    parent = access_parent(user, query.record_type, query.record_id)
    return selectors.attachments_of(user, query.record_type, parent.pk).select_related(
        *PARENTS)


@router.post("/attachments", response={201: AttachmentOut}, operation_id="upload_attachment")
def upload_attachment(request: HttpRequest, record_type: Form[str], record_id: Form[int],
                      file: File[UploadedFile]) -> Status[Attachment]:
    user = caller(request)
    parent = access_parent(user, record_type, record_id)
    attachment = services.attachment_upload(actor=user, via=Via.API, parent=parent,
                                            upload=file)
    return Status(201, attachment)


@router.get("/attachments/{attachment_id}/download", operation_id="download_attachment",
            response={200: bytes})
def download_attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = access_attachment_by_id(caller(request), attachment_id)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True,
                            filename=attachment.name, content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.delete("/attachments/{attachment_id}", response={204: None},
               operation_id="delete_attachment")
def delete_attachment(request: HttpRequest, attachment_id: int) -> Status[None]:
    user = caller(request)
    services.attachment_delete(actor=user, via=Via.API,
                               attachment=access_attachment_by_id(user, attachment_id))
    return Status(204, None)


class NotificationOut(Schema):
    id: int
    message: str
    url: str
    created_at: datetime
    read: bool

    @staticmethod
    def resolve_read(notification: Notification) -> bool:
        return notification.read_at is not None


@router.get("/me/notifications", response=list[NotificationOut],
            operation_id="my_notifications")
@paginate(LimitOffsetPagination)
def my_notifications(request: HttpRequest, unread: bool = False) -> QuerySet[Notification]:
    user = caller(request)
    notifications = Notification.objects.filter(recipient=user)
    return notifications.filter(read_at__isnull=True) if unread else notifications


@router.post("/me/notifications/read", response={204: None},
             operation_id="read_notifications")
def read_notifications(request: HttpRequest) -> Status[None]:
    services.notifications_read(user=caller(request))
    return Status(204, None)
