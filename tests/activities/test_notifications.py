"""A new owner who did not assign the record to themselves gets an in-app notification."""

from __future__ import annotations

from django.test import Client

from stageflow.activities.models import Notification
from stageflow.core.models import Via
from stageflow.sales import services


def test_assigning_a_record_notifies_the_new_owner_only(api_as, training, make_user, north):
    csr = make_user("csr1", "office", north)
    sales = make_user("sales1", "salesperson", north)
    client = api_as(csr)

    record = client.post("/opportunities", {"title": "Jane furnace", "owner": csr.pk}).json()
    client.patch(f"/opportunities/{record['id']}", {"owner": sales.pk})
    client.patch(f"/opportunities/{record['id']}", {"description": "more"})

    [notification] = Notification.objects.all()
    assert notification.recipient == sales
    assert notification.message == "Csr1 assigned opportunity “Jane furnace” to you."
    assert notification.url == f"/opportunities/{record['id']}/"
    inbox = api_as(sales).get("/me/notifications", unread=True).json()
    assert [n["message"] for n in inbox["items"]] == [notification.message]
    assert api_as(sales).post("/me/notifications/read").status_code == 204
    assert api_as(sales).get("/me/notifications", unread=True).json()["count"] == 0


def test_creating_a_record_for_someone_else_notifies_them(training, make_user, north):
    csr = make_user("csr1", "office", north)
    sales = make_user("sales1", "salesperson", north)

    services.record_create(actor=csr, via=Via.WEB, kind="opportunity",
                           values={"title": "For you", "owner": sales.pk})
    services.record_create(actor=sales, via=Via.WEB, kind="opportunity",
                           values={"title": "Mine"})

    assert list(Notification.objects.values_list("recipient__username", flat=True)) == [
        "sales1"]


def test_notifications_show_in_my_activities_and_the_bell(training, make_user, north):
    csr = make_user("csr1", "office", north)
    sales = make_user("sales1", "salesperson", north)
    services.record_create(actor=csr, via=Via.WEB, kind="opportunity",
                           values={"title": "For you", "owner": sales.pk})
    client = Client()
    client.force_login(sales)

    page = client.get("/activities/").content.decode()
    client.post("/activities/notifications/read/")

    assert "assigned opportunity “For you” to you" in page
    assert 'class="count-badge">1<' in page
    assert 'class="count-badge"' not in client.get("/").content.decode()
