"""Configuration pages for administrators: pipelines, attributes and lookup tables.

Views stay thin: they read the pipeline being edited, let a form turn input into definition
data, apply it with `editing`, and store the result through the pipeline services.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from stageflow import engine
from stageflow.core.errors import NotFound, RuleRefused, StageflowError
from stageflow.core.models import Via
from stageflow.engine.validation import COLOUR_PATTERN
from stageflow.people.models import User
from stageflow.pipelines import selectors, services
from stageflow.pipelines.models import (
    AttributeOwner,
    LookupValue,
    Pipeline,
    PipelineVersion,
    RecordType,
)
from stageflow.presets import PresetError, preset_keys, read_preset_meta
from stageflow.web.config import editing
from stageflow.web.config.forms import (
    ITEM_FORMS,
    AttributeForm,
    EditorChoices,
    ImportForm,
    ItemForm,
    LookupValueForm,
    PipelineNameForm,
    StepMappingForm,
    YamlForm,
)
from stageflow.web.views import administrator, page_language


@dataclass(frozen=True, slots=True)
class Section:
    """An editable list of a pipeline definition, as the URLs and pages name it."""

    name: str  # the section in the definition file
    slug: str  # the section in URLs
    tab: str  # the pipeline page tab that lists it
    singular: Any
    plural: Any


SECTIONS: Final[tuple[Section, ...]] = (
    Section("stage_groups", "groups", "stages", gettext_lazy("stage group"),
            gettext_lazy("Stage groups")),
    Section("stages", "stages", "stages", gettext_lazy("stage"), gettext_lazy("Stages")),
    Section("steps", "steps", "steps", gettext_lazy("step"), gettext_lazy("Steps")),
    Section("transitions", "transitions", "transitions", gettext_lazy("transition"),
            gettext_lazy("Transitions")),
    Section("entries", "entries", "starts", gettext_lazy("entry"), gettext_lazy("Entries")),
    Section("follow_ons", "follow-ons", "starts", gettext_lazy("follow-on"),
            gettext_lazy("Follow-ons")),
)
SECTION_BY_SLUG: Final = {section.slug: section for section in SECTIONS}
SECTION_BY_NAME: Final = {section.name: section for section in SECTIONS}
TABS: Final = (("stages", gettext_lazy("Stages")), ("steps", gettext_lazy("Steps")),
               ("transitions", gettext_lazy("Transitions")),
               ("starts", gettext_lazy("Entries and follow-ons")),
               ("graph", gettext_lazy("Graph")), ("yaml", gettext_lazy("YAML")))
LOOKUP_RECORD_TYPES: Final = ("lead", "opportunity")






def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


# --- the pipeline being edited ---------------------------------------------------------------

@dataclass(slots=True)
class Editor:
    """A pipeline's shown version: its draft when there is one, else the live version."""

    pipeline: Pipeline
    version: PipelineVersion
    definition: engine.PipelineDefinition
    data: dict[str, Any]
    problems: list[engine.Problem]

    @property
    def is_draft(self) -> bool:
        return self.version.state == PipelineVersion.State.DRAFT


def _problems_of(definition: engine.PipelineDefinition) -> list[engine.Problem]:
    return engine.validate(definition, known_fields=selectors.known_fields(
        definition.record_type))


def _editor(key: str) -> Editor:
    pipeline = selectors.pipeline_by_key(key)
    version = selectors.draft_of(pipeline) or pipeline.live_version
    if version is None:
        raise NotFound(_("Pipeline '%(key)s' has no version.") % {"key": key})
    definition = selectors.definition_of(version)
    return Editor(pipeline=pipeline, version=version, definition=definition,
                  data=engine.to_dict(definition), problems=_problems_of(definition))


def _humanize(key: str) -> str:
    return key.replace("_", " ").capitalize()


def field_choices(definition: engine.PipelineDefinition, lang: str) -> list[tuple[str, str]]:
    """Built-in fields, the workspace's custom attributes and the pipeline's own attributes."""
    labels: dict[str, str] = {}
    for key in selectors.known_fields(definition.record_type):
        labels[key] = _humanize(key)
    for attribute in selectors.attributes_of(definition.record_type):
        labels[attribute.key] = attribute.label(lang)
    for own in definition.attributes:
        labels[own.key] = own.label(lang)
    return [(key, f"{label} ({key})" if label != _humanize(key) else label)
            for key, label in labels.items()]


