"""/api/v1/leads and /api/v1/opportunities: creation, transitions, conversion, follow-ons."""

from __future__ import annotations

import pytest

from stageflow.sales.models import Opportunity, StageChange


@pytest.fixture
def rep(make_user, north):
    return make_user("rep1", "salesperson", north)


def test_a_record_carries_its_place_and_the_transitions_open_to_it(api_as, training, rep):
    response = api_as(rep).post("/opportunities", {"title": "O1"})

    assert response.status_code == 201
    body = response.json()
    assert (body["pipeline"], body["stage"], body["step"], body["status"], body["version"]) == (
        "training-sale", "enquiry", "new_enquiry", "open", 1)
    assert body["stage_name"] == "Enquiry"
    assert body["instructions"] == "Call within 24h"
    assert body["transitions"] == [{"key": "T1", "name": "Qualify", "to": "qualified",
                                    "allowed": False,
                                    "missing": ["first_name", "last_name", "email"]}]


def test_s3_refused_transition_is_422_listing_fields_and_saves_nothing(api_as, training, rep):
    client = api_as(rep)
    record = client.post("/opportunities", {"title": "O1"}).json()

    refused = client.post(f"/opportunities/{record['id']}/transitions", {
        "transition": "T1", "values": {"first_name": "", "last_name": "Lee",
                                       "email": "lee@example.com"}})
    wrong_step = client.post(f"/opportunities/{record['id']}/transitions", {"transition": "T5"})
    after = client.get(f"/opportunities/{record['id']}").json()

    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "incomplete"
    assert list(refused.json()["error"]["fields"]) == ["first_name"]
    assert wrong_step.status_code == 409
    assert (after["step"], after["attributes"], after["version"]) == ("new_enquiry", {}, 1)


def test_s3_complete_transition_then_funnel_of_allowed_moves(api_as, training, rep):
    client = api_as(rep)
    record = client.post("/opportunities", {"title": "O1"}).json()

    moved = client.post(f"/opportunities/{record['id']}/transitions", {
        "transition": "T1", "version": 1,
        "values": {"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com"}})

    assert moved.status_code == 200
    body = moved.json()
    assert body["step"] == "qualified"
    assert [t["key"] for t in body["transitions"]] == ["T2"]
    # T1's triggers made the account and the contact from what was entered (S3 step 9).
    assert body["account"]["name"] == "O1"
    assert body["contact"]["name"] == "Ann Lee"
    changes = client.get(f"/opportunities/{record['id']}/stage-changes").json()
    assert [c["to_step"] for c in changes["items"]] == ["new_enquiry", "qualified"]


