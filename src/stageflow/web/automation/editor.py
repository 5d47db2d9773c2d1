"""The rule form as a whole: its parts, the rule they say, and the service's errors put back.

`RuleEditor` shows a rule (or what was posted) as the parts in `forms`, assembles the values
`rule_save` takes — from the fields, or from the YAML text when that was changed — and puts
each place an error names (`actions.2.stage`) on the input of that part.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import QueryDict
from django.utils.translation import gettext as _

from stageflow.automation.models import Rule
from stageflow.automation.services import RULE_FIELDS
from stageflow.core.errors import InvalidInput, StageflowError
from stageflow.web.automation.choices import EventInfo, RuleChoices
from stageflow.web.automation.forms import (
    FACT_INPUTS,
    MAIN_PLACES,
    TIMED_INPUTS,
    ActionRowForm,
    ComparisonForm,
    ConditionField,
    ConditionsForm,
    RuleForm,
    action_initial,
    action_slots,
    comparison_initial,
    conditions_initial,
    current_value,
    shown_value,
    whole_number_or_text,
)
from stageflow.web.forms import show_service_errors


def rule_values(rule: Rule) -> dict[str, Any]:
    """A stored rule as `rule_save` takes it (and as a pipeline file writes it)."""
    return {"key": rule.key, "name": rule.name, "active": rule.active, "event": rule.event,
            "pipeline": rule.pipeline.key if rule.pipeline is not None else "",
            "conditions": rule.conditions or {}, "actions": rule.actions or [],
            "position": rule.position}


def rule_yaml(values: Mapping[str, Any]) -> str:
    ordered = {name: values[name] for name in RULE_FIELDS if name in values}
    ordered.update({name: value for name, value in values.items() if name not in ordered})
    return yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, default_flow_style=False)


def read_rule_yaml(text: str) -> dict[str, Any]:
    """The rule a YAML text describes; ValueError saying why when it describes none."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(_("This is not valid YAML: %(problem)s") % {
            "problem": str(error).splitlines()[0]}) from error
    if not isinstance(data, dict):
        raise ValueError(_("Write the rule as name: value lines (key, name, event, conditions, "
                           "actions…)."))
    values = {str(name): value for name, value in data.items()}
    if values.get("pipeline") is None and "pipeline" in values:
        values["pipeline"] = ""
    return values


def _same_yaml(first: str, second: str) -> bool:
    try:
        return bool(yaml.safe_load(first) == yaml.safe_load(second))
    except yaml.YAMLError:
        return False


@dataclass(slots=True)
class EditorParts:
    """The initial values of each part of the form, unprefixed."""

    rule: dict[str, Any]
    conditions: dict[str, Any]
    comparisons: list[dict[str, Any]]
    actions: list[dict[str, Any]]

    def as_data(self) -> QueryDict:
        """The parts as the browser would post them."""
        data = QueryDict(mutable=True)
        _put(data, "", self.rule)
        _put(data, "conditions-", self.conditions)
        for number, values in enumerate(self.comparisons):
            _put(data, f"where-{number}-", values)
        for number, values in enumerate(self.actions):
            _put(data, f"actions-{number}-", {**values, "order": number + 1})
        return data