def _choices(definition: engine.PipelineDefinition) -> EditorChoices:
    lang = page_language()
    stages = engine.ordered_stages(definition)
    stage_names = {stage.key: stage.label(lang) for stage in stages}
    return EditorChoices(
        record_type=definition.record_type,
        stages=[(stage.key, stage.label(lang)) for stage in stages],
        groups=[(group.key, group.label(lang)) for group in definition.stage_groups],
        steps=[(step.key, f"{step.name} · {stage_names.get(step.stage, step.stage)}")
               for step in engine.effective_steps(definition)],
        fields=field_choices(definition, lang),
    )


def _store(user: User, data: Mapping[str, Any], note: str) -> PipelineVersion:
    """Save definition data as the pipeline's draft; DefinitionError when it cannot be read."""
    definition = engine.from_dict(dict(data))
    return services.pipeline_draft_save(actor=user, via=Via.WEB, definition=definition,
                                        note=note, allow_errors=True)


@dataclass(frozen=True, slots=True)
class ShownProblem:
    severity: str
    path: str
    message: str
    where: str = ""
    url: str = ""


def _item_url(pipeline_key: str, section: str, item_key: str) -> str:
    return reverse("config:item_edit", args=[pipeline_key, SECTION_BY_NAME[section].slug,
                                             item_key])


def _shown(problems: Iterable[engine.Problem], data: Mapping[str, Any],
           pipeline_key: str) -> list[ShownProblem]:
    """Problems as the page lists them: each names the item it is about and links to it."""
    shown = []
    for problem in problems:
        where = url = ""
        located = editing.locate(problem.path)
        if located is not None:
            section, index, _rest = located
            item = editing.item_at(data, section, index)
            if item is not None and isinstance(item.get("key"), str):
                label = item.get("name") or (item.get("names") or {}).get("en") or item["key"]
                where = f"{SECTION_BY_NAME[section].singular.capitalize()} “{label}”"
                url = _item_url(pipeline_key, section, item["key"])
        shown.append(ShownProblem(problem.severity, problem.path or _("file"), problem.message,
                                  where, url))
    return shown


def _error_problems(fields: Mapping[str, str]) -> list[ShownProblem]:
    return [ShownProblem("error", path, reason) for path, reason in fields.items()]


def _problems_partial(request: HttpRequest, problems: list[ShownProblem],
                      checked: bool = True) -> HttpResponse:
    return render(request, "web/config/_problems.html", {"problems": problems,
                                                         "checked": checked})


def _pipeline_url(key: str, tab: str = "") -> str:
    url = reverse("config:pipeline", args=[key])
    return f"{url}?tab={tab}" if tab and tab != "stages" else url


# --- home, presets and import ----------------------------------------------------------------

def _preset_cards() -> list[dict[str, Any]]:
    cards = []
    for key in preset_keys():
        try:
            meta = read_preset_meta(key)
        except PresetError:
            continue
        files = meta.get("pipelines")
        cards.append({"key": key, "name": meta["name"], "description": meta["description"],
                      "pipelines": len(files) if isinstance(files, list) else 0})
    return cards


@login_required
def home(request: HttpRequest) -> HttpResponse:
    administrator(request)
    pipelines = list(selectors.pipeline_list())
    if not pipelines:
        return render(request, "web/config/presets.html", {
            "presets": _preset_cards(), "first_run": True, "import_form": ImportForm()})
    with_drafts = set(PipelineVersion.objects.filter(
        state=PipelineVersion.State.DRAFT).values_list("pipeline_id", flat=True))
    groups = []
    for record_type, label in RecordType.choices:
        rows = [{"pipeline": pipeline, "has_draft": pipeline.pk in with_drafts}
                for pipeline in pipelines if pipeline.record_type == record_type]
        groups.append({"record_type": record_type, "label": label, "rows": rows})
    return render(request, "web/config/home.html", {
        "groups": groups, "import_form": ImportForm(),
        "attribute_types": AttributeOwner.choices,
        "lookup_types": [(value, label) for value, label in RecordType.choices]})


@login_required
def presets(request: HttpRequest) -> HttpResponse:
    administrator(request)
    return render(request, "web/config/presets.html", {"presets": _preset_cards(),
                                                       "first_run": False})


