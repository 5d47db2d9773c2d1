"""The configuration screens through Django's test client, and the editor's dict changes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from stageflow import engine
from stageflow.core.models import Via
from stageflow.pipelines import registry, selectors, services
from stageflow.pipelines.models import CustomAttribute, LookupValue, Pipeline, PipelineVersion
from stageflow.presets import preset_keys, read_preset_meta
from stageflow.web.config import editing

TRAINING = Path(__file__).resolve().parents[1] / "engine" / "fixtures" / "training_opportunity.yaml"


@pytest.fixture
def browser_as(db: None) -> Callable[[Any], Client]:
    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def training(admin: Any) -> Pipeline:
    """S3's training pipeline, published (version 1 live, no draft)."""
    services.pipeline_import(actor=admin, via=Via.CLI, text=TRAINING.read_text(),
                             file_format="yaml", publish=True)
    return Pipeline.objects.get(key="training-sale")


def _draft(pipeline: Pipeline) -> dict[str, Any]:
    draft = selectors.draft_of(pipeline)
    assert draft is not None
    return draft.definition


def _live(pipeline: Pipeline) -> dict[str, Any]:
    pipeline.refresh_from_db()
    assert pipeline.live_version is not None
    return pipeline.live_version.definition


def _stage(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    found = editing.find(data, "stages", key)
    assert found is not None
    return found


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- editing: pure functions -----------------------------------------------------------------

BASE: dict[str, Any] = {
    "key": "p", "record_type": "opportunity", "name": "P",
    "stages": [{"key": "a", "position": 10, "is_default": True},
               {"key": "b", "position": 20, "allowed_next": ["c"]},
               {"key": "c", "position": 30, "status": "won"}],
    "steps": [{"key": "s1", "name": "S1", "stage": "a"}],
    "transitions": [{"key": "t", "name": "T", "from": "s1", "to": "s1"}],
}


def test_put_item_adds_an_item_and_refuses_a_used_key():
    changed = editing.put_item(BASE, "stages", {"key": "d", "names": {"en": "D"}})

    assert editing.keys(changed, "stages") == ["a", "b", "c", "d"]
    assert _stage(changed, "d")["position"] == 40
    assert editing.keys(BASE, "stages") == ["a", "b", "c"]
    with pytest.raises(editing.EditRefused) as refused:
        editing.put_item(BASE, "stages", {"key": "a"})
    assert refused.value.fields == {"key": "'a' is already used"}


def test_put_item_keeps_fields_the_form_does_not_know_and_drops_emptied_ones():
    data = editing.put_item(BASE, "stages", {"templates": [{"kind": "email", "key": "x"}]},
                            key="b")

    changed = editing.put_item(data, "stages", {"code": "B", "allowed_next": None}, key="b")

    assert _stage(changed, "b") == {"key": "b", "position": 20, "code": "B",
                                    "templates": [{"kind": "email", "key": "x"}]}


def test_making_a_stage_the_default_clears_the_flag_elsewhere():
    changed = editing.put_item(BASE, "stages", {"is_default": True}, key="c")

    assert [stage.get("is_default") for stage in changed["stages"]] == [None, None, True]


def test_reorder_and_move_renumber_positions_in_funnel_order():
    reordered = editing.reorder_stages(BASE, ["c", "a"])
    moved = editing.move_stage(BASE, "a", +1)

    assert [(s["key"], s["position"]) for s in reordered["stages"]] == [
        ("c", 10), ("a", 20), ("b", 30)]
    assert editing.stage_order(moved) == ["b", "a", "c"]
    assert editing.stage_order(editing.move_stage(BASE, "a", -1)) == ["a", "b", "c"]


def test_deleting_a_stage_removes_it_from_allowed_next_and_references_are_listed():
    assert editing.references_to(BASE, "stages", "c") == ["stages[1].allowed_next"]
    assert editing.references_to(BASE, "stages", "a") == ["steps[0].stage"]
    assert editing.references_to(BASE, "steps", "s1") == ["transitions[0].from",
                                                          "transitions[0].to"]

    changed = editing.delete_item(BASE, "stages", "c")

    assert editing.keys(changed, "stages") == ["a", "b"]
    assert "allowed_next" not in _stage(changed, "b")


def test_suggest_key_locate_and_pairs():
    assert editing.suggest_key("Proposal Sent!", ["proposal_sent"]) == "proposal_sent_2"
    assert editing.suggest_key("…", [], fallback="stage") == "stage"
    assert editing.locate("transitions[3].required[0]") == ("transitions", 3, "required[0]")
    assert editing.locate("stages") is None
    assert editing.parse_pairs("price: Too expensive\n\nTiming\n") == [
        ("price", "Too expensive"), ("timing", "Timing")]


# --- permissions -----------------------------------------------------------------------------

def _config_urls(key: str) -> Iterable[str]:
    yield from ("/settings/", "/settings/presets/", "/settings/import/",
                f"/settings/pipelines/{key}/", f"/settings/pipelines/{key}/?tab=graph",
                f"/settings/pipelines/{key}/stages/new/",
                f"/settings/pipelines/{key}/stages/enquiry/",
                f"/settings/pipelines/{key}/transitions/T1/delete/",
                "/settings/attributes/lead/", "/settings/attributes/lead/new/",
                "/settings/lookups/opportunity/")


def _config_posts(key: str) -> Iterable[str]:
    yield from ("/settings/presets/training/install/", "/settings/import/",
                f"/settings/pipelines/{key}/edit/", f"/settings/pipelines/{key}/publish/",
                f"/settings/pipelines/{key}/discard/", f"/settings/pipelines/{key}/default/",
                f"/settings/pipelines/{key}/rename/", f"/settings/pipelines/{key}/yaml/",
                f"/settings/pipelines/{key}/stages/reorder/",
                f"/settings/pipelines/{key}/stages/enquiry/move/",
                f"/settings/pipelines/{key}/stages/new/",
                f"/settings/pipelines/{key}/stages/enquiry/",
                f"/settings/pipelines/{key}/stages/enquiry/delete/",
                "/settings/attributes/lead/new/", "/settings/lookups/lead/source/new/")


@pytest.mark.parametrize("role", ["salesperson", "office"])
def test_only_administrators_open_or_change_the_configuration(browser_as, make_user, north,
                                                              training, role):
    client = browser_as(make_user("someone", role, north))
    before = list(PipelineVersion.objects.values_list("pk", "state"))
    attributes_before = list(CustomAttribute.objects.values_list("key", "labels"))

    gets = {url: client.get(url).status_code for url in _config_urls(training.key)}
    posts = {url: client.post(url, {"name": "x", "text": "x", "order": "won,lost",
                                    "direction": "up", "label": "x"}).status_code
             for url in _config_posts(training.key)}

    assert set(gets.values()) == {403}, gets
    assert set(posts.values()) == {403}, posts
    assert list(PipelineVersion.objects.values_list("pk", "state")) == before
    assert list(CustomAttribute.objects.values_list("key", "labels")) == attributes_before
    assert not LookupValue.objects.filter(table="source").exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/settings/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# --- home, presets and import ----------------------------------------------------------------

def test_first_run_screen_lists_every_preset_and_installs_one(browser_as, admin):
    client = browser_as(admin)

    page = _text(client.get("/settings/"))
    response = client.post("/settings/presets/training/install/")

    for key in preset_keys():
        meta = read_preset_meta(key)
        assert str(meta["name"]) in page
        assert f'action="/settings/presets/{key}/install/"' in page
    assert response.status_code == 302
    assert Pipeline.objects.filter(live_version__isnull=False).exists()
    home = _text(client.get("/settings/"))
    assert "Choose how your business sells" not in home
    assert "Opportunities pipelines" in home


def test_home_lists_pipelines_by_record_type_with_badges(browser_as, admin, training):
    client = browser_as(admin)
    client.post(f"/settings/pipelines/{training.key}/edit/")

    page = _text(client.get("/settings/"))

    assert "Training sale" in page
    assert "Live v1" in page
    assert "Draft pending" in page
    assert "Default" in page
    assert f"/api/v1/pipelines/{training.key}/export?format=yaml" in page
    assert "No pipelines for leads yet" in page


def _add_pipeline(admin: Any, number: int) -> None:
    data = engine.to_dict(engine.loads(TRAINING.read_text()))
    data["key"] = f"copy-{number}"
    data["name"] = f"Copy {number}"
    services.pipeline_draft_save(actor=admin, via=Via.CLI, definition=engine.from_dict(data))
    services.pipeline_publish(actor=admin, via=Via.CLI,
                              pipeline=Pipeline.objects.get(key=f"copy-{number}"))


def test_pipeline_list_runs_the_same_number_of_queries_for_one_or_five(browser_as, admin):
    client = browser_as(admin)
    _add_pipeline(admin, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/settings/").status_code == 200
    for number in range(2, 6):
        _add_pipeline(admin, number)
    services.pipeline_draft_save(actor=admin, via=Via.CLI, definition=engine.from_dict(
        {**_live(Pipeline.objects.get(key="copy-3")), "name": "Changed"}), allow_errors=True)

    with CaptureQueriesContext(connection) as five:
        page = _text(client.get("/settings/"))

    assert page.count('class="pipeline-row"') == 5
    assert len(five) == len(one)


def test_import_of_a_good_file_makes_a_draft_or_publishes(browser_as, admin):
    client = browser_as(admin)
    upload = SimpleUploadedFile("training.yaml", TRAINING.read_bytes())

    response = client.post("/settings/import/", {"file": upload, "publish": "on"})

    assert response.status_code == 302
    assert response["Location"] == "/settings/pipelines/training-sale/"
    pipeline = Pipeline.objects.get(key="training-sale")
    assert pipeline.live_version is not None
    assert selectors.draft_of(pipeline) is None


def test_import_of_a_broken_file_lists_problems_by_path_and_saves_nothing(browser_as, admin):
    client = browser_as(admin)
    broken = TRAINING.read_text().replace("status: won", "status: winning", 1)

    response = client.post("/settings/import/", {
        "file": SimpleUploadedFile("broken.yaml", broken.encode())})
    syntax = client.post("/settings/import/", {
        "file": SimpleUploadedFile("bad.yaml", b"key: x\nstages: [a, b\n")})

    page = _text(response)
    assert response.status_code == 200
    assert "Nothing was saved" in page
    assert "stages[2].status" in page
    assert "must be one of open, won, lost, archived" in page
    assert re.search(r"line \d+, column \d+", _text(syntax))
    assert not Pipeline.objects.exists()


def test_import_that_fails_validation_names_the_path(browser_as, admin):
    client = browser_as(admin)
    broken = TRAINING.read_text().replace("  to: qualified\n  required", "  to: qualifed\n"
                                          "  required", 1)

    page = _text(client.post("/settings/import/", {
        "file": SimpleUploadedFile("broken.yaml", broken.encode()), "publish": "on"}))

    assert "transitions[0].to" in page
    assert "unknown step &#x27;qualifed&#x27;" in page
    assert not Pipeline.objects.exists()


# --- the pipeline page -----------------------------------------------------------------------

def test_live_pipeline_page_is_read_only_until_edit_makes_a_draft(browser_as, admin, training):
    client = browser_as(admin)

    live_page = _text(client.get(f"/settings/pipelines/{training.key}/"))
    edit = client.post(f"/settings/pipelines/{training.key}/edit/")
    draft_page = _text(client.get(f"/settings/pipelines/{training.key}/"))

    assert "This is live version 1" in live_page
    assert "Add stage" not in live_page
    assert edit.status_code == 302
    assert _draft(training)["stages"] == _live(training)["stages"]
    assert "You are editing draft version 2" in draft_page
    assert "Add stage" in draft_page
    assert "data-reorder-url" in draft_page


def test_every_tab_renders_and_the_graph_is_inline_svg(browser_as, admin, training):
    client = browser_as(admin)

    pages = {tab: _text(client.get(f"/settings/pipelines/{training.key}/?tab={tab}"))
             for tab in ("stages", "steps", "transitions", "starts", "graph", "yaml")}

    assert "Enquiry" in pages["stages"]
    assert "Payment Details Confirmed" in pages["steps"]
    assert "Confirm payment details" in pages["transitions"]
    assert "First name" in pages["transitions"]
    assert "Upsell" in pages["starts"]
    assert '<div class="graph-scroll"' in pages["graph"]
    assert "<svg xmlns=" in pages["graph"]
    assert "key: training-sale" in pages["yaml"]


def test_editing_a_stage_changes_the_draft_and_not_the_live_version(browser_as, admin,
                                                                    training):
    client = browser_as(admin)
    client.post(f"/settings/pipelines/{training.key}/edit/")
    form = client.get(f"/settings/pipelines/{training.key}/stages/enquiry/")

    response = client.post(f"/settings/pipelines/{training.key}/stages/enquiry/", {
        "name_en": "First contact", "name_nl": "Eerste contact", "status": "open",
        "colour": "#112233", "code": "FC", "group": "pipeline", "probability": "15",
        "active": "on", "is_default": "on", "instructions": "Call within 24h",
        "allowed_next": ["proposed", "lost"]})

    assert 'type="color"' in form.content.decode()
    assert re.search(r'<input[^>]*name="key"[^>]*disabled', form.content.decode())
    assert response.status_code == 302
    stage = _stage(_draft(training), "enquiry")
    assert stage["names"] == {"en": "First contact", "nl": "Eerste contact"}
    assert stage["colour"] == "#112233"
    assert stage["allowed_next"] == ["proposed", "lost"]
    assert stage["templates"] == [{"kind": "email", "key": "intro"}]
    assert _stage(_live(training), "enquiry")["names"] == {"en": "Enquiry", "nl": "Aanvraag"}
    assert _stage(_live(training), "enquiry")["colour"] == "#CCE5FF"


def test_reordering_stages_saves_positions_in_the_draft(browser_as, admin, training):
    client = browser_as(admin)
    client.post(f"/settings/pipelines/{training.key}/edit/")

    partial = client.post(f"/settings/pipelines/{training.key}/stages/reorder/",
                          {"order": "proposed,enquiry,won,lost,archived"},
                          headers={"HX-Request": "true"})
    client.post(f"/settings/pipelines/{training.key}/stages/archived/move/",
                {"direction": "up"})

    assert partial.status_code == 200
    assert partial.content.decode().lstrip().startswith('<section id="stage-section"')
    assert editing.stage_order(_draft(training)) == ["proposed", "enquiry", "won", "archived",
                                                     "lost"]
    assert editing.stage_order(_live(training)) == ["enquiry", "proposed", "won", "lost",
                                                    "archived"]


def test_adding_a_stage_makes_a_key_from_its_name_and_deleting_asks_first(browser_as, admin,
                                                                          training):
    client = browser_as(admin)
    client.post(f"/settings/pipelines/{training.key}/edit/")

    client.post(f"/settings/pipelines/{training.key}/stages/new/", {
        "name_en": "On hold", "status": "open", "no_colour": "on", "active": "on"})
    confirm = client.get(f"/settings/pipelines/{training.key}/stages/on_hold/delete/")
    client.post(f"/settings/pipelines/{training.key}/stages/on_hold/delete/")

    assert "Delete stage “On hold”?" in _text(confirm)
    assert "on_hold" not in editing.keys(_draft(training), "stages")


def test_adding_a_transition_with_a_required_attribute_and_a_trigger(browser_as, admin,
                                                                     training):
    client = browser_as(admin)
    client.post(f"/settings/pipelines/{training.key}/edit/")

    response = client.post(f"/settings/pipelines/{training.key}/transitions/new/", {
        "name": "Skip to payment", "from_step": "qualified", "to_step": "proposal_accepted",
        "required": ["po_number", "value"],
        "triggers-TOTAL_FORMS": "2", "triggers-INITIAL_FORMS": "0",
        "triggers-0-action": "add_tag", "triggers-0-params": "tag: Schedule",
        "triggers-1-action": "", "triggers-1-params": "",
        "communications-TOTAL_FORMS": "1", "communications-INITIAL_FORMS": "0",
        "communications-0-channel": "email", "communications-0-template": "thanks",
        "communications-0-to": "primary_contact"})

    assert response.status_code == 302
    transition = editing.find(_draft(training), "transitions", "skip_to_payment")
    assert transition == {
        "key": "skip_to_payment", "name": "Skip to payment", "from": "qualified",
        "to": "proposal_accepted", "required": ["po_number", "value"],
        "triggers": [{"action": "add_tag", "params": {"tag": "Schedule"}}],
        "communications": [{"channel": "email", "template": "thanks", "to": "primary_contact"}]}
    assert editing.find(_live(training), "transitions", "skip_to_payment") is None


def test_check_on_a_form_lists_the_problems_without_saving(browser_as, admin, training):
    client = browser_as(admin)
    client.post(f"/settings/pipelines/{training.key}/edit/")
    before = _draft(training)

    response = client.post(f"/settings/pipelines/{training.key}/stages/won/", {
        "_check": "1", "name_en": "Won", "status": "open", "active": "on"},
        headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "problem-error" in response.content.decode()
    assert "an opportunity pipeline needs a won stage" in response.content.decode()
    assert _draft(training) == before


def test_an_item_with_problems_shows_them_next_to_its_fields(browser_as, admin, training):
    client = browser_as(admin)
    client.post(f"/settings/pipelines/{training.key}/edit/")

    response = client.post(f"/settings/pipelines/{training.key}/entries/new/", {
        "name": "From the website", "step": "lost"})
    services.pipeline_draft_save(actor=admin, via=Via.CLI, allow_errors=True,
                                 definition=engine.from_dict({
                                     **_draft(training), "entries": [
                                         {"key": "e", "name": "E", "step": "gone"}]}))
    form = _text(client.get(f"/settings/pipelines/{training.key}/entries/e/"))
    page = _text(client.get(f"/settings/pipelines/{training.key}/"))

    assert response.status_code == 302
    assert "Error: unknown step &#x27;gone&#x27;" in form
    assert "entries[0].step" in page
    assert 'href="/settings/pipelines/training-sale/entries/e/"' in page


def test_yaml_tab_saves_the_draft_and_a_syntax_error_shows_the_line(browser_as, admin,
                                                                    training):
    client = browser_as(admin)
    text = engine.dumps(engine.from_dict(_live(training)))

    broken = client.post(f"/settings/pipelines/{training.key}/yaml/",
                         {"text": text.replace("name: Training sale", "name: [oops", 1)})
    check = client.post(f"/settings/pipelines/{training.key}/yaml/",
                        {"text": text.replace("to: won", "to: nowhere"), "_check": "1"})
    saved = client.post(f"/settings/pipelines/{training.key}/yaml/",
                        {"text": text.replace("name: Training sale", "name: Courses", 1)
                         .replace("to: won", "to: nowhere")})

    assert broken.status_code == 422
    assert re.search(r"line \d+, column \d+", _text(broken))
    assert "Nothing was saved" in _text(broken)
    assert "unknown step &#x27;nowhere&#x27;" in check.content.decode()
    assert saved.status_code == 302
    assert _draft(training)["name"] == "Courses"
    assert _live(training)["name"] == "Training sale"


def test_yaml_tab_refuses_another_pipeline_key(browser_as, admin, training):
    client = browser_as(admin)
    text = engine.dumps(engine.from_dict(_live(training)))

    response = client.post(f"/settings/pipelines/{training.key}/yaml/",
                           {"text": text.replace("key: training-sale", "key: other", 1)})

    assert response.status_code == 422
    assert "must stay &#x27;training-sale&#x27;" in _text(response)
    assert selectors.draft_of(training) is None
    assert not Pipeline.objects.filter(key="other").exists()


def test_publishing_a_clean_draft_makes_it_live(browser_as, admin, training):
    client = browser_as(admin)
    client.post(f"/settings/pipelines/{training.key}/rename/", {"name": "Courses"})

    response = client.post(f"/settings/pipelines/{training.key}/publish/", follow=True)

    training.refresh_from_db()
    assert "Version 2 is now live." in _text(response)
    assert training.live_version is not None
    assert training.live_version.number == 2
    assert training.name == "Courses"
    assert selectors.draft_of(training) is None


def test_publishing_a_draft_with_errors_is_refused_and_the_errors_are_listed(
        browser_as, admin, training):
    client = browser_as(admin)
    client.post(f"/settings/pipelines/{training.key}/edit/")
    client.post(f"/settings/pipelines/{training.key}/stages/lost/delete/")

    response = client.post(f"/settings/pipelines/{training.key}/publish/", follow=True)

    page = _text(response)
    assert "Not published" in page
    assert "an opportunity pipeline needs a lost stage" in page
    training.refresh_from_db()
    assert training.live_version is not None
    assert training.live_version.number == 1
    assert selectors.draft_of(training) is not None


class _OneRecordOnLost:
    """A record store with one record on step 'lost', recording the moves it is asked for."""

    def __init__(self) -> None:
        self.moves: list[Mapping[str, str]] = []

    def count_on_steps(self, *, pipeline_key: str, steps: Iterable[str]) -> dict[str, int]:
        return {"lost": 1} if "lost" in set(steps) else {}

    def move_steps(self, *, pipeline_key: str, mapping: Mapping[str, str], **_kw: Any) -> int:
        self.moves.append(dict(mapping))
        return 1

    adopt_version = move_steps


def test_publishing_that_would_strand_records_asks_for_a_step_mapping(browser_as, admin,
                                                                      training, monkeypatch):
    store = _OneRecordOnLost()
    monkeypatch.setattr(registry, "RECORD_STORES", [store])
    monkeypatch.setattr(services, "RECORD_STORES", [store])
    client = browser_as(admin)
    data = editing.put_item(editing.delete_item(_live(training), "steps", "lost"), "steps",
                            {"key": "closed_lost", "name": "Lost", "stage": "lost"})
    for transition in data["transitions"]:
        if transition["to"] == "lost":
            transition["to"] = "closed_lost"
    client.post(f"/settings/pipelines/{training.key}/yaml/",
                {"text": engine.dumps(engine.from_dict(data))})

    asked = client.post(f"/settings/pipelines/{training.key}/publish/")
    done = client.post(f"/settings/pipelines/{training.key}/publish/",
                       {"map_lost": "closed_lost"})

    assert asked.status_code == 200
    assert "Where should the records go?" in _text(asked)
    assert 'name="map_lost"' in asked.content.decode()
    assert done.status_code == 302
    assert store.moves == [{"lost": "closed_lost"}]
    training.refresh_from_db()
    assert training.live_version is not None
    assert training.live_version.number == 2


def test_discarding_the_draft_keeps_the_live_version(browser_as, admin, training):
    client = browser_as(admin)
    client.post(f"/settings/pipelines/{training.key}/rename/", {"name": "Courses"})

    client.post(f"/settings/pipelines/{training.key}/discard/")

    assert selectors.draft_of(training) is None
    assert _live(training)["name"] == "Training sale"


# --- attributes and lookups ------------------------------------------------------------------

def test_adding_and_editing_a_custom_attribute(browser_as, admin):
    client = browser_as(admin)

    created = client.post("/settings/attributes/opportunity/new/", {
        "label_en": "Budget band", "label_nl": "Budget", "type": "choice",
        "choices": "low: Under 10k\nhigh: Over 10k", "active": "on", "position": "5"})
    edited = client.post("/settings/attributes/opportunity/budget_band/", {
        "label_en": "Budget", "type": "text", "choices": "low: Under 10k",
        "shown_in_lists": "on", "position": "1"})
    listed = _text(client.get("/settings/attributes/opportunity/"))

    assert created.status_code == 302
    assert edited.status_code == 302
    attribute = CustomAttribute.objects.get(record_type="opportunity", key="budget_band")
    assert attribute.type == "choice"
    assert attribute.labels == {"en": "Budget"}
    assert attribute.choices == [{"key": "low", "label": "Under 10k", "active": True}]
    assert attribute.shown_in_lists is True
    assert attribute.active is False
    assert "Budget" in listed


def test_a_choice_attribute_without_choices_is_refused_by_field(browser_as, admin):
    client = browser_as(admin)

    response = client.post("/settings/attributes/lead/new/", {
        "key": "colour", "label_en": "Colour", "type": "choice", "active": "on"})

    assert response.status_code == 200
    assert "A choice attribute needs choices or a lookup table." in _text(response)
    assert not CustomAttribute.objects.exists()


def test_lookup_values_are_added_and_edited_per_record_type(browser_as, admin):
    client = browser_as(admin)

    client.post("/settings/lookups/lead/source/new/", {
        "source-new-label": "Trade show", "source-new-position": "10"})
    client.post("/settings/lookups/lead/source/trade_show/", {
        "source-trade_show-label": "Trade fair", "source-trade_show-position": "20"})
    refused = client.post("/settings/lookups/lead/source/new/", {"source-new-label": ""})
    lead_page = _text(client.get("/settings/lookups/lead/"))
    opportunity_page = _text(client.get("/settings/lookups/opportunity/"))

    value = LookupValue.objects.get(record_type="lead", table="source", key="trade_show")
    assert (value.label, value.active, value.position) == ("Trade fair", False, 20)
    assert refused.status_code == 422
    assert "This field is required." in _text(refused)
    assert "Trade fair" in lead_page
    assert "Trade fair" not in opportunity_page
    for table in ("Source", "Category", "Priority", "Procedure", "Contact role", "Lost reason",
                  "Stage group"):
        assert table in lead_page


def test_unknown_record_types_are_not_found(browser_as, admin):
    client = browser_as(admin)

    assert client.get("/settings/attributes/invoice/").status_code == 404
    assert client.get("/settings/lookups/account/").status_code == 404
    assert client.get("/settings/pipelines/nope/").status_code == 404
