"""Pages of work queues, the Job tab, the Questions tab and the Payment methods tab."""
# ruff: noqa: F811 - the shared S1 fixtures are imported, then requested by name

from __future__ import annotations

import pytest
from django.test import Client

from stageflow.accounts.models import Account, PaymentMethod
from stageflow.core.models import Via
from stageflow.pipelines.services import preset_install
from stageflow.qualification.models import Answer, QuestionSet
from stageflow.qualification.services import question_set_create
from stageflow.queues.models import WorkQueue
from stageflow.sales.models import Opportunity
from stageflow.sales.services import record_tag
from tests.jobs.fixtures import (  # noqa: F401
    deal,
    field_service,
    jane,
    make_deal,
    make_estimate,
    set_name_template,
)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def pom(admin):
    preset_install(actor=admin, via=Via.CLI, key="quote_schedule")


def _tag_many(user, make_account, count: int, tag: str = "Sales Followup") -> None:
    for number in range(count):
        account = make_account(user, f"<b>Customer {number}</b>")
        record_tag(actor=user, via=Via.API, record=account, tag_name=tag)


def test_the_queue_menu_lists_each_queue_with_its_count_in_bounded_queries(
        pom, office_north, make_account, django_assert_max_num_queries):
    _tag_many(office_north, make_account, 3)
    client = _client(office_north)
    client.get("/queues/menu/")

    with django_assert_max_num_queries(3 + 8):
        response = client.get("/queues/menu/")

    text = response.content.decode()
    assert response.status_code == 200
    assert "Sales Followup" in text
    assert ">3<" in text
    assert "hx-get=\"/queues/menu/\"" in client.get("/").content.decode()


def test_the_queue_page_lists_entries_escaped_in_bounded_queries(
        pom, office_north, make_account, django_assert_max_num_queries):
    _tag_many(office_north, make_account, 8)
    queue = WorkQueue.objects.get(slug="sales-followup")
    client = _client(office_north)
    client.get(f"/queues/{queue.pk}/")

    with django_assert_max_num_queries(14):
        response = client.get(f"/queues/{queue.pk}/")

    text = response.content.decode()
    assert text.count("&lt;b&gt;Customer") == 8
    assert "<b>Customer" not in text


def test_an_empty_queue_says_so(pom, office_north):
    queue = WorkQueue.objects.get(slug="schedule")

    text = _client(office_north).get(f"/queues/{queue.pk}/").content.decode()

    assert "Nothing in this queue" in text


def test_a_manager_creates_edits_and_deletes_a_queue(admin):
    client = _client(admin)

    created = client.post("/queues/new/", {
        "name": "Quote", "record_type": "account", "tags": "Quote, Priority",
        "owner_filter": "anyone", "office_filter": "any", "age_basis": "tagged",
        "max_age_days": "7", "position": "0"})
    queue = WorkQueue.objects.get()
    refused = client.post(f"/queues/{queue.pk}/edit/", {
        "name": "Quote", "record_type": "account", "owner_filter": "anyone",
        "office_filter": "any", "age_basis": "stage", "version": "1"})
    client.post(f"/queues/{queue.pk}/delete/")

    assert created.status_code == 302
    assert queue.tags == ["Quote", "Priority"]
    assert refused.status_code == 200
    assert "Accounts have no stage." in refused.content.decode()
    assert not WorkQueue.objects.exists()


def test_others_may_not_manage_queues(pom, office_north):
    client = _client(office_north)
    queue = WorkQueue.objects.get(slug="quote")

    assert client.get("/queues/new/").status_code == 403
    assert client.post(f"/queues/{queue.pk}/delete/").status_code == 403
    assert "New queue" not in client.get("/queues/").content.decode()
    assert WorkQueue.objects.count() == 3


def test_the_job_tab_creates_the_job_named_by_the_template(admin, office_north, jane, deal):
    set_name_template(admin, "{last_name} - {product}")
    selected = make_estimate(deal, "E2", selected=True)
    client = _client(office_north)

    form = client.get(f"/jobs/opportunity/{deal.pk}/").content.decode()
    created = client.post(f"/jobs/opportunity/{deal.pk}/create/",
                          {"name": "Doe - Furnace Replacement", "estimates": [selected.pk]})
    after = client.get(f"/jobs/opportunity/{deal.pk}/").content.decode()

    job = Account.objects.get(parent=jane)
    assert 'value="Doe - Furnace Replacement"' in form
    assert created.status_code == 302
    assert job.get_absolute_url() in after


