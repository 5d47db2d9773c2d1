"""Rules of account changes: validation, scope, parents, versions and history."""

from __future__ import annotations

import pytest

from stageflow.accounts import services
from stageflow.accounts.models import Account
from stageflow.core.errors import Conflict, InvalidInput, NotAllowed, StaleVersion
from stageflow.core.history import history_of
from stageflow.core.models import HistoryEntry, Via


def test_create_normalises_phone_email_and_website_and_records_history(sales_north, north):
    account = services.account_create(actor=sales_north, via=Via.WEB, values={
        "name": "  Jane Doe ", "phone": "(217) 555-0101", "email": "Jane@Example.COM",
        "website": "jane.example.com"})

    assert account.name == "Jane Doe"
    assert account.phone == "+12175550101"
    assert account.email == "Jane@example.com"
    assert account.website == "https://jane.example.com"
    assert account.owner == sales_north
    assert account.office == north
    assert account.version == 1
    [entry] = history_of(account)
    assert entry.action == HistoryEntry.Action.CREATED
    assert entry.actor == sales_north
    assert entry.via == Via.WEB
    assert {"field": "phone", "label": "phone", "old": None, "new": "+12175550101"} in entry.changes


def test_create_names_every_invalid_field_and_writes_nothing(sales_north):
    with pytest.raises(InvalidInput) as raised:
        services.account_create(actor=sales_north, via=Via.API, values={
            "name": "", "phone": "12", "email": "not-an-email", "website": "ht!tp://x",
            "customer_status": "prospect", "colour": "red"})

    assert set(raised.value.fields) == {"name", "phone", "email", "website", "customer_status",
                                        "colour"}
    assert Account.objects.count() == 0
    assert HistoryEntry.objects.count() == 0


def test_oversized_name_is_refused_by_field(sales_north):
    with pytest.raises(InvalidInput) as raised:
        services.account_create(actor=sales_north, via=Via.API, values={"name": "x" * 201})

    assert list(raised.value.fields) == ["name"]
    assert Account.objects.count() == 0


def test_unknown_parent_is_refused(sales_north):
    with pytest.raises(InvalidInput) as raised:
        services.account_create(actor=sales_north, via=Via.API,
                                values={"name": "Sub", "parent": 999})

    assert raised.value.fields == {"parent": "Unknown account."}


def test_parent_outside_scope_counts_as_unknown(office_north, make_account, sales_south):
    hidden = make_account(sales_south, "South customer")

    with pytest.raises(InvalidInput) as raised:
        services.account_create(actor=office_north, via=Via.API,
                                values={"name": "Sub", "parent": hidden.pk})

    assert raised.value.fields == {"parent": "Unknown account."}


def test_parent_cycle_is_refused_and_nothing_changes(admin, make_account):
    top = make_account(admin, "Top")
    middle = make_account(admin, "Middle", parent=top.pk)

    with pytest.raises(InvalidInput) as raised:
        services.account_update(actor=admin, via=Via.API, account=top,
                                values={"parent": middle.pk})

    assert "parent" in raised.value.fields
    top.refresh_from_db()
    assert top.parent_id is None
    assert top.version == 1


def test_account_cannot_be_its_own_parent(admin, make_account):
    account = make_account(admin, "Solo")

    with pytest.raises(InvalidInput):
        services.account_update(actor=admin, via=Via.API, account=account,
                                values={"parent": account.pk})


def test_only_roles_with_create_sub_may_add_sub_accounts(sales_north, office_north, make_account):
    jane = make_account(office_north, "Jane Doe")

    with pytest.raises(NotAllowed):
        services.account_create(actor=sales_north, via=Via.API,
                                values={"name": "Doe - Furnace", "parent": jane.pk})
    sub = services.account_create(actor=office_north, via=Via.API,
                                  values={"name": "Doe - Furnace", "parent": jane.pk})

    assert sub.parent == jane
    assert Account.objects.filter(parent=jane).count() == 1


def test_update_records_old_and_new_values_and_bumps_version(sales_north, make_account):
    account = make_account(sales_north, "Acme", customer_status="lead")

    services.account_update(actor=sales_north, via=Via.API, account=account,
                            values={"customer_status": "active", "billing_city": "Springfield"},
                            expected_version=1)

    account.refresh_from_db()
    assert account.version == 2
    entry = history_of(account).first()
    assert entry.action == HistoryEntry.Action.UPDATED
    assert sorted((c["field"], c["old"], c["new"]) for c in entry.changes) == [
        ("billing_city", "", "Springfield"), ("customer_status", "lead", "active")]


def test_update_without_changes_writes_no_history(sales_north, make_account):
    account = make_account(sales_north, "Acme")

    services.account_update(actor=sales_north, via=Via.API, account=account,
                            values={"name": "Acme"})

    account.refresh_from_db()
    assert account.version == 1
    assert history_of(account).count() == 1


def test_stale_version_is_refused_and_nothing_changes(sales_north, make_account):
    account = make_account(sales_north, "Acme")
    services.account_update(actor=sales_north, via=Via.API, account=account,
                            values={"name": "Acme Inc"}, expected_version=1)

    with pytest.raises(StaleVersion):
        services.account_update(actor=sales_north, via=Via.API, account=account,
                                values={"name": "Acme Ltd"}, expected_version=1)

    account.refresh_from_db()
    assert account.name == "Acme Inc"
    assert account.version == 2


def test_salesperson_may_not_edit_a_colleagues_account(make_user, north, make_account):
    owner = make_user("owner", "salesperson", north)
    colleague = make_user("colleague", "salesperson", north)
    account = make_account(owner, "Acme")

    with pytest.raises(NotAllowed):
        services.account_update(actor=colleague, via=Via.API, account=account,
                                values={"name": "Mine now"})

    account.refresh_from_db()
    assert account.name == "Acme"


def test_delete_is_refused_while_sub_accounts_exist(admin, make_account):
    top = make_account(admin, "Top")
    make_account(admin, "Sub", parent=top.pk)

    with pytest.raises(Conflict):
        services.account_delete(actor=admin, via=Via.WEB, account=top)

    assert Account.objects.filter(pk=top.pk).exists()


def test_delete_keeps_the_history(admin, make_account):
    account = make_account(admin, "Gone")
    account_id = account.pk

    services.account_delete(actor=admin, via=Via.WEB, account=account)

    assert not Account.objects.filter(pk=account_id).exists()
    entries = HistoryEntry.objects.filter(object_id=account_id)
    actions = list(entries.values_list("action", flat=True))
    assert actions == ["deleted", "created"]


def test_salesperson_may_not_delete(sales_north, make_account):
    account = make_account(sales_north, "Mine")

    with pytest.raises(NotAllowed):
        services.account_delete(actor=sales_north, via=Via.WEB, account=account)

    assert Account.objects.filter(pk=account.pk).exists()
