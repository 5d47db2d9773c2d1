"""The activities-and-files panel on record pages, and My activities."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from stageflow.activities.models import Activity, Attachment


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def signed_in(office_north) -> Client:
    client = Client()
    client.force_login(office_north)
    return client


def test_add_an_activity_then_complete_it_from_my_activities(signed_in, office_north,
                                                             make_account):
    account = make_account(office_north, "Acme")

    added = signed_in.post(f"/activities/on/account/{account.pk}/add/",
                           {"kind": "call", "subject": "Call Jane", "due_at": "2020-01-01T09:00"},
                           headers={"HX-Request": "true"})
    mine = signed_in.get("/activities/").content.decode()
    activity = Activity.objects.get()
    signed_in.post(f"/activities/{activity.pk}/done/", {"next": "mine"})

    assert added.status_code == 200
    assert "Call Jane" in added.content.decode()
    assert "Call Jane" in mine
    assert "due today or overdue" in mine
    activity.refresh_from_db()
    assert activity.done_at is not None


def test_the_bell_counts_due_activities(signed_in, office_north, make_account):
    account = make_account(office_north, "Acme")
    signed_in.post(f"/activities/on/account/{account.pk}/add/",
                   {"kind": "task", "subject": "Overdue", "due_at": "2020-01-01T09:00"})

    page = signed_in.get("/").content.decode()

    assert 'class="count-badge">1<' in page


def test_an_activity_without_subject_is_refused_inline(signed_in, office_north, make_account):
    account = make_account(office_north, "Acme")

    response = signed_in.post(f"/activities/on/account/{account.pk}/add/", {"kind": "task"},
                              headers={"HX-Request": "true"})

    assert response.status_code == 422
    assert "This field is required" in response.content.decode()
    assert not Activity.objects.exists()


def test_upload_download_and_refuse_a_disguised_file(signed_in, office_north, make_account):
    account = make_account(office_north, "Acme")
    pdf = SimpleUploadedFile("quote.pdf", b"%PDF-1.4 hello")
    fake = SimpleUploadedFile("photo.jpg", b"\x00\x01binary")

    signed_in.post(f"/activities/on/account/{account.pk}/upload/", {"file": pdf})
    refused = signed_in.post(f"/activities/on/account/{account.pk}/upload/", {"file": fake},
                             headers={"HX-Request": "true"})
    attachment = Attachment.objects.get()
    download = signed_in.get(f"/activities/files/{attachment.pk}/")

    assert refused.status_code == 422
    assert "not accepted" in refused.content.decode()
    assert b"".join(download.streaming_content) == b"%PDF-1.4 hello"


def test_the_panel_of_another_offices_record_is_not_found(office_north, sales_south,
                                                          make_account):
    theirs = make_account(sales_south, "South")
    client = Client()
    client.force_login(office_north)

    assert client.get(f"/activities/on/account/{theirs.pk}/").status_code == 404
    assert client.post(f"/activities/on/account/{theirs.pk}/add/",
                       {"kind": "task", "subject": "x"}).status_code == 404
