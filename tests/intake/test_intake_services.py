"""Receiving leads: through the sales service (rules run), honeypot, rate limit, matching,
idempotent deliveries, and the administrator's checks on forms."""

from __future__ import annotations

import datetime as dt

import pytest

from stageflow.accounts.models import Account, Contact
from stageflow.activities.models import Notification
from stageflow.automation.services import rule_save
from stageflow.core.errors import InvalidInput, NotAllowed, NotSignedIn
from stageflow.core.history import history_of
from stageflow.core.models import Via
from stageflow.intake import services
from stageflow.intake.models import LeadForm, Submission
from stageflow.sales.models import Lead

RIVERSIDE = {"name": "Riverside Bakery", "email": "owner@riverside.example",
             "interest": "Commercial property"}


def test_preset_brings_the_default_website_opt_in_form(opt_in):
    assert (opt_in.name, opt_in.source, opt_in.is_default) == (
        "Website opt-in", "website_opt_in", True)
    assert opt_in.pipeline.key == "insurance_agency_leads"


def test_submission_makes_a_lead_with_the_forms_source_account_and_history(opt_in):
    received = services.form_submit(form=opt_in, data=RIVERSIDE, ip_address="203.0.113.9",
                                    via=Via.WEB)

    lead = received.lead
    assert received.created
    assert (lead.title, lead.source, lead.attributes) == (
        "Riverside Bakery", "website_opt_in", {"interest": "Commercial property"})
    assert (lead.pipeline.key, lead.stage) == ("insurance_agency_leads", "new")
    assert lead.account.name == "Riverside Bakery"
    assert lead.account.email == "owner@riverside.example"
    created = history_of(lead).get(action="created")
    assert created.via == "web"
    assert created.summary == ("Received through the form “Website opt-in” from "
                               "203.0.113.9")
    submission = Submission.objects.get()
    assert (submission.form, submission.lead, submission.ip_address) == (
        opt_in, lead, "203.0.113.9")


def test_created_rules_run_assignment_and_notification(opt_in, admin, make_user, north):
    agent = make_user("agent1", "salesperson", north)
    rule_save(actor=admin, values={
        "key": "assign-web", "name": "Web leads to agent1", "event": "lead.created",
        "conditions": {}, "actions": [{"action": "assign_owner",
                                       "params": {"strategy": "user", "user": "agent1"}}]})

    lead = services.form_submit(form=opt_in, data=RIVERSIDE, ip_address="203.0.113.9",
                                via=Via.WEB).lead

    lead.refresh_from_db()
    assert lead.owner == agent
    assert Notification.objects.filter(recipient=agent, url=lead.get_absolute_url()).count() == 1


def test_filled_honeypot_creates_nothing(opt_in):
    received = services.form_submit(form=opt_in, data={**RIVERSIDE, "homepage": "http://spam"},
                                    ip_address="203.0.113.9", via=Via.WEB)

    assert (received.lead, received.created) == (None, False)
    assert not Lead.objects.exists()
    assert not Account.objects.exists()
    assert Submission.objects.get().outcome == "spam"


def test_sixth_submission_from_one_address_within_ten_minutes_is_refused(opt_in):
    for _ in range(5):
        services.form_submit(form=opt_in, data=RIVERSIDE, ip_address="203.0.113.9",
                             via=Via.WEB)

    with pytest.raises(services.RateLimited) as refused:
        services.form_submit(form=opt_in, data=RIVERSIDE, ip_address="203.0.113.9",
                             via=Via.WEB)
    other = services.form_submit(form=opt_in, data=RIVERSIDE, ip_address="198.51.100.7",
                                 via=Via.WEB)

    assert refused.value.http_status == 429
    assert other.created
    assert Lead.objects.count() == 6


def test_rate_limit_window_passes(opt_in, monkeypatch):
    from stageflow.core import clock

    start = clock.now()
    for _ in range(5):
        services.form_submit(form=opt_in, data=RIVERSIDE, ip_address="203.0.113.9",
                             via=Via.WEB)
    monkeypatch.setattr(clock, "now", lambda: start + dt.timedelta(minutes=11))

    assert services.form_submit(form=opt_in, data=RIVERSIDE, ip_address="203.0.113.9",
                                via=Via.WEB).created


