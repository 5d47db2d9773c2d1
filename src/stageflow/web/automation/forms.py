"""The parts of the rule form, and the automation log's filters.

A rule is shown in four parts — the rule itself, its conditions, its comparisons and its
ordered actions — each an ordinary Django form, so that the page works without JavaScript
(fields such as `actions-0-action`, `actions-0-stage`). `editor.RuleEditor` puts them together.
Selects keep a value their list lacks, so that showing and saving a rule never changes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stageflow.accounts.models import CustomerStatus
from stageflow.activities.models import Activity
from stageflow.automation.conditions import OPERATORS, STATUSES
from stageflow.automation.models import Firing
from stageflow.web.automation.choices import (
    EventInfo,
    Options,
    RuleChoices,
    event_groups,
    record_type_name,
)
from stageflow.web.automation.widgets import GroupedSelect, GroupedSelectMultiple

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

STATUS_LABELS: Final[Mapping[str, StrOrPromise]] = {
    "open": gettext_lazy("Open"), "won": gettext_lazy("Won"), "lost": gettext_lazy("Lost"),
    "archived": gettext_lazy("Archived")}
OPERATOR_LABELS: Final[Mapping[str, StrOrPromise]] = {
    "eq": gettext_lazy("is"), "ne": gettext_lazy("is not"), "gt": gettext_lazy("is more than"),
    "gte": gettext_lazy("is at least"), "lt": gettext_lazy("is less than"),
    "lte": gettext_lazy("is at most"), "contains": gettext_lazy("contains"),
    "in": gettext_lazy("is one of (separate with commas)"), "empty": gettext_lazy("is empty"),
    "not_empty": gettext_lazy("is filled in")}
VALUELESS_OPERATORS: Final = ("empty", "not_empty")
# Condition inputs shown only for events that report the fact (a tag event names its tag).
FACT_INPUTS: Final = ("tag", "field", "transition")
TIMED_INPUTS: Final = ("days", "unless_planned_activity")
SHOWN_CONDITIONS: Final = ("stage", "status", "stage_group", "tags", "without_tags", "office",
                           *FACT_INPUTS, *TIMED_INPUTS, "where", "match")
MAIN_PLACES: Final = ("key", "name", "active", "event", "pipeline", "position")
TO_OTHER: Final = "other"

TARGETS: Final[Options] = [("record", gettext_lazy("The record itself")),
                           ("account", gettext_lazy("Its account"))]
STRATEGIES: Final[Options] = [
    ("user", gettext_lazy("A named person")),
    ("round_robin", gettext_lazy("Take turns (round robin)")),
    ("fewest_open", gettext_lazy("Whoever has the fewest open records"))]
RECIPIENTS: Final[Options] = [
    ("primary_contact", gettext_lazy("The main contact")), ("owner", gettext_lazy("The owner")),
    ("office_email", gettext_lazy("The office")), ("account", gettext_lazy("The account")),
    (TO_OTHER, gettext_lazy("Another address…"))]
BLANK: Final[Options] = [("", "—")]


@dataclass(frozen=True, slots=True)
class ParamInput:
    """How the form asks for one action parameter: its input's name in the row and its kind."""

    slot: str
    param: str
    kind: str
    label: StrOrPromise
    help: StrOrPromise = ""
    # What the action does when the parameter is left out: choosing it leaves the parameter
    # out, unless the stored rule wrote it out.
    default: str = ""


def _by_param(*items: ParamInput) -> dict[str, ParamInput]:
    return {item.param: item for item in items}