def test_the_job_tab_explains_why_there_is_no_form(sales_north, office_north, make_deal):
    open_deal = make_deal(won=False)
    won = make_deal()

    before_sale = _client(office_north).get(f"/jobs/opportunity/{open_deal.pk}/")
    salesperson = _client(sales_north).get(f"/jobs/opportunity/{won.pk}/")

    assert "once the sale is won" in before_sale.content.decode()
    assert "your role does not allow it" in salesperson.content.decode()


def test_a_refused_job_shows_the_reason_and_writes_nothing(office_north, jane, deal):
    response = _client(office_north).post(f"/jobs/opportunity/{deal.pk}/create/", {"name": ""})

    assert response.status_code == 422
    assert "no naming template is set" in response.content.decode()
    assert not Account.objects.filter(parent=jane).exists()


def test_the_questions_tab_saves_answers_and_shows_qualified(admin, sales_north, make_deal):
    question_set_create(actor=admin, via=Via.CLI, values={
        "name": "Furnace", "product": "furnace_replacement", "questions": [
            {"key": "q1", "text": "Homeowner decides?", "kind": "yes_no",
             "needed_to_qualify": True, "qualifying_answers": [True]}]})
    open_deal = make_deal(won=False)
    question = QuestionSet.objects.get().questions.get()
    client = _client(sales_north)

    saved = client.post(f"/questions/opportunity/{open_deal.pk}/", {f"q-{question.pk}": "yes"})
    shown = client.get(f"/questions/opportunity/{open_deal.pk}/").content.decode()

    assert saved.status_code == 302
    assert Answer.objects.get().value is True
    assert Opportunity.objects.get(pk=open_deal.pk).attributes["qualified"] is True
    assert "qualified-badge" in shown


def test_a_manager_keeps_question_sets(admin, field_service):
    client = _client(admin)

    created = client.post("/questions/new/", {
        "name": "Furnace", "purpose": "qualification", "product": "furnace_replacement",
        "active": "on", "questions-TOTAL_FORMS": "2", "questions-INITIAL_FORMS": "0",
        "questions-0-text": "Budget confirmed?", "questions-0-kind": "yes_no",
        "questions-0-needed_to_qualify": "on", "questions-0-qualifying_answers": "yes",
        "questions-1-text": "", "questions-1-kind": "text"})
    bad = client.post("/questions/new/", {
        "name": "Colours", "purpose": "profile", "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "0", "questions-0-text": "Colour?",
        "questions-0-kind": "choice"})

    question = QuestionSet.objects.get().questions.get()
    assert created.status_code == 302
    assert (question.text, question.qualifying_answers) == ("Budget confirmed?", [True])
    assert "Question 1 · choices" in bad.content.decode()
    assert _client(admin).get("/questions/").status_code == 200


def test_the_payment_methods_tab_keeps_and_removes_a_card(office_north, sales_north, jane):
    client = _client(office_north)

    client.post(f"/jobs/cards/account/{jane.pk}/add/", {"token": "pm_secret123", "provider": "test",
                                                        "brand": "Visa", "last4": "1881"})
    refused = client.post(f"/jobs/cards/account/{jane.pk}/add/",
                          {"token": "tok_x", "label": "4242 4242 4242 4242"})
    shown = client.get(f"/jobs/cards/account/{jane.pk}/").content.decode()
    card = PaymentMethod.objects.get()
    read_only = _client(sales_north).get(f"/jobs/cards/account/{jane.pk}/").content.decode()
    client.post(f"/jobs/cards/account/{jane.pk}/{card.pk}/delete/")

    assert refused.status_code == 422
    assert "Card numbers are never stored." in refused.content.decode()
    assert "Visa ••1881" in shown
    assert "pm_secret123" not in shown
    assert "Keep a card on file" not in read_only
    assert not PaymentMethod.objects.exists()


def test_tabs_of_the_wrong_kind_or_unseen_records_are_not_found(sales_south, jane, deal):
    client = _client(sales_south)

    assert client.get(f"/jobs/opportunity/{deal.pk}/").status_code == 404
    assert client.get(f"/jobs/cards/lead/{jane.pk}/").status_code == 404
    assert client.get(f"/questions/account/{jane.pk}/").status_code == 404
