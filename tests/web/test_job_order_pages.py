"""The job orders tab of leads and opportunities (recruitment pack)."""

from __future__ import annotations

import pytest
from django.test import Client

from stageflow.core.models import Via
from stageflow.packs.recruitment.models import JobOrder, Placement
from stageflow.pipelines.services import preset_install
from stageflow.sales import services


@pytest.fixture
def manager(make_user, north):
    return make_user("am1", "sales_manager", north)


@pytest.fixture
def leads(admin, manager):
    preset_install(actor=admin, via=Via.CLI, key="recruitment")
    return [services.record_create(actor=manager, via=Via.CLI, kind="lead",
                                   values={"title": title}) for title in ("Lead B", "Lead C")]


@pytest.fixture
def signed_in(manager) -> Client:
    client = Client()
    client.force_login(manager)
    return client


def test_new_add_refused_link_remove_and_place(signed_in, leads, manager, make_contact):
    lead_b, lead_c = leads
    htmx = {"HX-Request": "true"}

    created = signed_in.post(f"/job-orders/lead/{lead_b.pk}/new/", {"title": "JO1"},
                             headers=htmx)
    jo2 = JobOrder.objects.create(title="JO2", owner=manager, office=manager.offices.first())
    signed_in.post(f"/job-orders/lead/{lead_b.pk}/add/", {"job_order": jo2.pk})
    refused = signed_in.post(f"/job-orders/lead/{lead_c.pk}/add/", {"job_order": jo2.pk},
                             headers=htmx)
    candidate = make_contact(manager, "Candidate", first_name="Cara")
    jo1 = JobOrder.objects.get(title="JO1")
    placed = signed_in.post(f"/job-orders/lead/{lead_b.pk}/{jo1.pk}/place/",
                            {"candidate": candidate.pk, "starts_on": "2027-01-04"},
                            headers=htmx)

    assert created.status_code == 200
    assert "JO1" in created.content.decode()
    assert "already related to lead" in refused.content.decode()
    jo2.refresh_from_db()
    assert jo2.lead == lead_b
    assert "Cara Candidate" in placed.content.decode()
    assert Placement.objects.get().job_order == jo1

    signed_in.post(f"/job-orders/lead/{lead_b.pk}/{jo2.pk}/remove/")
    jo2.refresh_from_db()
    assert jo2.lead is None


def test_the_tab_of_an_unknown_kind_or_unseen_record_is_not_found(signed_in, leads, make_user,
                                                                 south):
    stranger = make_user("stranger", "salesperson", south)
    client = Client()
    client.force_login(stranger)

    assert signed_in.get(f"/job-orders/account/{leads[0].pk}/").status_code == 404
    assert client.get(f"/job-orders/lead/{leads[0].pk}/").status_code == 404
    assert signed_in.get(f"/leads/{leads[0].pk}/", {"tab": "job-orders"}).status_code == 200