# How each action parameter is asked for. A parameter not listed here (an action a pack
# registers) gets a text box; add it here to offer a better input.
PARAM_INPUTS: Final = _by_param(
    ParamInput("stage", "stage", "stage", gettext_lazy("Stage")),
    ParamInput("transition", "transition", "transition", gettext_lazy("Transition")),
    ParamInput("force", "force", "check", gettext_lazy("Even when required fields are empty")),
    ParamInput("tag", "tag", "text", gettext_lazy("Tag")),
    ParamInput("target", "target", "target", gettext_lazy("On"), default="record"),
    ParamInput("field", "field", "field", gettext_lazy("Field")),
    ParamInput("value", "value", "text", gettext_lazy("New value")),
    ParamInput("strategy", "strategy", "strategy", gettext_lazy("Who gets it"),
               default="user"),
    ParamInput("user", "user", "user", gettext_lazy("Person"),
               gettext_lazy("For “A named person”.")),
    ParamInput("role", "role", "role", gettext_lazy("Only people with the role")),
    ParamInput("office", "office", "office", gettext_lazy("Only people in the office")),
    ParamInput("kind", "kind", "activity_kind", gettext_lazy("Kind of activity"),
               default="task"),
    ParamInput("subject", "subject", "text", gettext_lazy("Subject")),
    ParamInput("description", "description", "long_text", gettext_lazy("Description")),
    ParamInput("due_in_days", "due_in_days", "number", gettext_lazy("Due in (days)")),
    ParamInput("assign_to", "assign_to", "assignee", gettext_lazy("Assigned to"),
               default="owner"),
    ParamInput("template", "template", "template", gettext_lazy("Template")),
    ParamInput("to", "to", "to", gettext_lazy("To")),
    ParamInput("url", "url", "url", gettext_lazy("Web address (URL)")),
    ParamInput("name_from", "name_from", "field", gettext_lazy("Name from the field")),
    ParamInput("email_from", "email_from", "field", gettext_lazy("Email from the field")),
    ParamInput("phone_from", "phone_from", "field", gettext_lazy("Phone from the field")),
    ParamInput("first_name_from", "first_name_from", "field",
               gettext_lazy("First name from the field")),
    ParamInput("last_name_from", "last_name_from", "field",
               gettext_lazy("Last name from the field")),
    ParamInput("status", "status", "customer_status", gettext_lazy("Customer status")),
    ParamInput("follow_on", "follow_on", "follow_on", gettext_lazy("Follow-on")),
    ParamInput("name", "name", "text", gettext_lazy("Title of the new opportunity"),
               gettext_lazy("{title} is replaced by the title of this opportunity.")),
    ParamInput("pipeline", "pipeline", "opportunity_pipeline", gettext_lazy("Into the pipeline")),
)
# Parameters whose name means something else for one action than for the others.
ACTION_PARAM_INPUTS: Final[Mapping[tuple[str, str], ParamInput]] = {
    ("create_contact", "role"): ParamInput("contact_role", "role", "text",
                                           gettext_lazy("Role of the contact"),
                                           gettext_lazy("For example “Main contact”.")),
}
# A typed recipient, used when `to` is "Another address…".
ADDRESS: Final = ParamInput("to_address", "to", "address", gettext_lazy("Address"),
                            gettext_lazy("An email address or a phone number."))


def param_input(action: str, param: str) -> ParamInput:
    """The input that asks for `param` of `action`; a plain text box when nothing says more."""
    return (ACTION_PARAM_INPUTS.get((action, param)) or PARAM_INPUTS.get(param)
            or ParamInput(param, param, "text", param.replace("_", " ").capitalize()))


@dataclass(frozen=True, slots=True)
class Slot:
    """One input of an action row and the actions it belongs to."""

    input: ParamInput
    actions: tuple[str, ...]


def action_slots(choices: RuleChoices) -> list[Slot]:
    """Every input an action row may need, once each, in the order the actions list them."""
    actions_by_slot: dict[str, list[str]] = {}
    inputs: dict[str, ParamInput] = {}
    for action in choices.actions.values():
        for param in action.params:
            item = param_input(action.key, param)
            inputs.setdefault(item.slot, item)
            actions_by_slot.setdefault(item.slot, []).append(action.key)
            if item.kind == "to":
                inputs.setdefault(ADDRESS.slot, ADDRESS)
                actions_by_slot.setdefault(ADDRESS.slot, []).append(action.key)
    return [Slot(inputs[slot], tuple(actions)) for slot, actions in actions_by_slot.items()]


def split_names(text: Any) -> list[str]:
    """ "Quote, Schedule" → ["Quote", "Schedule"]."""
    return [name.strip() for name in str(text or "").split(",") if name.strip()]


def whole_number_or_text(text: Any) -> int | str:
    """A whole number when the text is one; else the text, for the service to refuse."""
    value = str(text or "").strip()
    return int(value) if re.fullmatch(r"-?\d{1,9}", value) else value


