"""/api/v1/public/leads, /api/v1/intake/leads and the administrator's /lead-forms and
/intake-sources: what each answers, to whom, and every refusal."""

from __future__ import annotations

import pytest

from stageflow.core.models import Via
from stageflow.intake import services
from stageflow.intake.models import IntakeSource, LeadForm, Submission
from stageflow.sales.models import Lead

RIVERSIDE = {"name": "Riverside Bakery", "email": "owner@riverside.example",
             "interest": "Commercial property"}


@pytest.fixture
def partner(admin, insurance):
    return services.intake_source_create(actor=admin, via=Via.API, values={
        "name": "Comparison site", "source": "Marketing campaign"})


def test_s5_public_opt_in_makes_a_lead_with_source_website_opt_in(api_as, insurance):
    response = api_as(None).post("/public/leads", RIVERSIDE)

    assert response.status_code == 201
    body = response.json()
    lead = Lead.objects.get(pk=body["id"])
    assert (body["source"], body["source_label"]) == ("website_opt_in", "Website opt-in")
    assert body["message"] == "Thank you! One of our agents will be in touch shortly."
    assert (lead.source, lead.attributes["interest"]) == ("website_opt_in",
                                                          "Commercial property")
    assert lead.account.name == "Riverside Bakery"


def test_public_lead_through_a_named_form(api_as, admin, insurance):
    services.lead_form_create(actor=admin, via=Via.API, values={
        "name": "Trade show", "slug": "trade-show", "source": "trade_show_business_card",
        "fields": [{"key": "contact_name", "required": True}, "email"]})

    response = api_as(None).post("/public/leads", {"form": "trade-show",
                                                   "contact_name": "Ann Smith"})

    assert response.status_code == 201
    assert Lead.objects.get(pk=response.json()["id"]).source == "trade_show_business_card"


def test_public_lead_refusals(api_as, insurance):
    client = api_as(None)

    unknown_form = client.post("/public/leads", {"form": "nope", **RIVERSIDE})
    invalid = client.post("/public/leads", {"name": "", "email": "bad", "secret": 1})
    malformed = client.post("/public/leads", "[1, 2]")
    not_json = client.post("/public/leads", "{", content_type="application/json")

    assert unknown_form.status_code == 404
    assert invalid.status_code == 422
    assert invalid.json()["error"]["fields"] == {
        "email": "Enter a valid email address.", "secret": "This form does not ask for this.",
        "name": "This field is required."}
    assert (malformed.status_code, not_json.status_code) == (400, 400)
    assert not Lead.objects.exists()


def test_public_lead_without_a_default_form_is_404(api_as, db):
    response = api_as(None).post("/public/leads", RIVERSIDE)

    assert response.status_code == 404
    assert response.json()["error"]["fields"] == {"form": "required: no default form"}


def test_public_honeypot_answers_201_and_creates_nothing(api_as, insurance):
    response = api_as(None).post("/public/leads", {**RIVERSIDE, "homepage": "x"})

    assert response.status_code == 201
    assert response.json()["id"] is None
    assert not Lead.objects.exists()


def test_public_rate_limit_answers_429_on_the_sixth(api_as, insurance):
    client = api_as(None)
    answers = [client.post("/public/leads", RIVERSIDE).status_code for _ in range(6)]

    assert answers == [201] * 5 + [429]
    assert client.post("/public/leads", RIVERSIDE).json()["error"]["code"] == "rate_limited"
    assert Lead.objects.count() == 5