@login_required
@require_POST
def preset_install(request: HttpRequest, key: str) -> HttpResponse:
    user = administrator(request)
    try:
        installed = services.preset_install(actor=user, via=Via.WEB, key=key)
    except StageflowError as error:
        messages.error(request, error.message)
        return redirect("config:presets")
    if installed:
        names = ", ".join(version.pipeline.name for version in installed)
        messages.success(request, _("Installed and published: %(names)s.") % {"names": names})
    else:
        messages.info(request, _("Every pipeline of this preset is already installed."))
    return redirect("config:home")


@login_required
def import_pipeline(request: HttpRequest) -> HttpResponse:
    user = administrator(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[ShownProblem] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > engine.MAX_INPUT_BYTES:
            form.add_error("file", _("The file is larger than 1 MB."))
        else:
            try:
                version = services.pipeline_import(
                    actor=user, via=Via.WEB, text=upload.read(),
                    file_format=form.file_format(), publish=form.cleaned_data["publish"])
            except StageflowError as error:
                form.add_error(None, error.message)
                problems = _error_problems(error.fields)
            else:
                if version.state == PipelineVersion.State.PUBLISHED:
                    text = _("“%(name)s” imported and published as version %(number)s.")
                else:
                    text = _("“%(name)s” imported as draft version %(number)s; review it and "
                             "publish when ready.")
                messages.success(request, text % {"name": version.pipeline.name,
                                                  "number": version.number})
                return redirect("config:pipeline", key=version.pipeline.key)
    return render(request, "web/config/import.html", {"form": form, "problems": problems})


# --- the pipeline page -----------------------------------------------------------------------

def _stage_rows(definition: engine.PipelineDefinition, lang: str) -> list[dict[str, Any]]:
    groups = {group.key: group.label(lang) for group in definition.stage_groups}
    steps_per_stage: dict[str, int] = {}
    for step in definition.steps:
        steps_per_stage[step.stage] = steps_per_stage.get(step.stage, 0) + 1
    return [{
        "stage": stage, "label": stage.label(lang),
        "other_names": {code: text for code, text in stage.names.items() if code != lang},
        "colour": stage.colour if stage.colour and COLOUR_PATTERN.fullmatch(stage.colour) else "",
        "group": groups.get(stage.group or "", stage.group or ""),
        "steps": steps_per_stage.get(stage.key, 0),
    } for stage in engine.ordered_stages(definition)]


def _pipeline_context(request: HttpRequest, editor: Editor, tab: str,
                      yaml_form: YamlForm | None = None,
                      yaml_problems: list[ShownProblem] | None = None) -> dict[str, Any]:
    lang = page_language()
    definition = editor.definition
    stage_labels = {stage.key: stage.label(lang) for stage in definition.stages}
    step_labels = {step.key: step.name for step in engine.effective_steps(definition)}
    field_labels = dict(field_choices(definition, lang))
    context: dict[str, Any] = {
        "pipeline": editor.pipeline, "version": editor.version, "is_draft": editor.is_draft,
        "definition": definition, "tab": tab, "tabs": TABS,
        "problems": _shown(editor.problems, editor.data, editor.pipeline.key),
        "error_count": sum(1 for p in editor.problems if p.severity == "error"),
        "warning_count": sum(1 for p in editor.problems if p.severity == "warning"),
        "stage_rows": _stage_rows(definition, lang),
        "groups": definition.stage_groups,
        "steps": [{"step": step, "stage": stage_labels.get(step.stage, step.stage),
                   "attributes": [field_labels.get(key, key) for key in step.attributes]}
                  for step in definition.steps],
        "transitions": [{
            "transition": transition,
            "from": _("any step") if transition.from_step == engine.ANY_STEP
            else step_labels.get(transition.from_step, transition.from_step),
            "to": step_labels.get(transition.to_step, transition.to_step),
            "required": [field_labels.get(key, key) for key in transition.required],
        } for transition in definition.transitions],
        "entries": [{"item": entry, "step": step_labels.get(entry.step, entry.step)}
                    for entry in definition.entries],
        "follow_ons": [{"item": item, "step": step_labels.get(item.step, item.step)}
                       for item in definition.follow_ons],
        "simple_mode": not definition.steps,
        "free_moves": not definition.transitions,
        "name_form": PipelineNameForm(initial={"name": definition.name}),
        "export_version": "draft" if editor.is_draft else "live",
    }
    if tab == "graph":
        # render_svg XML-escapes every user-supplied text; only its output is marked safe.
        context["svg"] = mark_safe(engine.render_svg(definition, lang=lang))  # noqa: S308
    if tab == "yaml":
        context["yaml_form"] = yaml_form or YamlForm(initial={"text": engine.dumps(definition)})
        context["yaml_problems"] = yaml_problems or []
    return context


@login_required
def pipeline_page(request: HttpRequest, key: str) -> HttpResponse:
    administrator(request)
    editor = _editor(key)
    tab = request.GET.get("tab", "stages")
    if tab not in dict(TABS):
        tab = "stages"
    return render(request, "web/config/pipeline.html", _pipeline_context(request, editor, tab))


@login_required
@require_POST
def pipeline_edit(request: HttpRequest, key: str) -> HttpResponse:
    """Start a draft from the live version."""
    user = administrator(request)
    editor = _editor(key)
    if not editor.is_draft:
        _store(user, editor.data, _("Editing started"))
        messages.success(request, _("A draft was made from the live version. Changes stay in "
                                    "the draft until you publish it."))
    return redirect(_pipeline_url(key, request.POST.get("tab", "")))


@login_required
@require_POST
def pipeline_rename(request: HttpRequest, key: str) -> HttpResponse:
    user = administrator(request)
    editor = _editor(key)
    form = PipelineNameForm(request.POST)
    if form.is_valid():
        _store(user, {**editor.data, "name": form.cleaned_data["name"]}, _("Renamed"))
        messages.success(request, _("Name saved in the draft."))
    else:
        messages.error(request, _("Give the pipeline a name."))
    return redirect(_pipeline_url(key))


@login_required
@require_POST
def pipeline_publish(request: HttpRequest, key: str) -> HttpResponse:
    user = administrator(request)
    pipeline = selectors.pipeline_by_key(key)
    mapping = {name.removeprefix("map_"): str(request.POST.get(name)) for name in request.POST
               if name.startswith("map_") and request.POST.get(name)}
    try:
        version = services.pipeline_publish(actor=user, via=Via.WEB, pipeline=pipeline,
                                            step_mapping=mapping)
    except RuleRefused as error:
        reasons = {name.removeprefix("step_mapping."): reason
                   for name, reason in error.fields.items() if name.startswith("step_mapping.")}
        if reasons:
            editor = _editor(key)
            form = StepMappingForm(request.POST if mapping else None, reasons=reasons,
                                   steps=_choices(editor.definition).steps)
            return render(request, "web/config/publish_mapping.html", {
                "pipeline": pipeline, "form": form, "message": error.message})
        messages.error(request, _("Not published: %(reason)s Fix the problems listed below "
                                  "first.") % {"reason": error.message})
    except StageflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Version %(number)s is now live.") % {
            "number": version.number})
    return redirect(_pipeline_url(key))


