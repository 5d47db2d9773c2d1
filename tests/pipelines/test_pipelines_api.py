"""/api/v1/pipelines: import, validation errors by path, drafts, publishing, export and graph."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stageflow.pipelines.models import CustomAttribute, LookupValue, Pipeline, PipelineVersion

TRAINING = (Path(__file__).parent.parent / "engine" / "fixtures" /
            "training_opportunity.yaml").read_text()


def _import(client, text: str, query: str = ""):
    return client.request("POST", "/pipelines/import" + query, text,
                          content_type="application/yaml")


@pytest.fixture
def training_yaml() -> str:
    return TRAINING


def test_import_creates_a_draft_that_is_not_live_until_published(api_as, admin, training_yaml):
    client = api_as(admin)

    imported = _import(client, training_yaml)
    before = client.get("/pipelines/training-sale").json()
    published = client.post("/pipelines/training-sale/publish", {})
    after = client.get("/pipelines/training-sale").json()

    assert imported.status_code == 201
    assert imported.json()["state"] == "draft"
    assert before["live_version"] is None
    assert before["draft_version"] == 1
    assert published.status_code == 200
    assert after["live_version"] == 1
    assert after["draft_version"] is None
    assert after["is_default"] is True
    assert [v["state"] for v in after["versions"]] == ["published"]


def test_a_second_version_replaces_the_first_on_publish(api_as, admin, training_yaml):
    client = api_as(admin)
    _import(client, training_yaml, "?publish=true")
    changed = training_yaml.replace("name: Training sale", "name: Training sale 2026")

    _import(client, changed)
    live_meanwhile = client.get("/pipelines/training-sale").json()
    client.post("/pipelines/training-sale/publish", {})
    live_after = client.get("/pipelines/training-sale").json()

    assert live_meanwhile["name"] == "Training sale"
    assert live_meanwhile["draft_version"] == 2
    assert live_after["name"] == "Training sale 2026"
    assert [(v["number"], v["state"]) for v in live_after["versions"]] == [
        (2, "published"), (1, "retired")]


def test_validation_errors_name_every_path_and_nothing_is_saved(api_as, admin, training_yaml):
    broken = training_yaml.replace("to: qualified", "to: qaulified", 1).replace(
        "required: [first_name, last_name, email]", "required: [first_name, shoe_size]")

    response = _import(api_as(admin), broken)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_definition"
    messages = " ".join(error["fields"].values())
    assert "qaulified" in messages
    assert "shoe_size" in messages
    assert all(path.startswith("transitions[") for path in error["fields"])
    assert not Pipeline.objects.exists()


def test_yaml_syntax_error_is_400_with_the_line(api_as, admin):
    response = _import(api_as(admin), "key: x\nstages: [\n  - a: b")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unreadable_definition"
    assert "line" in " ".join(error["fields"].values()).lower()


def test_a_file_over_one_megabyte_is_refused(api_as, admin):
    huge = "key: x\n# " + "x" * (1024 * 1024 + 10)

    response = _import(api_as(admin), huge)

    assert response.status_code == 400
    assert not Pipeline.objects.exists()


def test_deeply_nested_input_is_refused(api_as, admin):
    nested = "key: " + "[" * 200 + "]" * 200

    response = _import(api_as(admin), nested)

    assert response.status_code == 400


def test_json_import_and_round_trip_export(api_as, admin, training_yaml):
    client = api_as(admin)
    as_json = yaml.safe_load(training_yaml)

    imported = client.post("/pipelines/import?publish=true", as_json)
    exported = client.get("/pipelines/training-sale/export", format="yaml")

    assert imported.status_code == 201
    assert exported["Content-Type"].startswith("application/yaml")
    round_trip = yaml.safe_load(exported.content)
    assert round_trip.pop("version", 1) == 1
    as_json.pop("version")
    assert round_trip == as_json


def test_publish_syncs_attributes_and_lookups(api_as, admin, training_yaml):
    _import(api_as(admin), training_yaml, "?publish=true")

    keys = list(CustomAttribute.objects.filter(record_type="opportunity").values_list(
        "key", flat=True))
    lost_reasons = LookupValue.objects.filter(record_type="opportunity", table="lost_reasons")
    assert keys == ["first_name", "last_name", "email", "company_name", "po_number",
                    "lost_reason", "payment_details_confirmed"]
    assert [(v.key, v.active) for v in lost_reasons] == [
        ("price", True), ("timing", True), ("competitor", True), ("legacy", False)]


def test_only_administrators_change_pipelines(api_as, make_user, north, training_yaml, admin):
    manager = make_user("manager", "sales_manager", north)
    client = api_as(manager)

    refused = _import(client, training_yaml)
    _import(api_as(admin), training_yaml)
    publish = client.post("/pipelines/training-sale/publish", {})

    assert refused.status_code == 403
    assert publish.status_code == 403
    assert PipelineVersion.objects.get().state == "draft"
    assert client.get("/pipelines").status_code == 200


def test_publish_refuses_a_mapping_to_an_unknown_step(api_as, admin, training_yaml):
    client = api_as(admin)
    _import(client, training_yaml)

    response = client.post("/pipelines/training-sale/publish",
                           {"step_mapping": {"old_step": "nowhere"}})

    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "step_mapping.old_step": "Unknown step 'nowhere' in the new version."}
    assert PipelineVersion.objects.get().state == "draft"


def test_graph_svg_marks_the_current_step(api_as, admin, training_yaml):
    client = api_as(admin)
    _import(client, training_yaml, "?publish=true")

    response = client.get("/pipelines/training-sale/graph.svg", step="qualified")
    unknown = client.get("/pipelines/training-sale/graph.svg", step="nowhere")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response.content.startswith(b"<svg") or b"<svg" in response.content[:200]
    assert b"Qualified" in response.content
    assert unknown.status_code == 400


def test_discarding_the_only_draft_removes_the_new_pipeline(api_as, admin, training_yaml):
    client = api_as(admin)
    _import(client, training_yaml)

    assert client.delete("/pipelines/training-sale/draft").status_code == 204
    assert client.get("/pipelines/training-sale").status_code == 404


def test_custom_attributes_are_validated_and_listed(api_as, admin):
    client = api_as(admin)

    created = client.put("/attributes/account/budget", {"labels": {"en": "Budget"},
                                                        "type": "money"})
    bad = client.put("/attributes/account/Bad Key", {"labels": {}, "type": "colour"})
    builtin = client.put("/attributes/opportunity/value", {"labels": {"en": "V"},
                                                           "type": "number"})
    retype = client.put("/attributes/account/budget", {"type": "text"})
    listed = client.get("/attributes/account").json()

    assert created.status_code == 200
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"key", "type", "labels"}
    assert builtin.status_code == 422
    assert retype.status_code == 422
    assert [a["key"] for a in listed["items"]] == ["budget"]


def test_lookup_tables_are_kept_apart_per_record_type(api_as, admin):
    client = api_as(admin)
    client.put("/lookups/lead/source/website", {"label": "Website"})
    client.put("/lookups/opportunity/source/referral", {"label": "Referral"})

    leads = client.get("/lookups/lead", table="source").json()
    opportunities = client.get("/lookups/opportunity", table="source").json()
    bad = client.put("/lookups/account/source/x", {"label": "X"})
    bad_table = client.put("/lookups/lead/Bad Table/x", {"label": "X"})

    assert [v["key"] for v in leads["items"]] == ["website"]
    assert [v["key"] for v in opportunities["items"]] == ["referral"]
    assert bad.status_code == 422
    assert bad_table.status_code == 422
    assert LookupValue.objects.count() == 2


def test_publishing_again_keeps_an_administrators_attribute_and_lookup_edits(api_as, admin,
                                                                             training_yaml):
    client = api_as(admin)
    _import(client, training_yaml, "?publish=true")
    client.put("/attributes/opportunity/po_number", {"labels": {"en": "Purchase order"}})
    client.put("/lookups/opportunity/lost_reasons/price", {"label": "Too expensive"})

    _import(client, training_yaml.replace("name: Training sale", "name: Training"),
            "?publish=true")

    assert CustomAttribute.objects.get(key="po_number").labels == {"en": "Purchase order"}
    assert LookupValue.objects.get(table="lost_reasons", key="price").label == "Too expensive"
