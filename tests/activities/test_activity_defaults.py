"""The workspace's activity defaults (SalesTrack's agency "Activity Defaults", OUT-VST-03): what
an activity of each kind proposes when its creator leaves the subject, end or reminder out."""

from __future__ import annotations

from stageflow.activities.models import Activity
from stageflow.core import workspace

DEFAULTS = {"call": {"subject": "Follow-up call", "duration_minutes": 15,
                     "remind_minutes_before": 30}}


def test_a_call_without_subject_end_or_reminder_gets_the_defaults(api_as, admin, make_account):
    client = api_as(admin)
    assert client.patch("/workspace", {"activity_defaults": DEFAULTS}).status_code == 200
    account = make_account(admin, name="Riverside Bakery")

    created = client.post("/activities", {"record_type": "account", "record_id": account.pk,
                                          "kind": "call", "due_at": "2026-12-01T10:00:00Z"})

    assert created.status_code == 201, created.content
    activity = Activity.objects.get()
    assert activity.subject == "Follow-up call"
    assert activity.ends_at.isoformat() == "2026-12-01T10:15:00+00:00"
    assert activity.remind_at.isoformat() == "2026-12-01T09:30:00+00:00"


def test_what_the_creator_gives_wins_and_other_kinds_get_nothing(api_as, admin, make_account):
    client = api_as(admin)
    client.patch("/workspace", {"activity_defaults": DEFAULTS})
    account = make_account(admin, name="Riverside Bakery")

    client.post("/activities", {"record_type": "account", "record_id": account.pk,
                                "kind": "call", "subject": "Renewal talk",
                                "due_at": "2026-12-01T10:00:00Z", "remind_at": None})
    task = client.post("/activities", {"record_type": "account", "record_id": account.pk,
                                       "kind": "task", "subject": "Send the forms",
                                       "due_at": "2026-12-01T10:00:00Z"})

    call = Activity.objects.get(kind="call")
    assert (call.subject, call.remind_at) == ("Renewal talk", None)
    assert call.ends_at.isoformat() == "2026-12-01T10:15:00+00:00"
    assert task.status_code == 201
    assert Activity.objects.get(kind="task").ends_at is None


def test_bad_defaults_are_refused_naming_the_kind_and_key(api_as, admin):
    client = api_as(admin)
    for bad, named in (({"lunch": {"subject": "x"}}, "lunch"),
                       ({"call": {"duration_minutes": -5}}, "call.duration_minutes"),
                       ({"call": {"colour": "red"}}, "call.colour"),
                       ({"call": {"subject": "x" * 201}}, "call.subject")):
        response = client.patch("/workspace", {"activity_defaults": bad})

        assert response.status_code == 422, bad
        assert named in response.json()["error"]["fields"]["activity_defaults"]
    assert workspace.current().activity_defaults == {}


def test_the_company_page_sets_defaults_and_shows_locked_settings_read_only(
        client, admin, make_user):
    row = workspace.current()
    row.registration_number, row.locked_settings = "AG-2024-117", ["registration_number"]
    row.save()
    agency_admin = make_user("agency-admin", "administrator")
    client.force_login(agency_admin)
    page = client.get("/communications/company/")
    assert 'name="registration_number"' in page.content.decode()
    assert "Locked by the system owner." in page.content.decode()

    response = client.post("/communications/company/", {
        "company_name": "Harbour Insurance", "default_language": "en",
        "default_currency": "EUR", "days_out": 3, "select_new_estimate": "on",
        "registration_number": "AG-0000", "activity_call_subject": "Telephone out",
        "activity_call_duration": "10"})

    assert response.status_code == 302, response.content.decode()[:3000]
    saved = workspace.current()
    assert saved.activity_defaults == {"call": {"subject": "Telephone out",
                                                "duration_minutes": 10}}
    assert saved.registration_number == "AG-2024-117"
