"""/automation/: the rules (list, form, switching on and off, deleting) and the automation log.

Only people who manage the workspace see these pages. Views stay thin: the rule form turns
plain fields (or YAML) into the values `rule_save` takes, and puts its errors back in place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from stageflow.automation import catalogue, selectors, services
from stageflow.automation.models import Firing, Rule
from stageflow.automation.preview import Preview
from stageflow.core.errors import InvalidInput, NotFound, StageflowError, StaleVersion
from stageflow.people.models import User
from stageflow.sales.access import records_for
from stageflow.web.automation.choices import (
    EventInfo,
    RuleChoices,
    record_type_name,
    record_types_label,
    rule_choices,
    rule_events,
)
from stageflow.web.automation.editor import RuleEditor, read_rule_yaml, rule_values
from stageflow.web.automation.forms import LogFilterForm
from stageflow.web.config.editing import suggest_key
from stageflow.web.views import PAGE_SIZE, administrator, page_language

NEW_RULE: Final[Mapping[str, Any]] = {"key": "", "name": "", "active": True, "event": "",
                                      "pipeline": "", "conditions": {}, "actions": [],
                                      "position": 0}
RECORD_PAGES: Final = {"lead": "records:lead_detail", "opportunity": "records:opportunity_detail"}


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _rule(rule_id: int) -> Rule:
    rule = selectors.rule_list().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("No automation rule %(id)s.") % {"id": rule_id})
    return rule


def _record_types(found: Iterable[str]) -> list[str]:
    """The workflow record types first, then any other a rule or firing names."""
    return list(dict.fromkeys([*catalogue.WORKFLOW_RECORD_TYPES, *found]))


# --- the rules ---------------------------------------------------------------------------------

CONDITION_WORDS = {
    "stage": gettext_lazy("stage"), "status": gettext_lazy("status"),
    "stage_group": gettext_lazy("stage group"), "tags": gettext_lazy("with tags"),
    "without_tags": gettext_lazy("without tags"), "office": gettext_lazy("office"),
    "tag": gettext_lazy("tag"), "field": gettext_lazy("field"),
    "transition": gettext_lazy("transition"), "days": gettext_lazy("days"),
    "pipeline": gettext_lazy("pipeline"),
}


def describe_conditions(conditions: Any) -> str:
    """A rule's conditions in a line: "stage o_won · days 14 · 2 comparisons"."""
    if not isinstance(conditions, dict):
        return ""
    parts = []
    for key, word in CONDITION_WORDS.items():
        value = conditions.get(key)
        if value not in (None, "", []):
            shown = ", ".join(str(item) for item in value) if isinstance(value, list) else value
            parts.append(f"{word} {shown}")
    if conditions.get("unless_planned_activity"):
        parts.append(str(gettext_lazy("unless an activity is planned")))
    comparisons = len(conditions.get("where") or [])
    if comparisons:
        parts.append(ngettext("%(count)s comparison", "%(count)s comparisons", comparisons)
                     % {"count": comparisons})
    return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class RuleRow:
    rule: Rule
    event_label: str
    action_labels: list[str]

    @property
    def conditions(self) -> str:
        return describe_conditions(self.rule.conditions)

    @property
    def last_outcome_label(self) -> str:
        outcome = getattr(self.rule, "last_outcome", None)
        return str(Firing.Outcome(outcome).label) if outcome in Firing.Outcome.values else ""


def _rules_with_last_firing() -> QuerySet[Rule]:
    latest = Firing.objects.filter(rule=OuterRef("pk")).order_by("-at", "-id")
    return selectors.rule_list().annotate(
        last_fired_at=Subquery(latest.values("at")[:1]),
        last_outcome=Subquery(latest.values("outcome")[:1]))


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    administrator(request)
    events = rule_events()
    action_labels = {item["key"]: item["label"] for item in selectors.action_choices()}
    rules = list(_rules_with_last_firing())
    groups = []
    for record_type in _record_types(rule.record_type for rule in rules):
        rows = [RuleRow(rule=rule,
                        event_label=events[rule.event].label if rule.event in events
                        else rule.event,
                        action_labels=[action_labels.get(str(item.get("action")),
                                                         str(item.get("action")))
                                       for item in rule.actions or [] if isinstance(item, dict)])
                for rule in rules if rule.record_type == record_type]
        groups.append({"record_type": record_type, "label": record_types_label(record_type),
                       "rows": rows})
    return render(request, "web/automation/rules.html", {"groups": groups,
                                                         "has_rules": bool(rules)})