def _put(data: QueryDict, prefix: str, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        if isinstance(value, bool):
            if value:
                data[prefix + name] = "on"
        elif isinstance(value, list):
            data.setlist(prefix + name, [str(item) for item in value])
        elif value is not None:
            data[prefix + name] = str(value)


def editor_parts(values: Mapping[str, Any], choices: RuleChoices, *,
                 version: int | None) -> EditorParts:
    conditions = values.get("conditions")
    where = conditions.get("where") if isinstance(conditions, Mapping) else None
    actions = values.get("actions")
    return EditorParts(
        rule={"name": shown_value(values.get("name")), "key": shown_value(values.get("key")),
              "active": bool(values.get("active", True)), "event": shown_value(values.get("event")),
              "pipeline": shown_value(values.get("pipeline")),
              "position": shown_value(values.get("position", 0)), "version": version},
        conditions=conditions_initial(conditions),
        comparisons=[comparison_initial(item) for item in where] if isinstance(where, list)
        else [],
        actions=[action_initial(item, choices) for item in actions]
        if isinstance(actions, list) else [])


def _row_numbers(data: Mapping[str, Any], prefix: str) -> list[int]:
    pattern = re.compile(rf"^{prefix}-(\d{{1,4}})-")
    return sorted({int(found.group(1)) for name in data if (found := pattern.match(name))})


class RuleEditor:
    """The rule form as a whole: its parts, the rule they say, and the errors put back on them."""

    def __init__(self, choices: RuleChoices, *, data: QueryDict | None = None,
                 parts: EditorParts | None = None) -> None:
        self.choices = choices
        self.slots = action_slots(choices)
        self.actions_errors: list[str] = []
        self.used_yaml = False
        self.stale = False
        rows = {"choices": choices}
        if data is not None:
            self.rule_form = RuleForm(data, choices=choices)
            self.conditions_form = ConditionsForm(data, prefix="conditions", choices=choices)
            self.comparison_forms = [ComparisonForm(data, prefix=f"where-{number}", **rows)
                                     for number in _row_numbers(data, "where")]
            action_forms = [ActionRowForm(data, prefix=f"actions-{number}", slots=self.slots,
                                          **rows) for number in _row_numbers(data, "actions")]
            self.action_forms = sorted(action_forms, key=_posted_order)
        else:
            parts = parts or EditorParts({}, {}, [], [])
            self.rule_form = RuleForm(initial=parts.rule, choices=choices)
            self.conditions_form = ConditionsForm(initial=parts.conditions, prefix="conditions",
                                                  choices=choices)
            self.comparison_forms = [ComparisonForm(initial=initial, prefix=f"where-{number}",
                                                    **rows)
                                     for number, initial in enumerate(parts.comparisons)]
            self.action_forms = [ActionRowForm(initial={**initial, "order": number + 1},
                                               prefix=f"actions-{number}", slots=self.slots,
                                               **rows)
                                 for number, initial in enumerate(parts.actions)]
        # The forms whose items make up the rule sent to the service, in its order, so that
        # "actions.2" finds the second of them.
        self.item_comparisons: list[ComparisonForm] = list(self.comparison_forms)
        self.item_actions: list[ActionRowForm] = list(self.action_forms)
        self._add_blank_rows()

    @classmethod
    def for_values(cls, choices: RuleChoices, values: Mapping[str, Any], *,
                   version: int | None, bound: bool = False) -> RuleEditor:
        parts = editor_parts(values, choices, version=version)
        yaml_text = rule_yaml(values)
        parts.rule.update({"rule_yaml": yaml_text, "rule_yaml_original": yaml_text})
        if not bound:
            return cls(choices, parts=parts)
        editor = cls(choices, data=parts.as_data())
        editor.parse()
        return editor

    def _add_blank_rows(self) -> None:
        """One empty row at the end of each list: adding without JavaScript fills it in."""
        rows = {"choices": self.choices}
        if all(current_value(form, "field") for form in self.comparison_forms):
            self.comparison_forms.append(ComparisonForm(
                prefix=f"where-{_next_number(self.comparison_forms)}", **rows))
        if all(form.current_action for form in self.action_forms):
            self.action_forms.append(ActionRowForm(
                prefix=f"actions-{_next_number(self.action_forms)}", slots=self.slots,
                initial={"order": len(self.action_forms) + 1}, **rows))
        self.comparison_template = ComparisonForm(prefix="where-__index__", **rows)
        self.action_template = ActionRowForm(prefix="actions-__index__", slots=self.slots,
                                             **rows)

    # Reading what was posted ----------------------------------------------------------------

    def parse(self) -> None:
        for form in self.all_forms():
            if form.is_bound:
                form.is_valid()

    def all_forms(self) -> list[forms.Form]:
        return [self.rule_form, self.conditions_form, *self.comparison_forms,
                *self.action_forms]

    @property
    def version(self) -> int | None:
        version = self.rule_form.cleaned_data.get("version")
        return version if isinstance(version, int) else None

    @property
    def posted_yaml(self) -> str:
        return str(self.rule_form.cleaned_data.get("rule_yaml") or "")

    def yaml_changed(self) -> bool:
        original = str(self.rule_form.cleaned_data.get("rule_yaml_original") or "")
        return bool(self.posted_yaml.strip()) and not _same_yaml(self.posted_yaml, original)

    @property
    def event(self) -> EventInfo | None:
        return self.choices.events.get(str(current_value(self.rule_form, "event") or ""))

    def condition_fields(self) -> list[ConditionField]:
        event = self.event
        shown_fields = []
        for name in ("stage", "status", "stage_group", "tags", "without_tags", "office",
                     *FACT_INPUTS, *TIMED_INPUTS):
            needs = self.conditions_form.needs(name)
            if not needs:
                shown = True
            elif event is None:
                shown = False
            else:
                shown = event.timed if needs == "timed" else needs in event.facts
            shown_fields.append(ConditionField(self.conditions_form[name], needs, shown))
        return shown_fields

    @property
    def top_errors(self) -> list[str]:
        """What goes above the form: the service's message first, then what has no input."""
        return [str(error) for error in self.rule_form.non_field_errors()]

    @property
    def has_errors_below(self) -> bool:
        """Whether some error is shown at an input or a row, not only above the form."""
        on_rule = self.rule_form.is_bound and any(
            name != NON_FIELD_ERRORS for name in self.rule_form.errors)
        return on_rule or bool(self.actions_errors) or any(
            form.is_bound and form.errors for form in self.all_forms()[1:])

    def values(self) -> dict[str, Any]:
        """The rule the structured fields say, as `rule_save` takes it."""
        main = self.rule_form.cleaned_data
        comparisons: list[dict[str, Any]] = []
        self.item_comparisons = []
        for comparison in self.comparison_forms:
            if comparison.is_bound and (item := comparison.item()) is not None:
                comparisons.append(item)
                self.item_comparisons.append(comparison)
        actions: list[dict[str, Any]] = []
        self.item_actions = []
        for row in self.action_forms:
            if row.is_bound and (action := row.item()) is not None:
                actions.append(action)
                self.item_actions.append(row)
        position = whole_number_or_text(main.get("position"))
        return {
            "key": str(main.get("key") or "").strip(),
            "name": str(main.get("name") or "").strip(),
            "active": bool(main.get("active")),
            "event": str(main.get("event") or ""),
            "pipeline": str(main.get("pipeline") or ""),
            "conditions": self.conditions_form.conditions(self.event, comparisons),
            "actions": actions,
            "position": 0 if position == "" else position,
        }

    def show_yaml(self, values: Mapping[str, Any]) -> None:
        """Show `values` in the YAML box, as the text to compare the next post against."""
        text = rule_yaml(values)
        data = self._rule_data()
        data["rule_yaml"] = data["rule_yaml_original"] = text
        self.rule_form.data = data

    def _rule_data(self) -> QueryDict:
        assert isinstance(self.rule_form.data, QueryDict)
        return self.rule_form.data.copy()

    def keep_yaml(self, text: str, original: str) -> None:
        """Keep the YAML someone typed (and what it was compared against) on the page."""
        data = self._rule_data()
        data["rule_yaml"], data["rule_yaml_original"] = text, original
        self.rule_form.data = data
        self.used_yaml = True

    # Putting errors back ----------------------------------------------------------------------

    def show_stale(self, error: StageflowError) -> None:
        self.stale = True
        self.rule_form.add_error(None, error.message)

    def show_errors(self, error: StageflowError) -> None:
        """Put each reason next to the input it is about; what has no input goes on top."""
        main: dict[str, str] = {}
        unplaced: dict[str, str] = {}
        for place, reason in error.fields.items():
            if place in MAIN_PLACES:
                main[place] = reason
            elif not self._place(place, reason):
                unplaced[place] = reason
        show_service_errors(self.rule_form, InvalidInput(error.message,
                                                         fields={**main, **unplaced}))
        for place, reason in unplaced.items():
            self.rule_form.add_error(None, f"{reason} ({place})")

    def _place(self, place: str, reason: str) -> bool:
        parts = place.split(".")
        if parts[0] == "conditions":
            return self._place_condition(parts[1:], reason)
        if parts[0] == "actions":
            return self._place_action(parts[1:], reason)
        return False

    def _place_condition(self, parts: list[str], reason: str) -> bool:
        form = self.conditions_form
        if not parts or parts == ["where"]:
            form.add_error(None, reason)
            return True
        if parts[0] == "where":
            row = _nth(self.item_comparisons, parts[1])
            if row is None:
                return False
            if len(parts) == 3 and parts[2] in ("field", "op", "value"):
                row.add_error(parts[2], reason)
            else:
                row.add_error(None, reason)
            return True
        if len(parts) == 1 and parts[0] in form.fields and parts[0] != "extra":
            form.add_error(parts[0], reason)
            return True
        return False

    def _place_action(self, parts: list[str], reason: str) -> bool:
        if not parts:
            self.actions_errors.append(reason)
            return True
        row = _nth(self.item_actions, parts[0])
        if row is None:
            return False
        param = ".".join(parts[1:])
        slot = row.slot_for(param) if param else None
        if slot is not None:
            row.add_error(slot, reason)
        else:
            row.add_error(None, f"{param}: {reason}" if param else reason)
        return True


def _row_number(form: forms.Form) -> int:
    return int(str(form.prefix).rsplit("-", 1)[1])


def _next_number(forms_: Sequence[forms.Form]) -> int:
    return max((_row_number(form) for form in forms_), default=-1) + 1


def _posted_order(form: ActionRowForm) -> tuple[int, int]:
    """Rows by the position they were given, then by the order they were added."""
    position = whole_number_or_text(current_value(form, "order"))
    return (position if isinstance(position, int) else 10**6, _row_number(form))


def _nth(forms_: Sequence[forms.Form], number: str) -> Any:
    """The form of the `number`-th item (counted from 1, as the service counts)."""
    if not number.isdigit() or not 1 <= int(number) <= len(forms_):
        return None
    return forms_[int(number) - 1]