def test_stale_version_on_a_transition_is_409(api_as, training, rep):
    client = api_as(rep)
    record = client.post("/opportunities", {"title": "O1"}).json()
    client.patch(f"/opportunities/{record['id']}", {"description": "first"})

    response = client.post(f"/opportunities/{record['id']}/transitions",
                           {"transition": "T1", "values": {}},
                           headers={"If-Match": "1"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale"


def test_patch_stage_takes_the_transition_into_that_stage(api_as, training, rep):
    client = api_as(rep)
    record = client.post("/opportunities", {"title": "O1"}).json()
    client.post(f"/opportunities/{record['id']}/transitions", {
        "transition": "T1",
        "values": {"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com"}})

    moved = client.patch(f"/opportunities/{record['id']}", {"stage": "proposed"})
    nowhere = client.patch(f"/opportunities/{record['id']}", {"stage": "won"})

    assert moved.status_code == 200
    assert moved.json()["step"] == "proposal_sent"
    assert nowhere.status_code == 409


def test_follow_on_through_the_api(api_as, training, rep):
    client = api_as(rep)
    parent = client.post("/opportunities", {"title": "O1"}).json()

    child = client.post(f"/opportunities/{parent['id']}/follow-ons",
                        {"follow_on": "upsell", "name": "Acme - 3 more seats"})
    unnamed = client.post(f"/opportunities/{parent['id']}/follow-ons", {"follow_on": "upsell"})

    assert child.status_code == 201
    assert (child.json()["step"], child.json()["parent"]["id"]) == ("proposal_sent",
                                                                   parent["id"])
    assert client.get(f"/opportunities/{parent['id']}").json()["children"] == [
        {"id": child.json()["id"], "name": "Acme - 3 more seats"}]
    assert unnamed.status_code == 422
    listed = {r["id"]: r for r in client.get("/opportunities").json()["items"]}
    assert listed[parent["id"]]["children"] == [{"id": child.json()["id"],
                                                 "name": "Acme - 3 more seats"}]
    assert listed[child.json()["id"]]["parent"] == {"id": parent["id"], "name": "O1"}


def test_s5_qualify_converts_once_and_needs_the_criteria(api_as, insurance, make_user, north):
    agent = make_user("agent1", "sales_manager", north)
    client = api_as(agent)
    lead = client.post("/leads", {"title": "Riverside Bakery", "source": "website_opt_in"}).json()

    missing = client.post(f"/leads/{lead['id']}/convert",
                          {"values": {"interest_confirmed": True}})
    converted = client.post(f"/leads/{lead['id']}/convert", {
        "values": {"interest_confirmed": True, "purchasing_power": True}})
    again = client.post(f"/leads/{lead['id']}/convert", {})

    assert missing.status_code == 422
    assert list(missing.json()["error"]["fields"]) == ["purchasing_power"]
    assert converted.status_code == 201
    assert converted.json()["lead"] == {"id": lead["id"], "name": "Riverside Bakery"}
    assert converted.json()["stage"] == "develop"
    assert again.status_code == 409
    assert Opportunity.objects.count() == 1


def test_marketing_may_not_convert_leads(api_as, make_user, north, admin):
    from stageflow.core.models import Via
    from stageflow.pipelines.services import preset_install

    preset_install(actor=admin, via=Via.CLI, key="recruitment")
    marketer = make_user("mkt1", "marketing", north)
    client = api_as(marketer)
    lead = client.post("/leads", {"title": "Lead B"})

    response = client.post(f"/leads/{lead.json()['id']}/convert", {})

    assert lead.status_code == 201
    assert response.status_code == 403
    assert not Opportunity.objects.exists()


def test_records_of_another_office_are_404(api_as, training, rep, make_user, south):
    stranger = make_user("stranger", "salesperson", south)
    record = api_as(rep).post("/opportunities", {"title": "Mine"}).json()
    client = api_as(stranger)

    assert client.get(f"/opportunities/{record['id']}").status_code == 404
    assert client.post(f"/opportunities/{record['id']}/transitions",
                       {"transition": "T1"}).status_code == 404
    assert client.get("/opportunities").json()["count"] == 0


def test_tags_and_contacts_with_roles(api_as, training, rep, make_contact):
    client = api_as(rep)
    record = client.post("/opportunities", {"title": "O1"}).json()
    bob = make_contact(rep, "Stone")

    tagged = client.post(f"/opportunities/{record['id']}/tags", {"tag": "Hot"})
    linked = client.put(f"/opportunities/{record['id']}/contacts/{bob.pk}",
                        {"role": "Decision maker"})
    relinked = client.put(f"/opportunities/{record['id']}/contacts/{bob.pk}",
                          {"role": "Influencer"})
    by_tag = client.get("/opportunities", tag="Hot").json()

    assert tagged.json()["tags"] == ["Hot"]
    assert linked.json()["role"] == "Decision maker"
    assert relinked.json()["role"] == "Influencer"
    assert by_tag["count"] == 1
    untagged = client.delete(f"/opportunities/{record['id']}/tags/Hot")
    assert untagged.json()["tags"] == []


def test_views_mine_and_created_by_me(api_as, training, rep, make_user, north):
    colleague = make_user("colleague", "sales_manager", north)
    client = api_as(colleague)
    client.post("/opportunities", {"title": "For rep", "owner": rep.pk})
    client.post("/opportunities", {"title": "Mine"})

    mine = client.get("/opportunities", view="mine").json()
    created = client.get("/opportunities", view="created_by_me").json()
    reps = api_as(rep).get("/opportunities", view="mine").json()

    assert [r["title"] for r in mine["items"]] == ["Mine"]
    assert created["count"] == 2
    assert [r["title"] for r in reps["items"]] == ["For rep"]


@pytest.mark.parametrize("rows", [3, 30])
def test_list_queries_do_not_grow_with_rows(api_as, training, admin, rows,
                                           django_assert_max_num_queries):
    from stageflow.core.models import Via
    from stageflow.sales import services

    for i in range(rows):
        services.record_create(actor=admin, via=Via.CLI, kind="opportunity",
                               values={"title": f"O{i}"})
    client = api_as(admin)
    client.get("/opportunities", limit=1)

    with django_assert_max_num_queries(9):
        response = client.get("/opportunities", limit=100)

    assert response.json()["count"] == rows
    assert StageChange.objects.count() == rows