@login_required
@require_POST
def rule_toggle(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Switch a rule on or off (`active` is "1" or "0"), checked like any other change."""
    user = administrator(request)
    rule = _rule(rule_id)
    switch_on = request.POST.get("active") == "1"
    try:
        services.rule_save(actor=user, values={"active": switch_on}, rule=rule,
                           expected_version=_int_or_none(request.POST.get("version")))
    except InvalidInput as error:
        messages.error(request, _("“%(name)s” was not changed: %(reasons)s") % {
            "name": rule.name, "reasons": " ".join(error.fields.values()) or error.message})
    except StageflowError as error:
        messages.error(request, error.message)
    else:
        done = _("“%(name)s” is switched on.") if switch_on else _("“%(name)s” is switched off.")
        messages.success(request, done % {"name": rule.name})
    return redirect(reverse("automation:rules") + f"#rule-{rule.pk}")


def _with_key(values: dict[str, Any], rule: Rule | None) -> dict[str, Any]:
    """A rule left without a key gets one made from its name (a saved rule keeps its key
    when the values do not mention it)."""
    blank = not str(values.get("key") or "").strip()
    if blank and ("key" in values or rule is None) and str(values.get("name") or "").strip():
        values["key"] = suggest_key(str(values["name"]),
                                    selectors.rule_list().values_list("key", flat=True),
                                    fallback="rule")
    return values


def _posted_values(rule: Rule | None, editor: RuleEditor,
                   choices: RuleChoices) -> tuple[dict[str, Any] | None, RuleEditor]:
    """What the form says: its YAML when that was changed, else its fields."""
    if not editor.yaml_changed():
        return _with_key(editor.values(), rule), editor
    text = editor.posted_yaml
    original = str(editor.rule_form.cleaned_data.get("rule_yaml_original") or "")
    try:
        values = _with_key(read_rule_yaml(text), rule)
    except ValueError as problem:
        editor.rule_form.add_error("rule_yaml", str(problem))
        editor.used_yaml = True
        return None, editor
    version = editor.version
    editor = RuleEditor.for_values(choices, values, version=version, bound=True)
    editor.keep_yaml(text, original)
    return values, editor


def _save(user: User, rule: Rule | None, editor: RuleEditor,
          choices: RuleChoices) -> tuple[Rule | None, RuleEditor]:
    values, editor = _posted_values(rule, editor, choices)
    if values is None:
        return None, editor
    try:
        saved = services.rule_save(actor=user, values=values, rule=rule,
                                   expected_version=editor.version)
    except StaleVersion as error:
        editor.show_stale(error)
    except StageflowError as error:
        editor.show_errors(error)
    else:
        return saved, editor
    if not editor.used_yaml:
        editor.show_yaml(values)
    return None, editor


def _dry_run(user: User, rule: Rule | None, editor: RuleEditor,
             choices: RuleChoices) -> tuple[Preview | None, RuleEditor]:
    """What the rule as posted would have done lately; nothing is saved."""
    values, editor = _posted_values(rule, editor, choices)
    if values is None:
        return None, editor
    try:
        return services.rule_dry_run(actor=user, values=values, rule=rule), editor
    except StageflowError as error:
        editor.show_errors(error)
        return None, editor


@login_required
def rule_edit(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    user = administrator(request)
    rule = _rule(rule_id) if rule_id is not None else None
    choices = rule_choices(page_language())
    status = 200
    preview: Preview | None = None
    if request.method != "POST":
        editor = RuleEditor.for_values(choices, rule_values(rule) if rule else NEW_RULE,
                                       version=rule.version if rule else None)
    else:
        editor = RuleEditor(choices, data=request.POST)
        editor.parse()
        # Without JavaScript, "Show the inputs for my choices" posts the form only to show the
        # inputs the chosen event and actions need.
        if "dry_run" in request.POST:
            preview, editor = _dry_run(user, rule, editor, choices)
            status = 200 if preview is not None else 422
        elif "refresh" not in request.POST:
            saved, editor = _save(user, rule, editor, choices)
            if saved is not None:
                messages.success(request, _("Rule “%(name)s” saved.") % {"name": saved.name})
                return redirect(reverse("automation:rules") + f"#rule-{saved.pk}")
            status = 422
    if rule is None:
        editor.rule_form.fields["key"].widget.attrs["data-autofill"] = "name"
    return render(request, "web/automation/rule_form.html", {
        "rule": rule, "editor": editor, "form": editor.rule_form,
        "conditions": editor.conditions_form, "preview": preview}, status=status)


@login_required
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    user = administrator(request)
    rule = _rule(rule_id)
    error = ""
    if request.method == "POST":
        try:
            services.rule_delete(actor=user, rule=rule,
                                 expected_version=_int_or_none(request.POST.get("version")))
        except StageflowError as failure:
            error = failure.message
        else:
            messages.success(request, _("Rule “%(name)s” deleted.") % {"name": rule.name})
            return redirect("automation:rules")
    return render(request, "web/automation/rule_delete.html", {"rule": rule, "error": error})


# --- the log -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class LogRow:
    firing: Firing
    event_label: str
    record_label: str
    record_url: str
    rule_url: str

    @property
    def source_note(self) -> str:
        """Why a firing links to no rule: a transition's triggers, or a rule since deleted."""
        if self.firing.source.startswith("transition:"):
            return _("(triggers of a transition)")
        return _("(rule deleted)")


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _log_filters(form: LogFilterForm) -> dict[str, Any]:
    filters = form.filters()
    if "since" in filters:
        filters["since"] = _day_start(filters["since"])
    if "until" in filters:
        filters["until"] = _day_start(filters["until"]) + dt.timedelta(days=1, microseconds=-1)
    return filters


def _titles(user: User, firings: Iterable[Firing]) -> dict[tuple[str, int], str]:
    """The titles of the records the firings were about that the user may see, per type."""
    wanted: dict[str, set[int]] = {}
    for firing in firings:
        if firing.record_type in RECORD_PAGES:
            wanted.setdefault(firing.record_type, set()).add(firing.record_id)
    return {(record_type, record_id): title
            for record_type, ids in wanted.items()
            for record_id, title in records_for(user, record_type).filter(
                pk__in=ids).values_list("pk", "title")}


def _log_rows(user: User, firings: list[Firing],
              events: Mapping[str, EventInfo]) -> list[LogRow]:
    titles = _titles(user, firings)
    rows = []
    for firing in firings:
        kind = record_type_name(firing.record_type)
        title = titles.get((firing.record_type, firing.record_id))
        page = RECORD_PAGES.get(firing.record_type)
        rows.append(LogRow(
            firing=firing,
            event_label=events[firing.event].label if firing.event in events else firing.event,
            record_label=(_("%(kind)s #%(id)s") % {"kind": kind, "id": firing.record_id})
            + (f" · {title}" if title else ""),
            record_url=reverse(page, args=[firing.record_id]) if page else "",
            rule_url=reverse("automation:rule_edit", args=[firing.rule_id])
            if firing.rule_id else ""))
    return rows


@login_required
def firing_log(request: HttpRequest) -> HttpResponse:
    user = administrator(request)
    events = rule_events()
    rules = [(str(pk), name) for pk, name in selectors.rule_list().values_list("pk", "name")]
    form = LogFilterForm(request.GET or None, events=events, rules=rules)
    filters = _log_filters(form) if form.is_bound else {}
    page = Paginator(selectors.firing_log(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/automation/log.html", {
        "form": form, "page": page, "rows": _log_rows(user, list(page.object_list), events),
        "filtered": bool(filters)})
