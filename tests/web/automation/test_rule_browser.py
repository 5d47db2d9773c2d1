"""The rule form in headless chromium, with its script: building a rule without typing YAML."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from stageflow.automation.models import Rule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_build_a_rule_that_tags_new_opportunities_and_see_it_in_the_list(page: Page, app_url,
                                                                          sign_in, admin):
    sign_in(page, "admin")
    page.goto(f"{app_url}/automation/rules/")
    page.get_by_role("button", name="New rule").first.click()

    page.locator("#id_name").fill("Tag new opportunities")
    expect(page.locator("#id_key")).to_have_value("tag_new_opportunities")
    expect(page.locator("#id_conditions-days")).to_be_hidden()
    page.locator("#id_event").select_option(label="Opportunity — is created")
    tag = page.locator("#id_actions-0-tag")
    expect(tag).to_be_hidden()
    page.locator("#id_actions-0-action").select_option(label="Add a tag")
    expect(page.locator("#id_actions-0-stage")).to_be_hidden()
    tag.fill("X")
    page.get_by_role("button", name="Save the rule").click()

    expect(page.get_by_role("status")).to_contain_text("Rule “Tag new opportunities” saved.")
    row = page.locator(".rule-row", has_text="Tag new opportunities")
    expect(row).to_contain_text("is created")
    expect(row).to_contain_text("Add a tag")
    rule = Rule.objects.get(key="tag_new_opportunities")
    assert (rule.event, rule.actions) == (
        "opportunity.created", [{"action": "add_tag", "params": {"tag": "X"}}])


def test_actions_added_moved_and_removed_in_the_form_are_saved_in_that_order(
        page: Page, app_url, sign_in, admin):
    sign_in(page, "admin")
    page.goto(f"{app_url}/automation/rules/new/")
    page.locator("#id_name").fill("Welcome")
    page.locator("#id_event").select_option("opportunity.created")
    page.locator("#id_actions-0-action").select_option("add_tag")
    page.locator("#id_actions-0-tag").fill("First")

    for tag in ("Second", "Dropped"):
        page.get_by_role("button", name="Add an action").click()
        row = page.locator("[data-rows=actions] > li").last
        row.locator("select[name$='-action']").select_option("add_tag")
        row.locator("input[name$='-tag']").fill(tag)
    rows = page.locator("[data-rows=actions] > li")
    rows.nth(2).get_by_role("button", name="Remove this action").click()
    rows.nth(1).get_by_role("button", name="Move this action up").click()
    page.get_by_role("button", name="Add a comparison").click()
    page.locator("[data-rows=where] select[name$='-field']").select_option("value")
    page.locator("[data-rows=where] select[name$='-op']").select_option("gt")
    page.locator("[data-rows=where] input[name$='-value']").fill("1000")
    page.get_by_role("button", name="Save the rule").click()

    expect(page.get_by_role("status")).to_contain_text("Rule “Welcome” saved.")
    rule = Rule.objects.get(key="welcome")
    assert [item["params"]["tag"] for item in rule.actions] == ["Second", "First"]
    assert rule.conditions == {"where": [{"field": "value", "op": "gt", "value": "1000"}]}