@login_required
@require_POST
def pipeline_discard(request: HttpRequest, key: str) -> HttpResponse:
    user = administrator(request)
    pipeline = selectors.pipeline_by_key(key)
    had_live = pipeline.live_version_id is not None
    try:
        services.pipeline_draft_discard(actor=user, via=Via.WEB, pipeline=pipeline)
    except StageflowError as error:
        messages.error(request, error.message)
        return redirect(_pipeline_url(key))
    messages.success(request, _("Draft discarded."))
    return redirect(_pipeline_url(key) if had_live else reverse("config:home"))


@login_required
@require_POST
def pipeline_make_default(request: HttpRequest, key: str) -> HttpResponse:
    user = administrator(request)
    pipeline = selectors.pipeline_by_key(key)
    try:
        services.pipeline_make_default(actor=user, via=Via.WEB, pipeline=pipeline)
    except StageflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(name)s” is now the default pipeline for %(type)s.") % {
            "name": pipeline.name, "type": pipeline.get_record_type_display().lower()})
    return redirect(request.POST.get("next") or reverse("config:home"))


@login_required
@require_POST
def pipeline_yaml(request: HttpRequest, key: str) -> HttpResponse:
    """Save (or with `_check` only validate) the draft written as YAML."""
    user = administrator(request)
    editor = _editor(key)
    form = YamlForm(request.POST)
    problems: list[ShownProblem] = []
    definition: engine.PipelineDefinition | None = None
    if form.is_valid():
        try:
            definition = services.parse_definition(form.cleaned_data["text"], file_format="yaml")
        except StageflowError as error:
            problems = _error_problems(error.fields)
        else:
            wrong = {}
            if definition.key != editor.pipeline.key:
                wrong["key"] = _("must stay '%(key)s'; import the file to make a new pipeline") % {
                    "key": editor.pipeline.key}
            if definition.record_type != editor.pipeline.record_type:
                wrong["record_type"] = _("must stay '%(type)s'") % {
                    "type": editor.pipeline.record_type}
            if wrong:
                problems, definition = _error_problems(wrong), None
    else:
        problems = _error_problems({name: " ".join(str(error) for error in errors)
                                    for name, errors in form.errors.items()})
    if "_check" in request.POST:
        if definition is not None:
            problems = _shown(_problems_of(definition), engine.to_dict(definition), key)
        return _problems_partial(request, problems)
    if definition is None:
        context = _pipeline_context(request, editor, "yaml", yaml_form=form,
                                    yaml_problems=problems)
        context["yaml_error"] = _("Nothing was saved: the text cannot be read.")
        return render(request, "web/config/pipeline.html", context, status=422)
    services.pipeline_draft_save(actor=user, via=Via.WEB, definition=definition,
                                 note=_("Edited as YAML"), allow_errors=True)
    errors = [p for p in _problems_of(definition) if p.severity == "error"]
    if errors:
        messages.warning(request, _("Draft saved with %(count)s error(s); fix them before "
                                    "publishing.") % {"count": len(errors)})
    else:
        messages.success(request, _("Draft saved."))
    return redirect(_pipeline_url(key, "yaml"))


