"""Account pages: the tags bar (S4's work queues are account tags)."""

from __future__ import annotations


def test_an_account_page_adds_and_removes_tags(client, office_north, make_account):
    account = make_account(office_north, "Pat Lee")
    client.force_login(office_north)

    client.post(f"/accounts/{account.pk}/tags/", {"tag": "Quote"})
    client.post(f"/accounts/{account.pk}/tags/", {"tag": "Schedule"})
    client.post(f"/accounts/{account.pk}/tags/remove/", {"tag": "Quote"})
    page = client.get(f"/accounts/{account.pk}/").content.decode()

    assert list(account.tags.values_list("name", flat=True)) == ["Schedule"]
    assert "<span>Schedule</span>" in page
    assert f'action="/accounts/{account.pk}/tags/"' in page