def shown_value(value: Any) -> Any:
    """A stored value as an input shows it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)


class ValuesField(forms.Field):
    """Several values from a multi-select or checkboxes; the service decides which are known."""

    def to_python(self, value: Any) -> list[str]:
        if value in (None, ""):
            return []
        items = value if isinstance(value, list | tuple) else [value]
        # A stage key two pipelines share is offered (and chosen) once in each of their groups.
        return list(dict.fromkeys(str(item) for item in items if str(item).strip()))


def _select(label: StrOrPromise, *, groups: Sequence[Any] = (), leading: Options | None = None,
            option_attrs: Mapping[str, Mapping[str, str]] | None = None,
            help_text: StrOrPromise = "") -> forms.CharField:
    return forms.CharField(required=False, label=label, help_text=help_text,
                           widget=GroupedSelect(groups=groups, leading=leading,
                                                option_attrs=option_attrs))


def _keep_current_values(form: forms.Form) -> None:
    """Let every select offer the value it holds, even one no longer in its list."""
    for name, field in form.fields.items():
        widget = field.widget
        if not isinstance(widget, GroupedSelect):
            continue
        if form.is_bound:
            value = widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        else:
            value = form.initial.get(name)
        values = value if isinstance(value, list | tuple) else [value]
        widget.keep(str(item) for item in values if item not in (None, ""))


def current_value(form: forms.Form, name: str) -> Any:
    """What a field holds before cleaning: the posted value, or the initial one."""
    if form.is_bound:
        return form.data.get(form.add_prefix(name), "")
    return form.initial.get(name, "")


# --- the parts of the form -------------------------------------------------------------------

class RuleForm(forms.Form):
    name = forms.CharField(required=False, max_length=200, label=gettext_lazy("Name"),
                           help_text=gettext_lazy("Say what it does, e.g. “Won opportunities "
                                                  "join the Customers group”."))
    key = forms.CharField(required=False, max_length=80, label=gettext_lazy("Key"),
                          help_text=gettext_lazy("A short code for files and the API: "
                                                 "lower-case letters, digits, - and _. Made "
                                                 "from the name when left empty."))
    active = forms.BooleanField(required=False, label=gettext_lazy("Active"),
                                help_text=gettext_lazy("When switched off the rule does "
                                                       "nothing."))
    position = forms.CharField(required=False, label=gettext_lazy("Order"),
                               widget=forms.NumberInput(attrs={"min": 0, "step": 1}),
                               help_text=gettext_lazy("Rules with a lower number run first."))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    rule_yaml = forms.CharField(
        required=False, strip=False, label=gettext_lazy("The whole rule as YAML"),
        widget=forms.Textarea(attrs={"rows": 16, "class": "code", "spellcheck": "false",
                                     "autocapitalize": "off"}),
        help_text=gettext_lazy("The same rule as it is written in a pipeline file. If you "
                               "change this text, it replaces everything above when you save."))
    rule_yaml_original = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, choices: RuleChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event"] = _select(
            gettext_lazy("What happens"), groups=choices.event_groups(),
            leading=[("", _("Choose what happens…"))], option_attrs=choices.event_attrs())
        self.fields["pipeline"] = _select(
            gettext_lazy("In the pipeline"), groups=choices.pipelines,
            leading=[("", _("Any pipeline"))],
            help_text=gettext_lazy("Leave at “Any pipeline” for a rule on every pipeline of "
                                   "the record type."))
        self.order_fields(["name", "key", "active", "event", "pipeline", "position"])
        _keep_current_values(self)


class ConditionsForm(forms.Form):
    tags = forms.CharField(required=False, label=gettext_lazy("Has all the tags"),
                           help_text=gettext_lazy("Separate several tags with commas."))
    without_tags = forms.CharField(required=False, label=gettext_lazy("Has none of the tags"),
                                   help_text=gettext_lazy("Separate several tags with commas."))
    tag = forms.CharField(required=False, label=gettext_lazy("The tag is"),
                          help_text=gettext_lazy("Leave empty for any tag."))
    days = forms.CharField(required=False, label=gettext_lazy("Number of days"),
                           widget=forms.NumberInput(attrs={"min": 1, "max": 3650, "step": 1}))
    unless_planned_activity = forms.BooleanField(
        required=False, label=gettext_lazy("Not if an activity is planned"),
        help_text=gettext_lazy("A record with an open activity still to do is left alone."))
    match = forms.CharField(required=False, label=gettext_lazy("The comparisons must"),
                            widget=forms.Select(choices=[
                                ("all", gettext_lazy("all hold")),
                                ("any", gettext_lazy("at least one hold"))]))
    extra = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, choices: RuleChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"] = ValuesField(
            required=False, label=gettext_lazy("The stage is one of"),
            widget=GroupedSelectMultiple(groups=choices.stages, attrs={"size": 6}),
            help_text=gettext_lazy("Choose none for any stage."))
        self.fields["status"] = ValuesField(
            required=False, label=gettext_lazy("The status is one of"),
            widget=forms.CheckboxSelectMultiple(choices=[(status, STATUS_LABELS[status])
                                                         for status in STATUSES]))
        self.fields["stage_group"] = ValuesField(
            required=False, label=gettext_lazy("The stage group is one of"),
            widget=GroupedSelectMultiple(groups=choices.stage_groups, attrs={"size": 4}))
        self.fields["office"] = _select(gettext_lazy("The office is"),
                                        leading=[("", _("Any office")), *choices.offices])
        self.fields["field"] = _select(gettext_lazy("The changed field is"),
                                       groups=choices.fields,
                                       leading=[("", _("Any field"))])
        self.fields["transition"] = _select(gettext_lazy("The transition is"),
                                            groups=choices.transitions,
                                            leading=[("", _("Any transition"))])
        self.order_fields(["stage", "status", "stage_group", "tags", "without_tags", "office",
                           "tag", "field", "transition", "days", "unless_planned_activity"])
        _keep_current_values(self)

    def extra_conditions(self) -> dict[str, Any]:
        """Conditions the form has no input for (such as `pipeline`), kept as they were."""
        try:
            extra = json.loads(str(current_value(self, "extra") or "{}"))
        except ValueError:
            return {}
        return extra if isinstance(extra, dict) else {}

    def needs(self, name: str) -> str:
        """What an input depends on, for the page script: an event fact, or "timed"."""
        return name if name in FACT_INPUTS else "timed" if name in TIMED_INPUTS else ""

    def conditions(self, event: EventInfo | None,
                   comparisons: list[dict[str, Any]]) -> dict[str, Any]:
        data = self.cleaned_data
        result = self.extra_conditions()
        for key in ("stage", "status", "stage_group"):
            chosen = data.get(key) or []
            if chosen:
                result[key] = chosen[0] if len(chosen) == 1 else chosen
        for key in ("tags", "without_tags"):
            names = split_names(data.get(key))
            if names:
                result[key] = names
        if data.get("office"):
            result["office"] = data["office"]
        facts = event.facts if event else ()
        for key in FACT_INPUTS:
            if key in facts and str(data.get(key) or "").strip():
                result[key] = str(data[key]).strip()
        if event is not None and event.timed:
            days = whole_number_or_text(data.get("days"))
            if days != "":
                result["days"] = days
            if data.get("unless_planned_activity"):
                result["unless_planned_activity"] = True
        if comparisons:
            result["where"] = comparisons
            if data.get("match") == "any":
                result["match"] = "any"
        return result


def conditions_initial(conditions: Any) -> dict[str, Any]:
    if not isinstance(conditions, Mapping):
        return {}
    initial: dict[str, Any] = {}
    for key in ("stage", "status", "stage_group"):
        value = conditions.get(key)
        if value not in (None, ""):
            initial[key] = [str(item) for item in value] if isinstance(value, list | tuple) \
                else [str(value)]
    for key in ("tags", "without_tags", "office", "tag", "field", "transition", "days"):
        if conditions.get(key) not in (None, ""):
            initial[key] = shown_value(conditions[key])
    initial["unless_planned_activity"] = bool(conditions.get("unless_planned_activity"))
    initial["match"] = str(conditions.get("match") or "all")
    extra = {key: value for key, value in conditions.items() if key not in SHOWN_CONDITIONS}
    if extra:
        initial["extra"] = json.dumps(extra)
    return initial


class ComparisonForm(forms.Form):
    """One row of "the field … is more than … 1000"."""

    value = forms.CharField(required=False, label=gettext_lazy("Value"))
    remove = forms.BooleanField(required=False, label=gettext_lazy("Remove"))

    def __init__(self, *args: Any, choices: RuleChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"] = _select(gettext_lazy("Field"), groups=choices.fields,
                                       leading=BLANK)
        self.fields["op"] = forms.CharField(
            required=False, label=gettext_lazy("Comparison"),
            widget=forms.Select(choices=[(op, OPERATOR_LABELS.get(op, op)) for op in OPERATORS]))
        self.order_fields(["field", "op", "value", "remove"])
        _keep_current_values(self)

    def item(self) -> dict[str, Any] | None:
        """The comparison this row says, or None when it is blank or marked for removal."""
        data = self.cleaned_data
        field = str(data.get("field") or "").strip()
        if not field or data.get("remove"):
            return None
        op = str(data.get("op") or "eq")
        item: dict[str, Any] = {"field": field, "op": op}
        if op == "in":
            item["value"] = split_names(data.get("value"))
        elif op not in VALUELESS_OPERATORS:
            item["value"] = str(data.get("value") or "")
        return item


def comparison_initial(item: Any) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        return {}
    return {"field": shown_value(item.get("field")), "op": str(item.get("op") or "eq"),
            "value": shown_value(item.get("value"))}


@dataclass(frozen=True, slots=True)
class ConditionField:
    """A condition's input, what it depends on ("tag", "timed"…) and whether it is shown."""

    field: forms.BoundField
    needs: str
    shown: bool

    @property
    def fields(self) -> list[forms.BoundField]:
        return [self.field]