def _stages_partial(request: HttpRequest, key: str) -> HttpResponse:
    editor = _editor(key)
    return render(request, "web/config/_stage_section.html",
                  _pipeline_context(request, editor, "stages"))


@login_required
@require_POST
def stages_reorder(request: HttpRequest, key: str) -> HttpResponse:
    user = administrator(request)
    editor = _editor(key)
    order = [part for value in request.POST.getlist("order") for part in value.split(",")
             if part]
    _store(user, editing.reorder_stages(editor.data, order), _("Stages reordered"))
    if _is_htmx(request):
        return _stages_partial(request, key)
    messages.success(request, _("New stage order saved in the draft."))
    return redirect(_pipeline_url(key))


@login_required
@require_POST
def stage_move(request: HttpRequest, key: str, item: str) -> HttpResponse:
    user = administrator(request)
    editor = _editor(key)
    offset = -1 if request.POST.get("direction") == "up" else 1
    try:
        data = editing.move_stage(editor.data, item, offset)
    except editing.EditRefused as error:
        raise NotFound(_("No stage '%(key)s'.") % {"key": item}) from error
    _store(user, data, _("Stages reordered"))
    if _is_htmx(request):
        return _stages_partial(request, key)
    return redirect(_pipeline_url(key) + f"#stage-{item}")


# --- items of a section ----------------------------------------------------------------------

def _section(slug: str) -> Section:
    section = SECTION_BY_SLUG.get(slug)
    if section is None:
        raise NotFound(_("Unknown section."))
    return section


def _attach_problems(form: ItemForm, problems: Iterable[engine.Problem], section: str,
                     index: int) -> None:
    """Show the engine's problems of this item next to the fields they are about."""
    for problem in problems:
        located = editing.locate(problem.path)
        if located is None or located[0] != section or located[1] != index:
            continue
        field = form.field_for_path(located[2])
        text = f"{_('Warning') if problem.severity == 'warning' else _('Error')}: " \
               f"{problem.message}"
        if field is not None and field != "key":
            form.errors.setdefault(field, form.error_class()).append(text)
        else:
            form.errors.setdefault("__all__", form.error_class(error_class="nonfield")).append(
                f"{problem.path}: {text}")


def _definition_errors(form: ItemForm, error: engine.DefinitionError, section: str) -> None:
    for problem in error.problems:
        located = editing.locate(problem.path)
        field = form.field_for_path(located[2]) if located and located[0] == section else None
        form.add_error(field if field != "key" else None, f"{problem.path}: {problem.message}")


