"""Intake pages: the public form (plain and embedded, honeypot, limit, errors) and the
administrator's forms and sources; one browser run from the form to the lead."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from stageflow.core.models import Via
from stageflow.intake import services
from stageflow.intake.models import IntakeSource, LeadForm, Submission
from stageflow.sales.models import Lead

FILLED = {"name": "Riverside Bakery", "contact_name": "Ann Smith",
          "email": "ann@riverside.example", "interest": "Commercial property"}


def _client(user=None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def test_public_form_draws_the_fields_and_may_be_framed_only_when_embedded(insurance):
    client = _client()

    plain = client.get("/f/website-opt-in/")
    embedded = client.get("/f/website-opt-in/?embed=1")

    text = plain.content.decode()
    assert plain.status_code == 200
    assert 'name="interest"' in text
    assert 'name="homepage"' in text
    assert "What cover are you interested in?" in text
    assert plain["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in plain["Content-Security-Policy"]
    assert "X-Frame-Options" not in embedded
    assert "frame-ancestors *" in embedded["Content-Security-Policy"]
    assert 'action="/f/website-opt-in/?embed=1"' in embedded.content.decode()


def test_sending_the_form_makes_the_lead_and_thanks_without_a_csrf_cookie(insurance):
    response = _client().post("/f/website-opt-in/?embed=1", FILLED)

    assert response.status_code == 302
    assert response["Location"] == "/f/website-opt-in/thanks/?embed=1"
    lead = Lead.objects.get()
    assert (lead.source, lead.contact.last_name) == ("website_opt_in", "Smith")
    thanks = _client().get(response["Location"])
    assert "One of our agents will be in touch shortly." in thanks.content.decode()
    assert "X-Frame-Options" not in thanks


def test_errors_are_shown_next_to_the_fields_and_what_was_typed_is_kept(insurance):
    response = _client().post("/f/website-opt-in/",
                              {"name": "<b>Bakery</b>", "email": "nope"})

    text = response.content.decode()
    assert response.status_code == 422
    assert "Enter a valid email address." in text
    assert "&lt;b&gt;Bakery&lt;/b&gt;" in text
    assert not Lead.objects.exists()


def test_honeypot_gets_the_thanks_and_the_limit_a_429_page(insurance):
    client = _client()
    trapped = client.post("/f/website-opt-in/", {**FILLED, "homepage": "http://x"})
    for _ in range(4):
        client.post("/f/website-opt-in/", FILLED)

    limited = client.post("/f/website-opt-in/", FILLED)

    assert trapped["Location"] == "/f/website-opt-in/thanks/"
    assert limited.status_code == 429
    assert "Too many messages were sent from your address" in limited.content.decode()
    assert Lead.objects.count() == 4
    assert Submission.objects.filter(outcome="spam").count() == 1


def test_closed_or_unknown_form_is_404(insurance, admin):
    form = LeadForm.objects.get()
    services.lead_form_update(actor=admin, via=Via.API, form=form, values={"active": False})

    assert _client().get("/f/website-opt-in/").status_code == 404
    assert _client().get("/f/nope/").status_code == 404


def test_administrator_creates_a_form_from_the_field_table(admin, insurance):
    client = _client(admin)
    page = client.get("/intake/forms/new/")
    assert page.status_code == 200

    response = client.post("/intake/forms/new/", {
        "name": "Callback", "source": "email_query", "active": "on",
        "ask__contact_name": "on", "required__contact_name": "on", "position__contact_name": 2,
        "ask__phone": "on", "label__phone": "Best number", "position__phone": 1,
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value})

    form = LeadForm.objects.get(slug="callback")
    assert response["Location"] == f"/intake/forms/{form.pk}/"
    assert form.fields == [{"key": "phone", "label": "Best number", "required": False},
                           {"key": "contact_name", "label": "", "required": True}]
    edit = client.get(response["Location"]).content.decode()
    assert '&lt;iframe src="http://testserver/f/callback/?embed=1"' in edit
    assert "data-copy=\"embed-snippet\"" in edit


def test_form_without_fields_explains_why(admin, insurance):
    client = _client(admin)
    client.get("/intake/forms/new/")

    response = client.post("/intake/forms/new/", {
        "name": "Empty", "csrfmiddlewaretoken": client.cookies["csrftoken"].value})

    assert response.status_code == 200
    assert "Choose at least one field for the form to ask." in response.content.decode()
    assert not LeadForm.objects.filter(name="Empty").exists()


def test_new_source_shows_its_token_once(admin, insurance):
    client = _client(admin)
    client.get("/intake/sources/new/")

    response = client.post("/intake/sources/new/", {
        "name": "Shop", "source": "marketing_campaign",
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value})

    token = re.search(r'id="source-token" value="([^"]+)"', response.content.decode()).group(1)
    source = IntakeSource.objects.get()
    assert services.selectors.source_for_token(token) == source
    assert token not in client.get(f"/intake/sources/{source.pk}/").content.decode()


def test_intake_pages_are_for_administrators_only(sales_north, insurance):
    client = _client(sales_north)

    assert client.get("/intake/").status_code == 403
    assert client.get("/intake/forms/new/").status_code == 403
    assert _client().get("/intake/").status_code == 302


def test_intake_list_runs_a_bounded_number_of_queries(admin, insurance,
                                                      django_assert_max_num_queries):
    for number in range(4):
        services.lead_form_create(actor=admin, via=Via.API, values={
            "name": f"<i>Form {number}</i>", "fields": ["email"], "owner": admin.pk})
        services.intake_source_create(actor=admin, via=Via.API,
                                      values={"name": f"Source {number}"})
    client = _client(admin)
    client.get("/intake/")

    with django_assert_max_num_queries(14):
        response = client.get("/intake/")

    text = response.content.decode()
    assert "&lt;i&gt;Form 3&lt;/i&gt;" in text
    assert "Source 3" in text


@pytest.mark.django_db(transaction=True)
def test_browser_visitor_fills_the_form_and_the_lead_exists(app_url, page, admin):
    from stageflow.pipelines.services import preset_install

    preset_install(actor=admin, via=Via.CLI, key="insurance_agency")

    page.goto(f"{app_url}/f/website-opt-in/")
    page.get_by_label("Business name").fill("Riverside Bakery")
    page.get_by_label("Your name").fill("Ann Smith")
    page.get_by_label("Email").fill("ann@riverside.example")
    page.get_by_label("What cover are you interested in?").fill("Commercial property")
    page.get_by_role("button", name="Send").click()

    page.wait_for_url(f"{app_url}/f/website-opt-in/thanks/")
    assert page.get_by_role("heading", name="Thank you").is_visible()
    lead = Lead.objects.get()
    assert (lead.title, lead.source) == ("Riverside Bakery", "website_opt_in")
