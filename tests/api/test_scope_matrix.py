# ruff: noqa: E501  (the expectation tables read best aligned)
"""Every built-in role against accounts and contacts that are its own, its office's and another
office's: what it may see, change and delete, through the API (404 when unseen, 403 when seen
but not allowed)."""

from __future__ import annotations

import pytest

from stageflow.accounts import services
from stageflow.core.models import Via
from stageflow.people.models import Office, User
from stageflow.people.services import user_create

ROLES = ["administrator", "sales_manager", "salesperson", "office", "marketing",
         "service_manager", "technician"]

# role -> {record kind -> (view, edit, delete)} for own / same office / other office
EXPECTED_ACCOUNTS = {
    "administrator":   {"own": (200, 200, 204), "office": (200, 200, 204), "other": (200, 200, 204)},
    "sales_manager":   {"own": (200, 200, 204), "office": (200, 200, 204), "other": (200, 200, 403)},
    "salesperson":     {"own": (200, 200, 403), "office": (200, 403, 403), "other": (404, 404, 404)},
    "office":          {"own": (200, 200, 204), "office": (200, 200, 204), "other": (404, 404, 404)},
    "marketing":       {"own": (200, 200, 403), "office": (200, 403, 403), "other": (404, 404, 404)},
    "service_manager": {"own": (200, 200, 403), "office": (200, 200, 403), "other": (200, 403, 403)},
    "technician":      {"own": (200, 403, 403), "office": (200, 403, 403), "other": (404, 404, 404)},
}
EXPECTED_CONTACTS = {
    "administrator":   {"own": (200, 200, 204), "office": (200, 200, 204), "other": (200, 200, 204)},
    "sales_manager":   {"own": (200, 200, 204), "office": (200, 200, 204), "other": (200, 200, 403)},
    "salesperson":     {"own": (200, 200, 403), "office": (200, 403, 403), "other": (404, 404, 404)},
    "office":          {"own": (200, 200, 204), "office": (200, 200, 204), "other": (404, 404, 404)},
    "marketing":       {"own": (200, 200, 403), "office": (200, 403, 403), "other": (404, 404, 404)},
    "service_manager": {"own": (200, 200, 403), "office": (200, 200, 403), "other": (200, 403, 403)},
    "technician":      {"own": (200, 403, 403), "office": (200, 403, 403), "other": (404, 404, 404)},
}
EXPECTED_CREATE = {"administrator": 201, "sales_manager": 201, "salesperson": 201, "office": 201,
                   "marketing": 201, "service_manager": 403, "technician": 403}


@pytest.fixture
def world(db, admin):
    """The role's user in North, a colleague in North and a stranger in South."""
    north, south = Office.objects.get(name="North"), Office.objects.get(name="South")
    colleague = user_create(username="colleague", password="x" * 12, role_keys=["salesperson"],
                            offices=[north])
    stranger = user_create(username="stranger", password="x" * 12, role_keys=["salesperson"],
                           offices=[south])
    return {"admin": admin, "north": north, "south": south, "colleague": colleague,
            "stranger": stranger}


def _records(world, me: User, kind: str):
    owners = {"own": (me, world["north"]), "office": (world["colleague"], world["north"]),
              "other": (world["stranger"], world["south"])}
    made = {}
    for scope, (owner, office) in owners.items():
        values = {"owner": owner.pk, "office": office.pk}
        if kind == "accounts":
            made[scope] = services.account_create(actor=world["admin"], via=Via.CLI,
                                                  values={"name": f"{scope} account", **values})
        else:
            made[scope] = services.contact_create(actor=world["admin"], via=Via.CLI,
                                                  values={"last_name": f"{scope}", **values})
    return made


@pytest.mark.parametrize("kind", ["accounts", "contacts"])
@pytest.mark.parametrize("role", ROLES)
def test_role_sees_changes_and_deletes_within_its_scope(api_as, world, role, kind):
    me = user_create(username="me", password="x" * 12, role_keys=[role], offices=[world["north"]])
    records = _records(world, me, kind)
    client = api_as(me)
    expected = (EXPECTED_ACCOUNTS if kind == "accounts" else EXPECTED_CONTACTS)[role]
    field = "notes"

    outcome = {}
    for scope, record in records.items():
        view = client.get(f"/{kind}/{record.pk}").status_code
        edit = client.patch(f"/{kind}/{record.pk}", {field: "changed"}).status_code
        delete = client.delete(f"/{kind}/{record.pk}").status_code
        outcome[scope] = (view, edit, delete)

    assert outcome == expected


@pytest.mark.parametrize("kind", ["accounts", "contacts"])
@pytest.mark.parametrize("role", ROLES)
def test_list_shows_exactly_the_records_in_scope(api_as, world, role, kind):
    me = user_create(username="me", password="x" * 12, role_keys=[role], offices=[world["north"]])
    records = _records(world, me, kind)
    expected = {scope for scope, codes in
                (EXPECTED_ACCOUNTS if kind == "accounts" else EXPECTED_CONTACTS)[role].items()
                if codes[0] == 200}

    listed = api_as(me).get(f"/{kind}", limit=100).json()["items"]

    ids = {item["id"] for item in listed}
    assert ids == {records[scope].pk for scope in expected}


@pytest.mark.parametrize("role", ROLES)
def test_create_is_allowed_to_roles_with_create_permission(api_as, world, role):
    me = user_create(username="me", password="x" * 12, role_keys=[role], offices=[world["north"]])

    response = api_as(me).post("/accounts", {"name": "New customer"})

    assert response.status_code == EXPECTED_CREATE[role]


def test_salesperson_cannot_create_an_account_owned_by_someone_else(api_as, world):
    me = user_create(username="me", password="x" * 12, role_keys=["salesperson"],
                     offices=[world["north"]])

    response = api_as(me).post("/accounts", {"name": "Theirs", "owner": world["colleague"].pk})

    assert response.status_code == 403


def test_user_without_roles_sees_nothing(api_as, world, make_account):
    make_account(world["admin"], "Acme", office=world["north"].pk)
    nobody = user_create(username="nobody", password="x" * 12, offices=[world["north"]])

    client = api_as(nobody)

    assert client.get("/accounts").json() == {"items": [], "count": 0}
    assert client.post("/accounts", {"name": "X"}).status_code == 403


@pytest.mark.parametrize("kind", ["accounts", "contacts"])
@pytest.mark.parametrize("role", ROLES)
def test_pages_follow_the_same_scope_as_the_api(client, world, role, kind):
    me = user_create(username="me", password="x" * 12, role_keys=[role], offices=[world["north"]])
    records = _records(world, me, kind)
    expected = (EXPECTED_ACCOUNTS if kind == "accounts" else EXPECTED_CONTACTS)[role]
    client.force_login(me)

    outcome = {}
    for scope, record in records.items():
        outcome[scope] = (client.get(f"/{kind}/{record.pk}/").status_code,
                          client.get(f"/{kind}/{record.pk}/edit/").status_code,
                          client.get(f"/{kind}/{record.pk}/delete/").status_code)

    page_codes = {scope: tuple(200 if code in (200, 204) else code for code in codes)
                  for scope, codes in expected.items()}
    assert outcome == page_codes