def test_source_token_delivers_and_repeats_are_idempotent(api_as, partner):
    source, token = partner
    client = api_as(None)
    headers = {"Authorization": f"Bearer {token}"}
    body = {"external_id": "A-17", "contact_name": "Bo Lee", "email": "bo@example.com",
            "interest": "Fleet"}

    first = client.post("/intake/leads", body, headers=headers)
    again = client.post("/intake/leads", body, headers=headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["source"] == "marketing_campaign"
    assert first.json()["contact"]["name"] == "Bo Lee"
    assert Lead.objects.count() == 1
    source.refresh_from_db()
    assert source.last_used_at is not None


def test_source_refusals(api_as, admin, partner):
    source, token = partner
    client = api_as(None)

    nothing = client.post("/intake/leads", {"email": "a@example.com"})
    wrong = client.post("/intake/leads", {"email": "a@example.com"},
                        headers={"Authorization": "Bearer " + token[:-2] + "xx"})
    user_token = api_as(admin).post("/intake/leads", {"email": "a@example.com"})
    invalid = client.post("/intake/leads", {"phone": "12", "external_id": True},
                          headers={"Authorization": f"Bearer {token}"})
    services.intake_source_revoke(actor=admin, via=Via.API, source=source)
    revoked = client.post("/intake/leads", {"email": "a@example.com"},
                          headers={"Authorization": f"Bearer {token}"})

    assert [r.status_code for r in (nothing, wrong, user_token, revoked)] == [401] * 4
    assert invalid.status_code == 422
    assert set(invalid.json()["error"]["fields"]) == {"phone", "external_id"}
    assert not Lead.objects.exists()


def test_administrator_manages_lead_forms(api_as, admin, insurance):
    client = api_as(admin)

    created = client.post("/lead-forms", {
        "name": "Callback", "source": "Email query", "consent_text": "You may call me.",
        "fields": [{"key": "contact_name", "label": "Name", "required": True},
                   {"key": "phone", "required": True}]})
    form_id = created.json()["id"]
    changed = client.patch(f"/lead-forms/{form_id}", {"active": False, "version": 1})
    stale = client.patch(f"/lead-forms/{form_id}", {"name": "X", "version": 1})
    by_slug = client.get("/lead-forms/callback")
    listed = client.get("/lead-forms")

    assert created.status_code == 201
    assert created.json()["source"] == "email_query"
    assert created.json()["url"] == "/f/callback/"
    assert created.json()["embed_url"] == "/f/callback/?embed=1"
    assert created.json()["fields"][0] == {"key": "contact_name", "label": "Name",
                                           "required": True}
    assert (changed.status_code, changed.json()["active"]) == (200, False)
    assert stale.status_code == 409
    assert by_slug.json()["id"] == form_id
    assert listed.json()["count"] == 2
    assert client.delete(f"/lead-forms/{form_id}").status_code == 204
    assert not LeadForm.objects.filter(pk=form_id).exists()


def test_lead_form_refusals(api_as, admin, insurance):
    client = api_as(admin)

    unknown_source = client.post("/lead-forms", {"name": "A", "source": "Carrier pigeon",
                                                 "fields": ["email"]})
    taken = client.post("/lead-forms", {"name": "B", "slug": "website-opt-in",
                                        "fields": ["email"]})
    bad_fields = client.post("/lead-forms", {"name": "C", "fields": [{"key": "owner"}]})
    no_name = client.post("/lead-forms", {"fields": ["email"]})
    missing = client.get("/lead-forms/999")

    assert unknown_source.status_code == 422
    assert list(unknown_source.json()["error"]["fields"]) == ["source"]
    assert taken.json()["error"]["fields"] == {
        "slug": "Another form already uses this address name."}
    assert list(bad_fields.json()["error"]["fields"]) == ["fields"]
    assert no_name.status_code == 400
    assert missing.status_code == 404
    assert LeadForm.objects.count() == 1


def test_administrator_manages_intake_sources(api_as, admin, insurance):
    client = api_as(admin)

    created = client.post("/intake-sources", {"name": "Shop", "source": "marketing_campaign"})
    source_id = created.json()["id"]
    shown = client.get(f"/intake-sources/{source_id}")
    renamed = client.patch(f"/intake-sources/{source_id}", {"name": "Web shop"})
    revoked = client.post(f"/intake-sources/{source_id}/revoke")

    assert created.status_code == 201
    assert created.json()["token"].startswith(created.json()["token_prefix"])
    assert "token" not in shown.json()
    assert renamed.json()["name"] == "Web shop"
    assert revoked.json()["revoked_at"] is not None
    assert client.get("/intake-sources").json()["count"] == 1
    assert client.delete(f"/intake-sources/{source_id}").status_code == 204
    assert not IntakeSource.objects.exists()


@pytest.mark.parametrize("path", ["/lead-forms", "/intake-sources"])
def test_only_administrators_may_manage_intake(api_as, sales_north, office_north, insurance,
                                               path):
    anonymous = api_as(None).get(path)
    refused = [api_as(user).get(path).status_code for user in (sales_north, office_north)]
    create = api_as(sales_north).post(path, {"name": "Mine", "fields": ["email"]})

    assert anonymous.status_code == 401
    assert refused == [403, 403]
    assert create.status_code == 403
    assert LeadForm.objects.count() == 1
    assert not IntakeSource.objects.exists()


def test_non_administrators_cannot_change_or_revoke(api_as, sales_north, partner, insurance):
    source, _token = partner
    client = api_as(sales_north)

    assert client.patch("/lead-forms/website-opt-in", {"name": "Mine"}).status_code == 403
    assert client.post(f"/intake-sources/{source.pk}/revoke").status_code == 403
    assert client.delete(f"/intake-sources/{source.pk}").status_code == 403
    source.refresh_from_db()
    assert source.revoked_at is None


def test_lists_run_a_bounded_number_of_queries(api_as, admin, insurance,
                                               django_assert_max_num_queries):
    for number in range(5):
        services.lead_form_create(actor=admin, via=Via.API, values={
            "name": f"Form {number}", "fields": ["email"], "owner": admin.pk})
        services.intake_source_create(actor=admin, via=Via.API, values={
            "name": f"Source {number}", "owner": admin.pk})
    client = api_as(admin)

    with django_assert_max_num_queries(8):
        forms = client.get("/lead-forms")
    with django_assert_max_num_queries(8):
        sources = client.get("/intake-sources")

    assert (forms.json()["count"], sources.json()["count"]) == (6, 5)
    assert Submission.objects.count() == 0