def test_invalid_submission_names_fields_and_writes_nothing(opt_in):
    with pytest.raises(InvalidInput) as refused:
        services.form_submit(form=opt_in, data={"email": "not an email", "colour": "red"},
                             ip_address="203.0.113.9", via=Via.WEB)

    assert refused.value.fields == {"email": "Enter a valid email address.",
                                    "colour": "This form does not ask for this.",
                                    "name": "This field is required."}
    assert not Lead.objects.exists()
    assert not Submission.objects.exists()


def test_consent_box_must_be_ticked_and_is_recorded(make_form):
    form = make_form(consent_text="I agree to be contacted.")
    data = {"contact_name": "Ann Smith", "email": "ann@example.com"}

    with pytest.raises(InvalidInput) as refused:
        services.form_submit(form=form, data=data, ip_address="203.0.113.9", via=Via.WEB)
    services.form_submit(form=form, data={**data, "consent": "on"}, ip_address="203.0.113.9",
                         via=Via.WEB)

    assert refused.value.fields == {"consent": "Please tick the box to agree."}
    assert Submission.objects.get().consent == "I agree to be contacted."


def test_second_identical_enquiry_matches_the_contact_and_account(make_form):
    form = make_form(fields=["name", "contact_name", "email", "message"])
    data = {"name": "Lakeside Ltd", "contact_name": "Ann Smith", "email": "Ann@Example.com",
            "message": "Call me"}

    first = services.form_submit(form=form, data=data, ip_address="203.0.113.9",
                                 via=Via.WEB).lead
    second = services.form_submit(form=form, data={**data, "name": "lakeside ltd"},
                                  ip_address="203.0.113.9", via=Via.WEB).lead

    assert Lead.objects.count() == 2
    assert (Contact.objects.count(), Account.objects.count()) == (1, 1)
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name, contact.email) == (
        "Ann", "Smith", "Ann@example.com")
    assert first.contact == second.contact == contact
    assert first.account == second.account
    assert list(contact.account_links.values_list("account__name", flat=True)) == [
        "Lakeside Ltd"]
    assert first.description == "Call me"


def test_inactive_attribute_errors_and_required_attribute_checks(make_form, admin):
    with pytest.raises(InvalidInput) as refused:
        make_form(slug="bad", fields=[{"key": "email"}, {"key": "nope"}])
    with pytest.raises(InvalidInput) as empty:
        make_form(slug="empty", fields=[])

    assert "“nope”" in refused.value.fields["fields"]
    assert empty.value.fields == {"fields": "Choose at least one field for the form to ask."}
    assert not LeadForm.objects.filter(slug__in=["bad", "empty"]).exists()


def test_only_administrators_manage_forms(make_form, sales_north):
    with pytest.raises(NotAllowed):
        services.lead_form_create(actor=sales_north, via=Via.API,
                                  values={"name": "Mine", "fields": ["email"]})


def test_naming_a_new_default_form_takes_the_flag_from_the_old(opt_in, make_form):
    form = make_form(is_default=True)

    opt_in.refresh_from_db()
    assert (form.is_default, opt_in.is_default) == (True, False)


def test_source_delivery_is_idempotent_by_external_id(partner):
    source, _token = partner
    data = {"external_id": "A-17", "contact_name": "Bo Lee", "email": "bo@example.com"}

    first = services.source_submit(source=source, data=data, via=Via.API)
    again = services.source_submit(source=source, data=data, via=Via.API)

    assert (first.created, again.created) == (True, False)
    assert again.lead == first.lead
    assert first.lead.source == "marketing_campaign"
    assert Lead.objects.count() == 1


def test_revoked_source_receives_nothing(partner, admin):
    source, _token = partner
    services.intake_source_revoke(actor=admin, via=Via.API, source=source)

    with pytest.raises(NotSignedIn):
        services.source_submit(source=source, data={"email": "x@example.com"}, via=Via.API)
    assert not Lead.objects.exists()


def test_source_token_is_kept_only_as_a_hash(partner):
    from stageflow.intake.selectors import source_for_token

    source, token = partner

    assert token not in (source.token_hash, source.token_prefix)
    assert source_for_token(token) == source
    assert source_for_token(token[:-1] + "x") is None
