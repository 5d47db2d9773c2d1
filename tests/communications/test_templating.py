"""Templates run in the sandbox: merge fields are checked by name, merged values are data."""

from __future__ import annotations

import pytest

from stageflow.communications.models import MessageTemplate
from stageflow.communications.templating import (
    merge_context,
    render,
    render_text,
    unknown_merge_fields,
)
from stageflow.core.errors import InvalidInput


@pytest.mark.parametrize(("source", "unknown"), [
    ("{{ record.title }} {{ record.attributes.po_number }} {{ company.terms }}", []),
    ("{{ record['title'] }} {{ today.year }} {{ record.title.upper() }}", []),
    ("{% for key, value in record.attributes.items() %}{{ key }}{% endfor %}", []),
    ("{% set who = contact.first_name %}{{ who }} {{ range(3)|list }}", []),
    ("{{ record.value }} {{ record.expected_close_date|date }}", []),
    ("{{ record.attributes.shoe_size }}", ["record.attributes.shoe_size"]),
    ("{{ record.colour }} {{ record.colour }} {{ secret }}", ["record.colour", "secret"]),
    ("{{ owner.phone }}", ["owner.phone"]),
])
def test_unknown_merge_fields_of_an_opportunity_template(training, source, unknown):
    assert unknown_merge_fields(source, "opportunity") == unknown


def test_merge_fields_depend_on_the_record_type(training):
    assert unknown_merge_fields("{{ record.value }}", "lead") == ["record.value"]
    assert unknown_merge_fields("{{ record.value }}", "") == []
    assert unknown_merge_fields("{{ record.name }}", "account") == []
    assert unknown_merge_fields("{{ record.stage }}", "account") == ["record.stage"]


def test_merged_values_are_escaped_in_documents_but_not_in_text(opportunity, sales_north):
    from stageflow.sales.models import Opportunity

    Opportunity.objects.filter(pk=opportunity.pk).update(title="<b>Big</b> & co")
    opportunity.refresh_from_db()
    document = MessageTemplate(kind="document", body="<h1>{{ record.title }}</h1>")
    email = MessageTemplate(kind="email", subject="{{ record.title }}",
                            body="{{ record.title }}")

    assert render(document, opportunity, "en").body == (
        "<h1>&lt;b&gt;Big&lt;/b&gt; &amp; co</h1>")
    assert render(email, opportunity, "en").body == "<b>Big</b> & co"


def test_stage_names_follow_the_language(opportunity):
    template = MessageTemplate(kind="email", subject="", body="{{ record.stage }}")

    assert render(template, opportunity, "nl").body == "Aanvraag"
    assert render(template, opportunity, "en").body == "Enquiry"


def test_a_subject_is_one_line_whatever_is_merged(opportunity):
    from stageflow.sales.models import Opportunity

    Opportunity.objects.filter(pk=opportunity.pk).update(title="Line\r\nBcc: x@evil.example")
    opportunity.refresh_from_db()
    template = MessageTemplate(kind="email", subject="Re: {{ record.title }}", body=".")

    assert render(template, opportunity, "en").subject == "Re: Line Bcc: x@evil.example"


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__ }}",
    "{{ record.__class__ }}",
    "{{ 'x' * 100000000 }}",
    "{{ 2 ** 100000 }}",
    "{{ record.attributes.clear() }}",
])
def test_the_sandbox_refuses_what_a_template_must_not_do(opportunity, source):
    context = merge_context(opportunity, "en")

    with pytest.raises(InvalidInput) as refused:
        render_text(kind="email", subject="", body=source, context=context)

    assert list(refused.value.fields) == ["body"]


def test_an_undefined_name_names_the_field_that_failed(opportunity):
    context = merge_context(opportunity, "en")

    with pytest.raises(InvalidInput) as refused:
        render_text(kind="email", subject="{{ nothing }}", body="fine", context=context)

    assert refused.value.fields == {"subject": "Unknown merge field: 'nothing' is undefined"}


def test_empty_values_print_as_nothing(opportunity):
    context = merge_context(opportunity, "en")

    rendered = render_text(kind="email", subject="",
                           body="[{{ record.expected_close_date }}][{{ account.phone }}]",
                           context=context)

    assert rendered.body == "[][]"


def test_account_and_contact_records_have_their_own_fields(jane, make_account, sales_north,
                                                          company):
    from stageflow.accounts.services import contact_link_account
    from stageflow.core.models import Via

    account = make_account(sales_north, "Initech", billing_city="Utrecht",
                           billing_street="Main 1")
    contact_link_account(actor=sales_north, via=Via.CLI, contact=jane, account=account)
    template = MessageTemplate(kind="email", subject="",
                               body="{{ record.name }}|{{ record.billing_address }}|"
                                    "{{ contact.name }}|{{ account.name }}")

    for_contact = MessageTemplate(kind="email", subject="",
                                  body="{{ record.name }}|{{ record.mobile }}|"
                                       "{{ contact.name }}|{{ account.name }}")

    assert render(template, account, "en").body == "Initech|Main 1\nUtrecht|Jane Doe|Initech"
    assert render(for_contact, jane, "en").body == "Jane Doe|+31612345678|Jane Doe|Initech"
    with pytest.raises(InvalidInput):
        render(template, jane, "en")  # a contact has no billing address
