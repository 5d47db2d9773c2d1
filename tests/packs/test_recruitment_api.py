"""S2's job orders and placements: one lead and one opportunity per job order at most."""

from __future__ import annotations

import pytest

from stageflow.core.models import Via
from stageflow.packs.recruitment.models import JobOrder
from stageflow.pipelines.services import preset_install


@pytest.fixture
def recruitment(admin):
    preset_install(actor=admin, via=Via.CLI, key="recruitment")


@pytest.fixture
def manager(make_user, north):
    return make_user("am1", "sales_manager", north)


def test_job_order_cardinality_and_placements(api_as, recruitment, manager, make_contact):
    client = api_as(manager)
    lead_b = client.post("/leads", {"title": "Lead B"}).json()
    lead_c = client.post("/leads", {"title": "Lead C"}).json()
    opportunity = client.post("/opportunities", {"title": "X"}).json()

    jo1 = client.post("/job-orders", {"title": "JO1", "lead": lead_b["id"]})
    jo2 = client.post("/job-orders", {"title": "JO2"}).json()
    added = client.post(f"/job-orders/{jo2['id']}/links",
                        {"record_type": "lead", "record_id": lead_b["id"]})
    refused = client.post(f"/job-orders/{jo2['id']}/links",
                          {"record_type": "lead", "record_id": lead_c["id"]})
    also_opportunity = client.post(f"/job-orders/{jo2['id']}/links",
                                   {"record_type": "opportunity",
                                    "record_id": opportunity["id"]})

    assert jo1.status_code == 201
    assert added.json()["related_to"]["lead"] == {"id": lead_b["id"], "name": "Lead B"}
    assert refused.status_code == 409
    assert "Lead B" in refused.json()["error"]["message"]
    assert also_opportunity.status_code == 201
    assert [j["title"] for j in client.get("/job-orders", opportunity=opportunity["id"]).json()[
        "items"]] == ["JO2"]

    candidate = make_contact(manager, "Candidate")
    unlinked = client.post("/job-orders", {"title": "JO3"}).json()
    placed = client.post(f"/job-orders/{jo1.json()['id']}/placements",
                         {"candidate": candidate.pk, "starts_on": "2027-01-04"})
    client.post(f"/job-orders/{unlinked['id']}/placements", {"candidate": candidate.pk})
    on_lead = client.get("/placements", lead=lead_b["id"]).json()

    assert placed.status_code == 201
    assert [p["job_order"]["name"] for p in on_lead["items"]] == ["JO1"]


def test_placement_dates_are_checked(api_as, recruitment, manager, make_contact):
    client = api_as(manager)
    job_order = client.post("/job-orders", {"title": "JO"}).json()
    candidate = make_contact(manager, "Candidate")

    response = client.post(f"/job-orders/{job_order['id']}/placements", {
        "candidate": candidate.pk, "starts_on": "2027-02-01", "ends_on": "2027-01-01"})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["ends_on"]


def test_job_orders_follow_scope(api_as, recruitment, manager, make_user, south):
    stranger = make_user("stranger", "sales_manager", south)
    job_order = api_as(manager).post("/job-orders", {"title": "JO"}).json()

    # Sales managers see every office's job orders; salespeople only their own office's.
    assert api_as(stranger).get(f"/job-orders/{job_order['id']}").status_code == 200
    salesperson = make_user("sales_s", "salesperson", south)
    assert api_as(salesperson).get(f"/job-orders/{job_order['id']}").status_code == 404
    assert JobOrder.objects.count() == 1