@dataclass(frozen=True, slots=True)
class ParamField:
    """An action row's input as the template lays it out."""

    field: forms.BoundField
    actions: str
    shown: bool
    address: bool

    @property
    def fields(self) -> list[forms.BoundField]:
        return [self.field]


class ActionRowForm(forms.Form):
    """One action of a rule: which action, and the inputs of its parameters."""

    order = forms.CharField(required=False, label=gettext_lazy("Position"),
                            widget=forms.NumberInput(attrs={"min": 1, "step": 1}))
    remove = forms.BooleanField(required=False, label=gettext_lazy("Remove this action"))
    extra = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, choices: RuleChoices, slots: Sequence[Slot],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slots = slots
        self.fields["action"] = _select(
            gettext_lazy("Action"),
            leading=[("", _("Choose an action…")),
                     *[(action.key, action.label) for action in choices.actions.values()]],
            option_attrs=choices.action_attrs())
        for slot in slots:
            self.fields[slot.input.slot] = _param_field(slot.input, choices)
        self.order_fields(["action"])
        _keep_current_values(self)

    @property
    def current_action(self) -> str:
        return str(current_value(self, "action") or "")

    def param_fields(self) -> list[ParamField]:
        action = self.current_action
        other = current_value(self, "to") == TO_OTHER
        return [ParamField(self[slot.input.slot], " ".join(slot.actions),
                           shown=action in slot.actions and (slot.input is not ADDRESS or other),
                           address=slot.input is ADDRESS)
                for slot in self.slots]

    def _kept(self) -> dict[str, Any]:
        """What the row keeps from the stored action while the action stays the same."""
        try:
            kept = json.loads(str(current_value(self, "extra") or "{}"))
        except ValueError:
            return {}
        if not isinstance(kept, dict) or kept.get("action") != self.current_action:
            return {}
        return kept

    def extra_params(self) -> dict[str, Any]:
        """Parameters the form has no input for, kept as they were."""
        params = self._kept().get("params")
        return dict(params) if isinstance(params, dict) else {}

    def written_defaults(self) -> set[str]:
        """Parameters written out although they hold the default, kept written out."""
        names = self._kept().get("written_defaults")
        return {str(name) for name in names} if isinstance(names, list) else set()

    def slot_for(self, param: str) -> str | None:
        """The shown input where an error about `param` belongs."""
        if param == "action":
            return "action"
        action = self.current_action
        wanted = param_input(action, param).slot
        if param == "to" and current_value(self, "to") == TO_OTHER:
            wanted = ADDRESS.slot
        return next((slot.input.slot for slot in self.slots
                     if slot.input.slot == wanted and action in slot.actions), None)

    def item(self) -> dict[str, Any] | None:
        """The action this row says, or None when it is blank or marked for removal."""
        data = self.cleaned_data
        action = str(data.get("action") or "").strip()
        if not action or data.get("remove"):
            return None
        params = self.extra_params()
        written = self.written_defaults()
        for slot in self.slots:
            entry = slot.input
            if action not in slot.actions or entry is ADDRESS:
                continue
            value = _param_value(entry.kind, data.get(entry.slot))
            if entry.kind == "to" and value == TO_OTHER:
                value = str(data.get(ADDRESS.slot) or "").strip()
            if value == entry.default and entry.param not in written:
                continue
            if value not in (None, "", False):
                params[entry.param] = value
        return {"action": action, "params": params}


