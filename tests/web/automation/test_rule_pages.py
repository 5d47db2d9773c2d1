"""The automation rule screens through Django's test client: list, form, toggle, delete."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from stageflow.automation.models import Firing, Rule
from stageflow.automation.services import rule_save
from stageflow.core.models import Via
from stageflow.pipelines.services import preset_install
from stageflow.presets import preset_keys
from tests.web.automation.page_forms import form_fields, submit

NEW = "/automation/rules/new/"


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _edit_url(rule: Rule) -> str:
    return f"/automation/rules/{rule.pk}/"


def _error_at(response: Any, field_id: str) -> str:
    """The error message shown under the input with `field_id`, or "" when there is none."""
    found = re.search(rf'id="{re.escape(field_id)}-error">([^<]*)<', response.content.decode())
    return found.group(1) if found else ""


# --- the list ----------------------------------------------------------------------------------

def test_rules_list_groups_rules_by_record_type_with_their_event_and_pipeline(as_admin,
                                                                               recruitment):
    page = _text(as_admin.get("/automation/rules/"))

    leads, opportunities = page.split("Rules on opportunities")
    assert "Rules on leads" in leads
    assert "New leads join the &quot;New leads&quot; group" in leads
    assert "has not been changed for a number of days" in leads
    assert "Won opportunities join the &quot;Won this quarter&quot; group" in opportunities
    assert "stage is changed to" in opportunities
    assert "Recruitment opportunities" in opportunities or "in</span> Opportunities" in page


def test_rules_from_a_pipeline_file_carry_a_badge_and_say_publishing_replaces_them(as_admin,
                                                                                  recruitment):
    page = _text(as_admin.get("/automation/rules/"))

    assert page.count('class="badge badge-file"') == 4
    assert "again replaces this rule with the file’s version." in page


def test_a_rule_the_system_switched_off_says_why(as_admin, make_rule):
    rule = make_rule()
    Rule.objects.filter(pk=rule.pk).update(active=False,
                                           problem="actions.1.stage: No stage “gone”.")

    page = _text(as_admin.get("/automation/rules/"))

    assert "<strong>Switched off:</strong> actions.1.stage: No stage “gone”." in page
    assert 'class="badge badge-off">Off' in page


def test_each_rule_shows_when_it_last_fired_and_how_it_went(as_admin, make_rule, make_firing):
    rule = make_rule()
    make_firing(rule, outcome=Firing.Outcome.DONE)
    make_firing(rule, outcome=Firing.Outcome.FAILED)  # the newest, made last at the same time

    page = _text(as_admin.get("/automation/rules/"))

    assert "Last fired" in page
    assert 'class="outcome outcome-failed">Failed, undone' in page


def test_a_rule_that_never_fired_says_so(as_admin, make_rule):
    make_rule()

    assert "Has not fired yet" in _text(as_admin.get("/automation/rules/"))


def test_empty_rules_list_explains_rules_with_an_example_and_offers_a_new_rule(as_admin):
    page = _text(as_admin.get("/automation/rules/"))

    assert "No rules yet" in page
    assert "For example:" in page
    assert f'href="{NEW}" role="button">New rule' in page


def test_rules_list_runs_as_many_queries_for_50_rules_as_for_5(as_admin, make_rule, make_firing,
                                                               django_assert_max_num_queries):
    def add_rules(first: int, last: int) -> None:
        for number in range(first, last):
            make_firing(make_rule(f"Rule {number}", key=f"rule-{number}"))

    add_rules(0, 5)
    as_admin.get("/automation/rules/")
    with django_assert_max_num_queries(6) as five:
        five_page = _text(as_admin.get("/automation/rules/"))
    add_rules(5, 50)
    with django_assert_max_num_queries(6) as fifty:
        fifty_page = _text(as_admin.get("/automation/rules/"))

    assert (five_page.count('class="rule-row'), fifty_page.count('class="rule-row')) == (5, 50)
    assert len(fifty) == len(five)


def test_settings_home_links_to_the_rules_and_the_log(as_admin, recruitment):
    page = _text(as_admin.get("/settings/"))

    assert 'href="/automation/rules/">Automation rules' in page
    assert 'href="/automation/log/">Automation log' in page


# --- creating and editing ----------------------------------------------------------------------

def test_create_a_rule_from_the_fields(as_admin):
    response = submit(as_admin, NEW, {
        "name": "Quote tag on new opportunities", "key": "quote_tag",
        "event": "opportunity.created", "conditions-status": "open",
        "actions-0-action": "add_tag", "actions-0-tag": "Quote", "actions-0-target": "account"})

    rule = Rule.objects.get(key="quote_tag")
    assert response.status_code == 302
    assert response["Location"] == f"/automation/rules/#rule-{rule.pk}"
    assert (rule.name, rule.event, rule.record_type, rule.active, rule.pipeline) == (
        "Quote tag on new opportunities", "opportunity.created", "opportunity", True, None)
    assert rule.conditions == {"status": "open"}
    assert rule.actions == [{"action": "add_tag",
                             "params": {"tag": "Quote", "target": "account"}}]


def test_the_key_is_made_from_the_name_when_left_empty(as_admin, make_rule):
    make_rule("Welcome", key="welcome")

    submit(as_admin, NEW, {"name": "Welcome", "event": "opportunity.created",
                           "actions-0-action": "add_tag", "actions-0-tag": "New"})

    assert Rule.objects.filter(key="welcome_2", name="Welcome").exists()


def test_the_fields_build_a_timed_rule_with_comparisons_and_ordered_actions(as_admin,
                                                                           recruitment):
    response = submit(as_admin, NEW, {
        "name": "Chase quiet leads", "key": "chase", "event": "lead.last_modified_older_than",
        "pipeline": "recruitment_leads", "conditions-days": "14",
        "conditions-unless_planned_activity": "on", "conditions-stage_group": ["open"],
        "conditions-stage": ["l_new", "l_cont"], "conditions-tags": "Hot, Priority ",
        "conditions-tag": "ignored: not a tag event",
        "where-0-field": "priority", "where-0-op": "in", "where-0-value": "high, urgent",
        "where-1-field": "source", "where-1-op": "empty", "where-1-value": "x",
        "conditions-match": "any",
        "actions-0-action": "set_stage", "actions-0-stage": "l_dorm", "actions-0-order": "2",
        "actions-1-action": "create_task", "actions-1-subject": "Call them",
        "actions-1-due_in_days": "3", "actions-1-assign_to": "owner", "actions-1-order": "1",
        "actions-2-action": "add_tag", "actions-2-tag": "Dropped", "actions-2-remove": "on",
        "actions-2-order": "3"})

    rule = Rule.objects.get(key="chase")
    assert response.status_code == 302
    assert rule.pipeline is not None
    assert rule.pipeline.key == "recruitment_leads"
    assert rule.conditions == {
        "stage": ["l_new", "l_cont"], "stage_group": "open", "tags": ["Hot", "Priority"],
        "days": 14, "unless_planned_activity": True,
        "where": [{"field": "priority", "op": "in", "value": ["high", "urgent"]},
                  {"field": "source", "op": "empty"}],
        "match": "any"}
    assert rule.actions == [
        {"action": "create_task",
         "params": {"subject": "Call them", "due_in_days": 3}},
        {"action": "set_stage", "params": {"stage": "l_dorm"}}]


def test_a_field_event_names_the_changed_field_and_an_email_a_typed_address(as_admin, admin):
    submit(as_admin, NEW, {
        "name": "Value changed", "key": "value_changed", "event": "opportunity.field_changed",
        "conditions-field": "value", "actions-0-action": "call_webhook",
        "actions-0-url": "https://example.com/hook"})

    rule = Rule.objects.get(key="value_changed")
    assert rule.conditions == {"field": "value"}
    assert rule.actions == [{"action": "call_webhook",
                             "params": {"url": "https://example.com/hook"}}]


def test_the_form_shows_a_stored_rule_as_its_fields(as_admin, recruitment):
    rule = Rule.objects.get(key="t3_dormant_after_14_days")

    response = as_admin.get(_edit_url(rule))
    fields = form_fields(response.content.decode(), "rule-form")

    assert fields["event"] == ["lead.last_modified_older_than"]
    assert fields["pipeline"] == ["recruitment_leads"]
    assert fields["conditions-days"] == ["14"]
    assert fields["conditions-stage_group"] == ["open"]
    assert fields["actions-0-action"] == ["set_stage"]
    assert fields["actions-0-stage"] == ["l_dorm"]
    assert fields["version"] == [str(rule.version)]
    assert yaml.safe_load(fields["rule_yaml"][0])["conditions"] == {"days": 14,
                                                                   "stage_group": "open"}


@pytest.mark.parametrize("preset", preset_keys())
def test_every_rule_a_preset_brings_saves_unchanged_through_the_form(as_admin, admin, preset):
    preset_install(actor=admin, via=Via.WEB, key=preset)
    rules = list(Rule.objects.filter(problem=""))

    for rule in rules:
        response = submit(as_admin, _edit_url(rule))
        assert response.status_code == 302, _text(response)

    for rule in rules:
        saved = Rule.objects.get(pk=rule.pk)
        assert (saved.name, saved.event, saved.pipeline_id, saved.active) == (
            rule.name, rule.event, rule.pipeline_id, rule.active)
        assert saved.conditions == rule.conditions
        assert saved.actions == rule.actions


def test_an_edit_changes_the_rule_and_its_version(as_admin, make_rule):
    rule = make_rule()

    submit(as_admin, _edit_url(rule), {"name": "Renamed", "actions-0-tag": "Follow up"})

    saved = Rule.objects.get(pk=rule.pk)
    assert saved.name == "Renamed"
    assert saved.actions == [{"action": "add_tag", "params": {"tag": "Follow up"}}]
    assert saved.version == rule.version + 1


def test_changed_yaml_wins_over_the_fields(as_admin, make_rule):
    rule = make_rule()
    text = yaml.safe_dump({"name": "From YAML", "event": "opportunity.won",
                           "conditions": {"tags": ["VIP"]},
                           "actions": [{"action": "remove_tag", "params": {"tag": "Quote"}}]})

    response = submit(as_admin, _edit_url(rule), {"name": "From the fields",
                                                  "rule_yaml": text})

    saved = Rule.objects.get(pk=rule.pk)
    assert response.status_code == 302
    assert (saved.name, saved.event, saved.key) == ("From YAML", "opportunity.won", rule.key)
    assert saved.conditions == {"tags": ["VIP"]}
    assert saved.actions == [{"action": "remove_tag", "params": {"tag": "Quote"}}]


def test_a_new_rule_can_be_written_in_yaml_alone(as_admin):
    text = ("name: Tag leads\nevent: lead.created\n"
            "actions:\n- action: add_tag\n  params: {tag: New}\n")

    submit(as_admin, NEW, {"rule_yaml": text})

    rule = Rule.objects.get(key="tag_leads")
    assert rule.actions == [{"action": "add_tag", "params": {"tag": "New"}}]


def test_yaml_that_does_not_parse_is_refused_at_the_yaml_box(as_admin, make_rule):
    rule = make_rule()

    response = submit(as_admin, _edit_url(rule), {"rule_yaml": "name: [unclosed"})

    assert response.status_code == 422
    assert _error_at(response, "id_rule_yaml").startswith("This is not valid YAML")
    assert 'class="advanced" open' in response.content.decode()
    assert Rule.objects.get(pk=rule.pk).version == rule.version


def test_an_unknown_stage_is_shown_at_that_actions_stage_input(as_admin, recruitment):
    response = submit(as_admin, NEW, {
        "name": "Move won", "key": "move_won", "event": "opportunity.won",
        "pipeline": "recruitment_opportunities",
        "actions-0-action": "add_tag", "actions-0-tag": "Won",
        "actions-1-action": "set_stage", "actions-1-stage": "nowhere", "actions-1-order": "2"})

    assert response.status_code == 422
    assert _error_at(response, "id_actions-1-stage") == "No stage “nowhere” in this pipeline."
    assert _error_at(response, "id_actions-0-tag") == ""
    assert "“nowhere” (not in the list)" in response.content.decode()
    assert not Rule.objects.filter(key="move_won").exists()


def test_errors_in_yaml_land_on_the_inputs_the_yaml_fills(as_admin, recruitment):
    text = yaml.safe_dump({
        "name": "Broken", "key": "broken", "event": "opportunity.won",
        "pipeline": "recruitment_opportunities",
        "actions": [{"action": "add_tag", "params": {"tag": "Won"}},
                    {"action": "set_stage", "params": {"stage": "nowhere"}}]})

    response = submit(as_admin, NEW, {"rule_yaml": text})

    assert response.status_code == 422
    assert _error_at(response, "id_actions-1-stage") == "No stage “nowhere” in this pipeline."
    assert form_fields(response.content.decode(), "rule-form")["rule_yaml"] == [text]


def test_a_timed_rule_without_days_says_so_at_the_days_input(as_admin):
    response = submit(as_admin, NEW, {
        "name": "Idle", "key": "idle", "event": "opportunity.in_stage_longer_than",
        "actions-0-action": "add_tag", "actions-0-tag": "Idle"})

    assert "1 to 3650" in _error_at(response, "id_conditions-days")
    assert not Rule.objects.filter(key="idle").exists()


def test_the_fields_the_rule_itself_has_show_their_errors(as_admin):
    response = submit(as_admin, NEW, {"name": "", "key": "Not A Key", "event": ""})

    assert _error_at(response, "id_key") == "Lower-case letters, digits, - and _, at most 80."
    assert _error_at(response, "id_name") == "Required."
    assert Rule.objects.count() == 0


def _top_errors(response: Any) -> str:
    return _text(response).split('role="alert"')[1].split("</div>")[0]


@pytest.mark.parametrize(("extra", "shown"), [
    ({"conditions": {"pipeline": "nope"}}, "No pipeline “nope”. (conditions.pipeline)"),
    ({"colour": "red"}, "Unknown field. (colour)"),
])
def test_errors_without_an_input_are_listed_above_the_form(as_admin, extra, shown):
    text = yaml.safe_dump({"name": "Odd", "key": "odd", "event": "opportunity.created",
                           "actions": [{"action": "add_tag", "params": {"tag": "X"}}],
                           **extra})

    response = submit(as_admin, NEW, {"rule_yaml": text})

    assert "The rule cannot be saved." in _top_errors(response)
    assert shown in _top_errors(response)
    assert not Rule.objects.filter(key="odd").exists()


def test_a_rule_needs_an_action_and_says_so_above_the_actions(as_admin):
    response = submit(as_admin, NEW, {"name": "Nothing", "key": "nothing",
                                      "event": "opportunity.created"})

    assert "A rule needs at least one action." in _text(response)
    assert Rule.objects.count() == 0


def test_a_stale_version_shows_the_conflict_and_changes_nothing(as_admin, admin, make_rule):
    rule = make_rule()
    url = _edit_url(rule)
    fields = form_fields(as_admin.get(url).content.decode(), "rule-form")
    rule_save(actor=admin, values={"name": "Changed elsewhere"}, rule=rule)
    fields["name"] = ["Mine"]

    response = as_admin.post(url, fields)

    assert response.status_code == 422
    assert "This record was changed by someone else" in _text(response)
    assert "Load the current version" in _text(response)
    assert Rule.objects.get(pk=rule.pk).name == "Changed elsewhere"


def test_without_javascript_show_the_inputs_redraws_the_form_and_saves_nothing(as_admin):
    fields = form_fields(as_admin.get(NEW).content.decode(), "rule-form")
    fields.update({"name": ["Draft"], "event": ["opportunity.tag_added"],
                   "actions-0-action": ["send_email"], "refresh": ["1"]})

    response = as_admin.post(NEW, fields)
    page = response.content.decode()

    assert response.status_code == 200
    assert Rule.objects.count() == 0
    assert re.search(r'<div class="condition" data-needs="tag">', page)
    assert re.search(r'<div class="param" data-actions="[^"]*send_email[^"]*">\s*'
                     r'<label for="id_actions-0-template"', page)
    assert not re.search(r'<div class="param" data-actions="set_stage">', page)


def test_a_rule_from_a_file_says_publishing_replaces_it(as_admin, recruitment):
    rule = Rule.objects.get(key="t1_new_leads_group")

    page = _text(as_admin.get(_edit_url(rule)))

    assert "publishing that pipeline again replaces it with the file’s version" in page


def test_an_unknown_rule_is_not_found(as_admin):
    assert as_admin.get("/automation/rules/999/").status_code == 404


# --- switching on and off, deleting ------------------------------------------------------------

def test_the_toggle_switches_a_rule_off_and_on(as_admin, make_rule):
    rule = make_rule()

    off = as_admin.post(f"/automation/rules/{rule.pk}/toggle/",
                        {"active": "0", "version": rule.version})
    switched_off = Rule.objects.get(pk=rule.pk)
    as_admin.post(f"/automation/rules/{rule.pk}/toggle/",
                  {"active": "1", "version": switched_off.version})

    assert off.status_code == 302
    assert off["Location"] == f"/automation/rules/#rule-{rule.pk}"
    assert switched_off.active is False
    assert Rule.objects.get(pk=rule.pk).active is True


def test_the_toggle_will_not_switch_on_a_broken_rule(as_admin, make_rule):
    rule = make_rule()
    Rule.objects.filter(pk=rule.pk).update(
        active=False, actions=[{"action": "set_stage", "params": {"stage": "gone"}}],
        problem="actions.1.stage: No stage “gone” in this pipeline.")

    response = as_admin.post(f"/automation/rules/{rule.pk}/toggle/",
                             {"active": "1", "version": rule.version}, follow=True)

    assert "was not changed: No stage “gone” in this pipeline." in _text(response)
    assert Rule.objects.get(pk=rule.pk).active is False


def test_the_toggle_refuses_a_stale_version(as_admin, admin, make_rule):
    rule = make_rule()
    rule_save(actor=admin, values={"name": "Changed elsewhere"}, rule=rule)

    response = as_admin.post(f"/automation/rules/{rule.pk}/toggle/",
                             {"active": "0", "version": rule.version}, follow=True)

    assert "changed by someone else" in _text(response)
    assert Rule.objects.get(pk=rule.pk).active is True


def test_delete_asks_first_then_deletes_and_keeps_the_log(as_admin, make_rule, make_firing):
    rule = make_rule()
    firing = make_firing(rule)
    url = f"/automation/rules/{rule.pk}/delete/"

    question = as_admin.get(url)
    assert Rule.objects.filter(pk=rule.pk).exists()
    response = as_admin.post(url, {"version": rule.version})

    assert "Delete the rule “Tag new opportunities”?" in _text(question)
    assert response.status_code == 302
    assert not Rule.objects.filter(pk=rule.pk).exists()
    firing.refresh_from_db()
    assert firing.rule is None


def test_delete_of_a_changed_rule_says_so_and_keeps_it(as_admin, admin, make_rule):
    rule = make_rule()
    rule_save(actor=admin, values={"name": "Changed elsewhere"}, rule=rule)

    response = as_admin.post(f"/automation/rules/{rule.pk}/delete/", {"version": rule.version})

    assert "changed by someone else" in _text(response)
    assert Rule.objects.filter(pk=rule.pk).exists()


# --- who may -----------------------------------------------------------------------------------

RULE_PAGES = ("/automation/rules/", NEW, "/automation/rules/{id}/",
              "/automation/rules/{id}/delete/", "/automation/log/")


@pytest.mark.parametrize("url", RULE_PAGES)
def test_only_workspace_managers_see_the_automation_pages(browser_as, sales_north, make_rule,
                                                          url):
    rule = make_rule()

    response = browser_as(sales_north).get(url.format(id=rule.pk))

    assert response.status_code == 403


@pytest.mark.parametrize("url", RULE_PAGES)
def test_the_automation_pages_need_a_signed_in_user(client, make_rule, url):
    rule = make_rule()

    response = client.get(url.format(id=rule.pk))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_others_can_neither_change_toggle_nor_delete_a_rule(browser_as, sales_north, make_rule):
    rule = make_rule()
    client = browser_as(sales_north)

    edit = client.post(_edit_url(rule), {"name": "Mine", "version": rule.version})
    toggle = client.post(f"/automation/rules/{rule.pk}/toggle/",
                         {"active": "0", "version": rule.version})
    delete = client.post(f"/automation/rules/{rule.pk}/delete/", {"version": rule.version})

    assert (edit.status_code, toggle.status_code, delete.status_code) == (403, 403, 403)
    saved = Rule.objects.get(pk=rule.pk)
    assert (saved.name, saved.active, saved.version) == (rule.name, True, rule.version)


def test_the_toggle_only_takes_a_post(as_admin, make_rule):
    rule = make_rule()

    assert as_admin.get(f"/automation/rules/{rule.pk}/toggle/").status_code == 405


def test_a_dry_run_shows_what_the_rule_would_have_done_and_saves_nothing(as_admin, admin,
                                                                         recruitment):
    from stageflow.sales import services as sales

    won = sales.record_create(actor=admin, via=Via.API, kind="opportunity",
                              values={"title": "Big win"})
    sales.record_move_to_stage(actor=admin, via=Via.API, record=won, stage="o_won")
    rules_before = Rule.objects.count()

    response = submit(as_admin, NEW, {
        "name": "Celebrate", "event": "opportunity.won", "dry_run": "1",
        "actions-0-action": "add_tag", "actions-0-tag": "Celebrated"})

    page = _text(response)
    assert response.status_code == 200
    assert "Dry run: nothing was saved or sent" in page
    assert "It would have acted on 1 record" in page
    assert "Big win" in page
    assert Rule.objects.count() == rules_before
    assert not won.tags.filter(name="Celebrated").exists()


def test_the_list_says_each_rules_conditions_in_a_line(as_admin, recruitment):
    page = _text(as_admin.get("/automation/rules/"))

    assert "has not been changed for a number of days (stage group open · days 14)" in page
    assert "stage is changed to (stage o_won)" in page