@login_required
def item_edit(request: HttpRequest, key: str, section: str,
              item: str | None = None) -> HttpResponse:
    """Add (no `item`) or change one stage group, stage, step, transition, entry or follow-on."""
    user = administrator(request)
    spec = _section(section)
    editor = _editor(key)
    old = editing.find(editor.data, spec.name, item) if item is not None else None
    if item is not None and old is None:
        raise NotFound(_("No %(what)s '%(key)s'.") % {"what": spec.singular, "key": item})
    form_class = ITEM_FORMS[spec.name]
    form = form_class(request.POST if request.method == "POST" else None,
                      choices=_choices(editor.definition), item=old,
                      taken=editing.keys(editor.data, spec.name))
    checking = request.method == "POST" and "_check" in request.POST
    if request.method == "POST" and form.is_valid():
        values = form.item_values()
        try:
            data = editing.put_item(editor.data, spec.name, values, key=item)
            definition = engine.from_dict(data)
        except editing.EditRefused as error:
            for name, reason in error.fields.items():
                form.add_error(name if name in form.fields else None, reason)
        except engine.DefinitionError as error:
            _definition_errors(form, error, spec.name)
        else:
            if checking:
                return _problems_partial(request, _shown(_problems_of(definition), data, key))
            services.pipeline_draft_save(actor=user, via=Via.WEB, definition=definition,
                                         note="", allow_errors=True)
            item_key = str(values["key"])
            index = editing.keys(data, spec.name).index(item_key)
            mine = [p for p in _problems_of(definition)
                    if (located := editing.locate(p.path)) and located[:2] == (spec.name, index)]
            if mine:
                messages.warning(request, _("Saved in the draft, but this %(what)s still has "
                                            "problems: see below.") % {"what": spec.singular})
                return redirect("config:item_edit", key=key, section=spec.slug, item=item_key)
            messages.success(request, _("Saved in the draft."))
            return redirect(_pipeline_url(key, spec.tab) + f"#{spec.name}-{item_key}")
    if checking:
        errors = {str(form.fields[name].label if name in form.fields else _("form")):
                  " ".join(str(error) for error in errs) for name, errs in form.errors.items()}
        return _problems_partial(request, _error_problems(errors))
    if request.method == "GET" and item is not None:
        _attach_problems(form, editor.problems, spec.name,
                         editing.keys(editor.data, spec.name).index(item))
    return render(request, "web/config/item_form.html", {
        "pipeline": editor.pipeline, "is_draft": editor.is_draft, "spec": spec, "form": form,
        "item": old, "back_url": _pipeline_url(key, spec.tab),
        "label": (old.get("name") or (old.get("names") or {}).get(page_language())
                  or (old.get("names") or {}).get("en") or item) if old else "",
        "problems": _shown(editor.problems, editor.data, key)})


@login_required
def item_delete(request: HttpRequest, key: str, section: str, item: str) -> HttpResponse:
    user = administrator(request)
    spec = _section(section)
    editor = _editor(key)
    old = editing.find(editor.data, spec.name, item)
    if old is None:
        raise NotFound(_("No %(what)s '%(key)s'.") % {"what": spec.singular, "key": item})
    if request.method == "POST":
        _store(user, editing.delete_item(editor.data, spec.name, item),
               _("Deleted %(what)s %(key)s") % {"what": spec.singular, "key": item})
        messages.success(request, _("Deleted from the draft."))
        return redirect(_pipeline_url(key, spec.tab))
    references = editing.references_to(editor.data, spec.name, item)
    return render(request, "web/config/item_delete.html", {
        "pipeline": editor.pipeline, "spec": spec, "item": old,
        "label": old.get("name") or (old.get("names") or {}).get("en") or item,
        "references": _shown([engine.Problem("warning", path, "refers to it", "reference")
                              for path in references], editor.data, key),
        "back_url": _pipeline_url(key, spec.tab)})


# --- custom attributes -----------------------------------------------------------------------

def _record_type(value: str, allowed: Iterable[str]) -> str:
    if value not in allowed:
        raise NotFound(_("Unknown record type."))
    return value


def _lookup_tables(record_type: str) -> list[str]:
    if record_type not in LOOKUP_RECORD_TYPES:
        return []
    existing = selectors.lookup_values(record_type).values_list("table", flat=True).distinct()
    return list(dict.fromkeys([*LookupValue.Table.values, *sorted(existing)]))


@login_required
def attributes(request: HttpRequest, record_type: str = "lead") -> HttpResponse:
    administrator(request)
    record_type = _record_type(record_type, AttributeOwner.values)
    lang = page_language()
    rows = [{"attribute": attribute, "label": attribute.label(lang)}
            for attribute in selectors.attributes_of(record_type)]
    return render(request, "web/config/attributes.html", {
        "record_type": record_type, "record_types": AttributeOwner.choices, "rows": rows,
        "type_label": dict(AttributeOwner.choices)[record_type]})


