"""Activities and attachments: on any record, visible to whoever sees that record."""

from __future__ import annotations

import io
import zipfile

import pytest
import time_machine
from django.test import Client

from stageflow.activities.models import Activity, Attachment
from stageflow.core.history import history_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _upload(client, record_type: str, record_id: int, name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.client.post("/api/v1/attachments", {
        "record_type": record_type, "record_id": record_id,
        "file": SimpleUploadedFile(name, data)}, headers=client.headers)


def test_task_on_an_opportunity_links_and_is_recorded(api_as, training, sales_north):
    client = api_as(sales_north)
    record = client.post("/opportunities", {"title": "X"}).json()

    created = client.post("/activities", {"record_type": "opportunity", "record_id": record["id"],
                                          "subject": "Call back", "kind": "call",
                                          "due_at": "2026-12-01T10:00:00Z"})
    listed = client.get("/activities", record_type="opportunity", record_id=record["id"]).json()

    assert created.status_code == 201
    assert created.json()["record"] == {"type": "opportunity", "id": record["id"], "name": "X"}
    assert created.json()["assignee"]["id"] == sales_north.pk
    assert [a["subject"] for a in listed["items"]] == ["Call back"]
    assert "Call back" in history_of(Activity.objects.get().opportunity).first().summary


def test_activities_follow_the_scope_of_their_record(api_as, training, sales_north, sales_south):
    mine = api_as(sales_north)
    record = mine.post("/opportunities", {"title": "X"}).json()
    activity = mine.post("/activities", {"record_type": "opportunity", "record_id": record["id"],
                                         "subject": "Secret"}).json()
    stranger = api_as(sales_south)

    assert stranger.get(f"/activities/{activity['id']}").status_code == 404
    assert stranger.get("/activities").json()["count"] == 0
    assert stranger.post("/activities", {"record_type": "opportunity",
                                         "record_id": record["id"],
                                         "subject": "Sneaky"}).status_code == 404
    assert Activity.objects.count() == 1


def test_complete_and_reopen_and_validation(api_as, office_north, make_account):
    account = make_account(office_north, "Acme")
    client = api_as(office_north)
    activity = client.post("/activities", {"record_type": "account", "record_id": account.pk,
                                           "subject": "Visit", "kind": "meeting",
                                           "due_at": "2026-12-01T10:00:00Z",
                                           "ends_at": "2026-12-01T09:00:00Z"})
    assert activity.status_code == 422
    assert list(activity.json()["error"]["fields"]) == ["ends_at"]

    created = client.post("/activities", {"record_type": "account", "record_id": account.pk,
                                          "subject": "Visit", "kind": "meeting"}).json()
    done = client.patch(f"/activities/{created['id']}", {"done": True})
    reopened = client.patch(f"/activities/{created['id']}", {"done": False})
    bad_kind = client.patch(f"/activities/{created['id']}", {"kind": "party"})

    assert done.json()["done"] is True
    assert reopened.json()["done"] is False
    assert bad_kind.status_code == 422


def test_reminders_list_due_and_overdue_open_tasks(api_as, office_north, make_account):
    account = make_account(office_north, "Acme")
    client = api_as(office_north)
    for subject, due in [("Overdue", "2026-11-20T09:00:00Z"), ("Today", "2026-11-23T15:00:00Z"),
                         ("Later", "2026-11-30T09:00:00Z")]:
        client.post("/activities", {"record_type": "account", "record_id": account.pk,
                                    "subject": subject, "due_at": due})

    with time_machine.travel("2026-11-23T08:00:00Z", tick=False):
        reminders = client.get("/me/reminders").json()

    assert [a["subject"] for a in reminders["items"]] == ["Overdue", "Today"]


def test_upload_list_download_and_delete_an_attachment(api_as, training, sales_north):
    client = api_as(sales_north)
    record = client.post("/opportunities", {"title": "X"}).json()

    pdf = _upload(client, "opportunity", record["id"], "../../cv.pdf", PDF)
    docx = _upload(client, "opportunity", record["id"], "proposal.docx", _docx())
    listed = client.get("/attachments", record_type="opportunity", record_id=record["id"]).json()
    download = client.client.get(f"/api/v1/attachments/{pdf.json()['id']}/download",
                                 headers=client.headers)

    assert pdf.status_code == 201
    assert pdf.json()["name"] == "cv.pdf"
    assert {(a["name"], a["content_type"]) for a in listed["items"]} == {
        ("cv.pdf", "application/pdf"),
        ("proposal.docx",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document")}
    assert docx.status_code == 201
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    stored = Attachment.objects.get(name="cv.pdf").file.name
    assert stored.endswith(".pdf")
    assert "cv" not in stored
    assert client.delete(f"/attachments/{pdf.json()['id']}").status_code == 204


@pytest.mark.parametrize(("name", "data"), [
    ("evil.pdf", b"MZ\x90\x00\x03binary"),
    ("script.html", b"\x00\x01\x02"),
])
def test_a_file_is_judged_by_its_content_not_its_name(api_as, training, sales_north, name,
                                                      data):
    client = api_as(sales_north)
    record = client.post("/opportunities", {"title": "X"}).json()

    response = _upload(client, "opportunity", record["id"], name, data)

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["file"]
    assert not Attachment.objects.exists()


def test_oversized_upload_is_refused(api_as, training, sales_north, settings):
    settings.STAGEFLOW_MAX_UPLOAD_BYTES = 1024
    client = api_as(sales_north)
    record = client.post("/opportunities", {"title": "X"}).json()

    response = _upload(client, "opportunity", record["id"], "big.pdf", PDF + b" " * 2048)

    assert response.status_code == 422
    assert not Attachment.objects.exists()


def test_attachments_of_another_office_cannot_be_downloaded(api_as, training, sales_north,
                                                            sales_south):
    client = api_as(sales_north)
    record = client.post("/opportunities", {"title": "X"}).json()
    uploaded = _upload(client, "opportunity", record["id"], "cv.pdf", PDF).json()

    response = Client().get(f"/api/v1/attachments/{uploaded['id']}/download",
                            headers=api_as(sales_south).headers)

    assert response.status_code == 404