def _param_value(kind: str, value: Any) -> Any:
    if kind == "check":
        return bool(value)
    if kind == "number":
        return whole_number_or_text(value)
    return str(value or "").strip()


def _param_field(entry: ParamInput, choices: RuleChoices) -> forms.Field:
    kind = entry.kind
    grouped = {"stage": choices.stages, "transition": choices.transitions,
               "field": choices.fields, "follow_on": choices.follow_ons,
               "template": choices.templates,
               "opportunity_pipeline": choices.opportunity_pipelines()}
    if kind in grouped:
        leading = [("", _("The default pipeline"))] if kind == "opportunity_pipeline" else BLANK
        return _select(entry.label, groups=grouped[kind], leading=leading,
                       help_text=entry.help)
    flat: dict[str, Options] = {
        "target": TARGETS, "strategy": STRATEGIES, "to": RECIPIENTS,
        "user": [*BLANK, *choices.users],
        "assignee": [("owner", _("The record’s owner")), *choices.users],
        "role": [("", _("Anyone")), *choices.roles],
        "office": [("", _("Any office")), *choices.offices],
        "activity_kind": list(Activity.Kind.choices),
        "customer_status": list(CustomerStatus.choices),
    }
    if kind in flat:
        return _select(entry.label, leading=flat[kind], help_text=entry.help)
    options: dict[str, Any] = {"required": False, "label": entry.label,
                               "help_text": entry.help}
    if kind == "check":
        return forms.BooleanField(**options)
    if kind == "number":
        return forms.CharField(widget=forms.NumberInput(attrs={"step": 1}), **options)
    if kind == "long_text":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), **options)
    if kind == "url":
        return forms.CharField(widget=forms.URLInput, **options)
    return forms.CharField(**options)


