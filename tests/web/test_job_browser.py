"""Won → job in headless chromium: the office opens the won opportunity's Job tab, confirms the
prefilled name and ticked estimate, and follows the link to the new job (S1 steps 17-20)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from stageflow.accounts import services as account_services
from stageflow.accounts.models import Account
from stageflow.core.models import Via
from stageflow.pipelines.services import preset_install
from stageflow.quotes.models import Estimate
from stageflow.sales import services as sales
from tests.jobs.fixtures import make_estimate, set_name_template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_office_creates_the_job_of_a_won_sale(page: Page, app_url, sign_in, admin,
                                                  make_user, north):
    preset_install(actor=admin, via=Via.CLI, key="field_service")
    set_name_template(admin, "{last_name} - {product}")
    make_user("office1", "office", north)
    rep = make_user("sales1", "salesperson", north)
    jane = account_services.account_create(actor=admin, via=Via.CLI, values={
        "name": "Jane Doe", "office": north.pk})
    deal = sales.record_create(actor=rep, via=Via.CLI, kind="opportunity", values={
        "title": "New furnace", "account": jane.pk,
        "attributes": {"marketing_source": "google", "product": "furnace_replacement"}})
    deal = sales.record_move_to_stage(actor=rep, via=Via.CLI, record=deal, stage="won")
    make_estimate(deal, "E1")
    chosen = make_estimate(deal, "E2", selected=True)
    sign_in(page, "office1")

    page.goto(f"{app_url}/opportunities/{deal.pk}/")
    page.get_by_role("link", name="Job", exact=True).click()
    expect(page.get_by_label("Job name")).to_have_value("Doe - Furnace Replacement")
    expect(page.get_by_role("checkbox", name="E2 Furnace selected")).to_be_checked()
    expect(page.get_by_role("checkbox", name="E1 Furnace")).not_to_be_checked()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Create the job").click()

    link = page.get_by_role("link", name="Doe - Furnace Replacement")
    expect(link).to_be_visible()
    link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Doe - Furnace Replacement")
    job = Account.objects.get(parent=jane)
    assert Estimate.objects.get(pk=chosen.pk).account == job
