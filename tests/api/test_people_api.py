"""/api/v1/users, /offices, /roles and /me: administrators manage the team, others read it."""

from __future__ import annotations

import pytest

from stageflow.people.models import Office, Role, User


def test_administrator_creates_a_user_with_roles_and_offices(api_as, admin, north):
    response = api_as(admin).post("/users", {
        "username": "csr1", "password": "a long passphrase 1", "first_name": "Cara",
        "roles": ["office"], "offices": [north.pk]})

    assert response.status_code == 201
    body = response.json()
    assert body["roles"] == ["office"]
    assert body["offices"] == [{"id": north.pk, "name": "North"}]
    assert User.objects.get(username="csr1").check_password("a long passphrase 1")


def test_user_creation_names_every_problem_and_writes_nothing(api_as, admin):
    response = api_as(admin).post("/users", {
        "username": "admin", "password": "123", "roles": ["wizard"], "offices": [999]})

    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"username", "password", "roles", "offices"}
    assert User.objects.count() == 1


@pytest.mark.parametrize("role", ["sales_manager", "salesperson", "office", "marketing",
                                  "service_manager", "technician"])
def test_only_administrators_manage_people(api_as, make_user, north, role):
    someone = make_user("someone", role, north)
    client = api_as(someone)

    created = client.post("/users", {"username": "x1", "password": "a long passphrase 1"})
    office = client.post("/offices", {"name": "East"})
    changed_role = client.put("/roles/salesperson", {"name": "Super seller"})
    promoted = client.patch(f"/users/{someone.pk}", {"roles": ["administrator"]})

    assert [created.status_code, office.status_code, changed_role.status_code,
            promoted.status_code] == [403, 403, 403, 403]
    assert not User.objects.filter(username="x1").exists()
    assert Role.objects.get(key="salesperson").name == "Salesperson"
    assert list(someone.roles.values_list("key", flat=True)) == [role]
    assert client.get("/users").status_code == 200


def test_role_permissions_are_replaced_and_take_effect(api_as, admin, sales_north, make_account,
                                                       sales_south):
    theirs = make_account(sales_south, "South customer")
    assert api_as(sales_north).get(f"/accounts/{theirs.pk}").status_code == 404

    response = api_as(admin).put("/roles/salesperson", {"permissions": [
        {"record_type": "accounts", "action": "view", "scope": "all"}]})

    assert response.status_code == 200
    assert response.json()["permissions"] == [
        {"record_type": "accounts", "action": "view", "scope": "all"}]
    assert api_as(sales_north).get(f"/accounts/{theirs.pk}").status_code == 200
    assert api_as(sales_north).post("/accounts", {"name": "X"}).status_code == 403


def test_new_role_from_the_api_and_bad_grants_are_named(api_as, admin):
    client = api_as(admin)

    bad = client.put("/roles/marketing_plus", {"name": "Marketing+", "permissions": [
        {"record_type": "spaceships", "action": "view", "scope": "all"},
        {"record_type": "accounts", "action": "fly", "scope": "all"},
        {"record_type": "accounts", "action": "view", "scope": "galaxy"}]})
    good = client.put("/roles/marketing_plus", {"name": "Marketing+", "permissions": [
        {"record_type": "contacts", "action": "view", "scope": "office"}]})

    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {
        "permissions[0].record_type", "permissions[1].action", "permissions[2].scope"}
    assert good.status_code == 200
    assert Role.objects.get(key="marketing_plus").permissions.count() == 1


def test_offices_are_unique_by_name(api_as, admin, north):
    client = api_as(admin)

    assert client.post("/offices", {"name": "East", "code": "E"}).status_code == 201
    assert client.post("/offices", {"name": "north"}).status_code == 409
    assert Office.objects.count() == 3


def test_deactivated_user_can_no_longer_use_the_api(api_as, admin, sales_north):
    theirs = api_as(sales_north)

    response = api_as(admin).patch(f"/users/{sales_north.pk}", {"is_active": False})

    assert response.status_code == 200
    assert theirs.get("/accounts").status_code == 401


def test_administrator_cannot_deactivate_themselves(api_as, admin):
    response = api_as(admin).patch(f"/users/{admin.pk}", {"is_active": False})

    assert response.status_code == 422
    admin.refresh_from_db()
    assert admin.is_active


def test_me_lists_effective_permissions(api_as, sales_north):
    me = api_as(sales_north).get("/me").json()

    assert me["username"] == "sales_n"
    assert me["manages_workspace"] is False
    assert me["permissions"]["accounts"] == {"view": "office", "create": "own", "edit": "own",
                                             "delete": "none", "create_sub": "none"}


@pytest.mark.parametrize("rows", [5, 50])
def test_user_list_runs_a_fixed_number_of_queries(api_as, admin, north, make_user, rows,
                                                  django_assert_num_queries):
    for i in range(rows):
        make_user(f"user{i}", "salesperson", north)
    client = api_as(admin)
    client.get("/users", limit=1)

    with django_assert_num_queries(5):
        response = client.get("/users", limit=100)

    assert response.json()["count"] == rows + 1