def action_initial(item: Any, choices: RuleChoices) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        return {}
    action = str(item.get("action") or "")
    params = item.get("params") if isinstance(item.get("params"), Mapping) else {}
    assert isinstance(params, Mapping)
    known = set(choices.actions[action].params) if action in choices.actions else set()
    initial: dict[str, Any] = {"action": action}
    for param, value in params.items():
        if param in known:
            initial[param_input(action, param).slot] = shown_value(value)
    recipient = params.get("to")
    if "to" in known and recipient and recipient not in dict(RECIPIENTS):
        initial["to"], initial[ADDRESS.slot] = TO_OTHER, shown_value(recipient)
    extra = {param: value for param, value in params.items() if param not in known}
    written = [param for param, value in params.items()
               if param in known and value and value == param_input(action, param).default]
    if extra or written:
        initial["extra"] = json.dumps({"action": action, "params": extra,
                                       "written_defaults": written})
    return initial


# --- the automation log's filters ------------------------------------------------------------

class LogFilterForm(forms.Form):
    since = forms.DateField(required=False, label=gettext_lazy("From"),
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label=gettext_lazy("To"),
                            widget=forms.DateInput(attrs={"type": "date"}))
    record_id = forms.IntegerField(required=False, min_value=1, label=gettext_lazy("Record id"))

    def __init__(self, *args: Any, events: Mapping[str, EventInfo], rules: Options,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        record_types = dict.fromkeys(event.record_type for event in events.values())
        self.fields["outcome"] = forms.ChoiceField(
            required=False, label=gettext_lazy("Outcome"),
            choices=[("", _("Any outcome")), *Firing.Outcome.choices])
        self.fields["record_type"] = forms.ChoiceField(
            required=False, label=gettext_lazy("Record type"),
            choices=[("", _("Any record type")),
                     *[(record_type, record_type_name(record_type))
                       for record_type in record_types]])
        self.fields["rule"] = forms.TypedChoiceField(
            required=False, coerce=int, empty_value=None, label=gettext_lazy("Rule"),
            choices=[("", _("Any rule")), *rules])
        self.fields["event"] = forms.ChoiceField(
            required=False, label=gettext_lazy("Event"),
            choices=[("", _("Any event")),
                     *[(group.label, group.options) for group in event_groups(events)]])
        self.order_fields(["outcome", "record_type", "rule", "event", "since", "until",
                           "record_id"])

    def filters(self) -> dict[str, Any]:
        """The valid filters, as `firing_log` takes them; invalid ones are left out."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items()
                if value not in (None, "")}