@login_required
def attribute_edit(request: HttpRequest, record_type: str,
                   key: str | None = None) -> HttpResponse:
    user = administrator(request)
    record_type = _record_type(record_type, AttributeOwner.values)
    attribute = None
    if key is not None:
        attribute = selectors.attributes_of(record_type).filter(key=key).first()
        if attribute is None:
            raise NotFound(_("No attribute '%(key)s'.") % {"key": key})
    form = AttributeForm(request.POST or None, attribute=attribute,
                         tables=_lookup_tables(record_type))
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.attribute_save(actor=user, via=Via.WEB, record_type=record_type,
                                            key=form.attribute_key(), values=form.values())
        except StageflowError as error:
            shown = {"labels": "label_en", "help": "help_en"}
            for name, reason in error.fields.items():
                field = shown.get(name, name)
                form.add_error(field if field in form.fields else None, reason)
            if not error.fields:
                form.add_error(None, error.message)
        else:
            messages.success(request, _("Attribute “%(label)s” saved.") % {
                "label": saved.label(page_language())})
            return redirect("config:attributes", record_type=record_type)
    return render(request, "web/config/attribute_form.html", {
        "form": form, "attribute": attribute, "record_type": record_type,
        "type_label": dict(AttributeOwner.choices)[record_type]})


# --- lookup tables ---------------------------------------------------------------------------

def _lookups_page(request: HttpRequest, record_type: str, failed: tuple[str, str] | None = None,
                  failed_form: LookupValueForm | None = None, status: int = 200) -> HttpResponse:
    tables: dict[str, list[dict[str, Any]]] = {table: [] for table in
                                               _lookup_tables(record_type)}
    for value in selectors.lookup_values(record_type).order_by("table", "position", "label"):
        prefix = f"{value.table}-{value.key}"
        form = failed_form if failed == (value.table, value.key) and failed_form else \
            LookupValueForm(prefix=prefix, initial={"key": value.key, "label": value.label,
                                                    "active": value.active,
                                                    "position": value.position})
        tables.setdefault(value.table, []).append({"value": value, "form": form})
    names = dict(LookupValue.Table.choices)
    sections = [{
        "table": table, "label": names.get(table, table.replace("_", " ").capitalize()),
        "rows": rows,
        "new_form": failed_form if failed == (table, "") and failed_form else LookupValueForm(
            prefix=f"{table}-new", initial={"position": (len(rows) + 1) * 10}),
    } for table, rows in tables.items()]
    return render(request, "web/config/lookups.html", {
        "record_type": record_type, "record_types": RecordType.choices, "sections": sections,
        "type_label": dict(RecordType.choices)[record_type]}, status=status)


@login_required
def lookups(request: HttpRequest, record_type: str = "lead") -> HttpResponse:
    administrator(request)
    return _lookups_page(request, _record_type(record_type, LOOKUP_RECORD_TYPES))


@login_required
@require_POST
def lookup_value_edit(request: HttpRequest, record_type: str, table: str,
                      key: str | None = None) -> HttpResponse:
    user = administrator(request)
    record_type = _record_type(record_type, LOOKUP_RECORD_TYPES)
    form = LookupValueForm(request.POST, prefix=f"{table}-{key or 'new'}")
    if form.is_valid():
        value_key = key or str(form.cleaned_data.get("key") or "").strip() or \
            editing.suggest_key(form.cleaned_data["label"], selectors.lookup_values(
                record_type, table).values_list("key", flat=True), fallback="value")
        try:
            value = services.lookup_value_save(actor=user, via=Via.WEB,
                                               record_type=record_type, table=table,
                                               key=value_key, values=form.values())
        except StageflowError as error:
            for name, reason in error.fields.items():
                form.add_error(name if name in form.fields else None, reason)
            if not error.fields:
                form.add_error(None, error.message)
        else:
            messages.success(request, _("“%(label)s” saved in %(table)s.") % {
                "label": value.label, "table": table.replace("_", " ")})
            return redirect(reverse("config:lookups", args=[record_type]) + f"#table-{table}")
    return _lookups_page(request, record_type, failed=(table, key or ""), failed_form=form,
                         status=422)
