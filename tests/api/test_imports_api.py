"""/imports: upload, mapping, dry run, run and undo over the API, with every refusal."""

from __future__ import annotations

from stageflow.accounts.models import Account
from stageflow.imports.models import ImportBatch
from tests.imports.conftest import csv_file

ROWS = [["Company", "E-mail", "Notes"], ["Acme", "info@acme.example", "old customer"],
        ["Beta", "not-an-email", ""]]


def _upload(client, kind="account", rows=ROWS, **extra):
    return client.client.post("/api/v1/imports", {"kind": kind, "file": csv_file(rows), **extra},
                              headers=client.headers)


def test_upload_map_dry_run_run_and_undo(api_as, admin):
    client = api_as(admin)

    uploaded = _upload(client)
    assert uploaded.status_code == 201
    batch = uploaded.json()
    assert (batch["state"], batch["headers"], batch["mapping"], batch["total_rows"]) == (
        "mapping", ["Company", "E-mail", "Notes"], ["name", "email", "notes"], 2)
    assert {"key": "name", "label": "Name", "required": True} in batch["fields"]
    path = f"/imports/{batch['id']}"

    mapped = client.put(path + "/mapping", {"mapping": {"Company": "name", "E-mail": "email"},
                                            "good_rows_only": True})
    assert mapped.status_code == 200
    assert mapped.json()["mapping"] == ["name", "email", ""]

    checked = client.post(path + "/dry-run")
    assert checked.status_code == 200
    assert checked.json()["counts"] == {"created": 1, "updated": 0, "skipped": 0, "failed": 1}
    assert checked.json()["problems"] == [
        {"row": 3, "column": "E-mail", "message": "Enter a valid email address."}]
    assert Account.objects.count() == 0

    run = client.post(path + "/run")
    assert (run.status_code, run.json()["state"]) == (200, "done")
    assert list(Account.objects.values_list("name", flat=True)) == ["Acme"]

    problems = client.client.get(f"/api/v1{path}/problems.csv", headers=client.headers)
    assert b"".join(problems.streaming_content).decode("utf-8-sig").splitlines() == [
        "row,column,problem", "3,E-mail,Enter a valid email address."]

    undone = client.post(path + "/undo")
    assert (undone.status_code, undone.json()["state"]) == (200, "undone")
    assert Account.objects.count() == 0


def test_refusals(api_as, admin, sales_north, make_user, north):
    assert api_as(None).get("/imports").status_code == 401
    technician = make_user("tech", "technician", north)
    forbidden = _upload(api_as(technician))
    assert (forbidden.status_code, forbidden.json()["error"]["code"]) == (403, "forbidden")

    client = api_as(admin)
    missing = client.client.post("/api/v1/imports", {"kind": "account"}, headers=client.headers)
    assert missing.status_code == 400
    unknown = _upload(client, kind="planet")
    assert (unknown.status_code, unknown.json()["error"]["fields"]) == (
        422, {"kind": "unknown kind"})
    empty = client.client.post("/api/v1/imports", {"kind": "account", "file": csv_file([])},
                               headers=client.headers)
    assert (empty.status_code, empty.json()["error"]["message"]) == (422, "The file is empty.")

    batch_id = _upload(client).json()["id"]
    assert api_as(sales_north).get(f"/imports/{batch_id}").status_code == 404
    bad_mapping = client.put(f"/imports/{batch_id}/mapping", {"mapping": ["email", "", ""]})
    assert (bad_mapping.status_code, bad_mapping.json()["error"]["fields"]) == (
        422, {"Name": "Choose the column that holds this field."})
    refused_run = client.post(f"/imports/{batch_id}/run")
    assert refused_run.json()["state"] == "failed"
    assert client.post(f"/imports/{batch_id}/undo").status_code == 409
    assert Account.objects.count() == 0


def test_updating_duplicates_needs_the_edit_right(api_as, make_user, north):
    from stageflow.people.models import Role, RolePermission, Scope

    role = Role.objects.create(key="importer", name="Importer")
    for action in ("view", "create"):
        RolePermission.objects.create(role=role, record_type="accounts", action=action,
                                      scope=Scope.ALL)
    client = api_as(make_user("clerk", "importer", north))
    batch_id = _upload(client).json()["id"]

    refused = client.put(f"/imports/{batch_id}/mapping", {"duplicates": "update"})

    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")
    assert ImportBatch.objects.get().duplicates == "skip"


def test_undo_names_the_records_changed_since(api_as, admin):
    client = api_as(admin)
    batch_id = _upload(client, rows=ROWS[:2]).json()["id"]
    client.post(f"/imports/{batch_id}/run")
    acme = Account.objects.get()
    client.patch(f"/accounts/{acme.pk}", {"notes": "changed"})

    refused = client.post(f"/imports/{batch_id}/undo")

    assert refused.status_code == 409
    assert refused.json()["error"]["fields"] == {"records": "Acme"}
    kept = client.post(f"/imports/{batch_id}/undo", {"keep_changed": True})
    assert (kept.status_code, Account.objects.count()) == (200, 1)


def test_the_list_of_imports_runs_a_fixed_number_of_queries(api_as, admin, sales_north,
                                                             django_assert_max_num_queries):
    client = api_as(admin)
    for _number in range(3):
        _upload(client)
    _upload(api_as(sales_north))

    with django_assert_max_num_queries(6):
        listed = client.get("/imports", limit=2).json()
    own = api_as(sales_north).get("/imports").json()

    assert (listed["count"], len(listed["items"])) == (4, 2)
    assert listed["items"][0]["created_by"]["name"] == "Sales_n"
    assert own["count"] == 1
