"""Forms of the configuration screens. They parse input into definition file data (dicts);
`editing` applies that data and the pipeline services decide what may be stored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Final

import yaml
from django import forms
from django.utils.translation import gettext_lazy as _

from stageflow import engine
from stageflow.engine.validation import COLOUR_PATTERN, KEY_PATTERN
from stageflow.pipelines.models import CustomAttribute
from stageflow.web.config import editing

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Choices = list[tuple[str, "StrOrPromise"]]
ChoiceSeq = Sequence[tuple[str, "StrOrPromise"]]

# The actions a transition may trigger; the automation layer carries them out.
TRIGGER_ACTIONS: Final = (
    "create_account", "create_contact", "create_invoice", "create_registration",
    "create_token_issue", "add_tag", "remove_tag", "set_field", "assign_owner", "create_task",
    "send_email", "send_sms", "call_webhook", "set_customer_status", "create_order",
    "create_sub_account", "create_appointment",
)
LANGUAGES: Final = (("en", _("English")), ("nl", _("Dutch")))
STATUS_CHOICES: Final = (("open", _("Open")), ("won", _("Won")), ("lost", _("Lost")),
                         ("archived", _("Archived")))
MAX_PARAMS_CHARS: Final = 2000


@dataclass(frozen=True, slots=True)
class EditorChoices:
    """What the selects of the pipeline forms offer, taken from the definition being edited."""

    record_type: str
    stages: ChoiceSeq
    groups: ChoiceSeq
    steps: ChoiceSeq
    fields: ChoiceSeq


def _with_current(choices: ChoiceSeq, current: Sequence[str]) -> Choices:
    """Keep values the item already holds selectable even when they are unknown."""
    known = {value for value, _label in choices}
    return [*choices] + [(value, f"{value} (?)") for value in current if value not in known]


def _names(item: Mapping[str, Any] | None, field: str = "names") -> dict[str, str]:
    value = (item or {}).get(field)
    return dict(value) if isinstance(value, dict) else {}


def _checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "checklist"})


class ItemForm(forms.Form):
    """One item of a pipeline section; `item_values()` returns its file data."""

    section: ClassVar[str]
    # Where the engine's problem paths (after `section[i].`) are shown on this form.
    path_fields: ClassVar[Mapping[str, str]] = {}
    key_source: ClassVar[str] = "name"

    key = forms.CharField(
        label=_("Key"), required=False, max_length=100,
        help_text=_("A short code used in files and the API. It cannot change later; leave it "
                    "empty to make one from the name."))

    def __init__(self, data: Mapping[str, Any] | None = None, *, choices: EditorChoices,
                 item: Mapping[str, Any] | None = None, taken: Sequence[str] = ()) -> None:
        super().__init__(data, initial=self.initial_from(item) if item else None)
        self.choices = choices
        self.item = dict(item) if item else None
        self.taken = list(taken)
        if item is not None:
            self.fields["key"].disabled = True
            self.fields["key"].help_text = _("Keys cannot change once created.")
        self.setup()

    def setup(self) -> None:
        """Fill the selects; subclasses override."""

    @classmethod
    def initial_from(cls, item: Mapping[str, Any]) -> dict[str, Any]:
        return dict(item)

    def clean_key(self) -> str:
        if self.item is not None:
            return str(self.item.get("key", ""))
        key = str(self.cleaned_data.get("key") or "").strip()
        if key and not KEY_PATTERN.fullmatch(key):
            raise forms.ValidationError(
                _("Use letters, digits, '_', '-' or '.', starting with a letter or digit."))
        if key in self.taken:
            raise forms.ValidationError(_("This key is already used."))
        return key

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.item is None and not cleaned.get("key") and "key" not in self.errors:
            source = str(cleaned.get(self.key_source) or "")
            cleaned["key"] = editing.suggest_key(source, self.taken, fallback=self.section[:-1])
        return cleaned

    def item_values(self) -> dict[str, Any]:
        raise NotImplementedError

    def field_for_path(self, rest: str) -> str | None:
        """The form field that shows a problem at `section[i].<rest>`, if any."""
        head = rest.split(".", 1)[0].split("[", 1)[0]
        name = self.path_fields.get(head, head)
        return name if name in self.fields else None


class NamesMixin(forms.Form):
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    name_nl = forms.CharField(label=_("Name (Dutch)"), max_length=200, required=False)

    def names_value(self, item: Mapping[str, Any] | None) -> dict[str, str]:
        names = _names(item)
        for code, _label in LANGUAGES:
            text = str(self.cleaned_data.get(f"name_{code}") or "").strip()
            if text:
                names[code] = text
            else:
                names.pop(code, None)
        return names


def _names_initial(item: Mapping[str, Any]) -> dict[str, Any]:
    names = _names(item)
    return {f"name_{code}": names.get(code, "") for code, _label in LANGUAGES}


class StageGroupForm(NamesMixin, ItemForm):
    section = "stage_groups"
    key_source = "name_en"
    path_fields = {"names": "name_en"}
    field_order = ("key", "name_en", "name_nl")

    @classmethod
    def initial_from(cls, item: Mapping[str, Any]) -> dict[str, Any]:
        return {"key": item.get("key"), **_names_initial(item)}

    def item_values(self) -> dict[str, Any]:
        return {"key": self.cleaned_data["key"], "names": self.names_value(self.item) or None}


class StageForm(NamesMixin, ItemForm):
    section = "stages"
    key_source = "name_en"
    path_fields = {"names": "name_en", "is_default": "is_default"}
    field_order = ("key", "name_en", "name_nl", "status", "colour", "no_colour", "code",
                   "group", "probability", "active", "is_default", "is_end_stage",
                   "is_conversion_end_stage", "instructions", "allowed_next")

    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES,
                               help_text=_("Won and lost stages close a record."))
    colour = forms.CharField(label=_("Colour"), required=False, initial="#cce5ff",
                             widget=forms.TextInput(attrs={"type": "color"}))
    no_colour = forms.BooleanField(label=_("No colour"), required=False)
    code = forms.CharField(label=_("Code"), required=False, max_length=20,
                           help_text=_("A short code shown on boards, such as ENQ."))
    group = forms.ChoiceField(label=_("Stage group"), required=False,
                              help_text=_("Stages of one group are shown as one overview tab."))
    probability = forms.IntegerField(label=_("Probability (%)"), required=False, min_value=0,
                                     max_value=100)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True,
                                help_text=_("Inactive stages take no new records."))
    is_default = forms.BooleanField(label=_("Default stage"), required=False,
                                    help_text=_("New records start here."))
    is_end_stage = forms.BooleanField(label=_("End stage"), required=False)
    is_conversion_end_stage = forms.BooleanField(
        label=_("Conversion end-stage"), required=False,
        help_text=_("A lead moves here when it is converted into an opportunity."))
    instructions = forms.CharField(label=_("Instructions"), required=False, max_length=10_000,
                                   widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text=_("Shown on records in this stage."))
    allowed_next = forms.MultipleChoiceField(
        label=_("Allowed next stages"), required=False, widget=_checkboxes(),
        help_text=_("Leave all unticked to allow any active stage."))

    def setup(self) -> None:
        own = self.item.get("key") if self.item else None
        current = list((self.item or {}).get("allowed_next") or [])
        group_field = self.fields["group"]
        assert isinstance(group_field, forms.ChoiceField)
        group_field.choices = [("", _("— none —")), *self.choices.groups]
        next_field = self.fields["allowed_next"]
        assert isinstance(next_field, forms.MultipleChoiceField)
        next_field.choices = _with_current(
            [(key, label) for key, label in self.choices.stages if key != own], current)
        if self.choices.record_type != "lead" and not (self.item or {}).get(
                "is_conversion_end_stage"):
            del self.fields["is_conversion_end_stage"]

    @classmethod
    def initial_from(cls, item: Mapping[str, Any]) -> dict[str, Any]:
        colour = item.get("colour")
        return {
            **item, **_names_initial(item), "status": item.get("status", "open"),
            "colour": colour or "#cce5ff", "no_colour": not colour,
            "active": item.get("active", True), "allowed_next": item.get("allowed_next", []),
        }

    def clean_colour(self) -> str:
        colour = str(self.cleaned_data.get("colour") or "").strip()
        if colour and not COLOUR_PATTERN.fullmatch(colour):
            raise forms.ValidationError(_("Pick a colour such as #1A2B3C."))
        return colour

    def item_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        colour = None if data.get("no_colour") or not data.get("colour") else data["colour"]
        values: dict[str, Any] = {
            "key": data["key"], "names": self.names_value(self.item) or None,
            "status": None if data["status"] == "open" else data["status"],
            "colour": colour, "code": data.get("code") or None,
            "group": data.get("group") or None, "probability": data.get("probability"),
            "active": None if data.get("active") else False,
            "is_default": data.get("is_default") or None,
            "is_end_stage": data.get("is_end_stage") or None,
            "instructions": data.get("instructions") or None,
            "allowed_next": list(data.get("allowed_next") or []) or None,
        }
        if "is_conversion_end_stage" in self.fields:
            values["is_conversion_end_stage"] = data.get("is_conversion_end_stage") or None
        return values


class StepForm(ItemForm):
    section = "steps"
    field_order = ("key", "name", "stage", "attributes")

    name = forms.CharField(label=_("Name"), max_length=200)
    stage = forms.ChoiceField(label=_("Stage"))
    attributes = forms.MultipleChoiceField(
        label=_("Attributes shown"), required=False, widget=_checkboxes(),
        help_text=_("The fields shown on a record while it is at this step."))

    def setup(self) -> None:
        stage_field = self.fields["stage"]
        assert isinstance(stage_field, forms.ChoiceField)
        stage_field.choices = [("", _("— choose a stage —")), *self.choices.stages]
        attribute_field = self.fields["attributes"]
        assert isinstance(attribute_field, forms.MultipleChoiceField)
        attribute_field.choices = _with_current(
            self.choices.fields, list((self.item or {}).get("attributes") or []))

    def item_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"key": data["key"], "name": data["name"], "stage": data["stage"],
                "attributes": list(data.get("attributes") or []) or None}


class TriggerForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    params = forms.CharField(
        label=_("Settings"), required=False, max_length=MAX_PARAMS_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, as name: value (for example tag: Schedule)."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = str(self.initial.get("action") or "")
        actions: Choices = [("", _("— choose an action —"))]
        actions += [(action, action.replace("_", " ").capitalize()) for action in TRIGGER_ACTIONS]
        action_field = self.fields["action"]
        assert isinstance(action_field, forms.ChoiceField)
        action_field.choices = _with_current(actions, [current] if current else [])

    def clean_params(self) -> dict[str, Any]:
        text = str(self.cleaned_data.get("params") or "").strip()
        if not text:
            return {}
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            value = None
        if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
            raise forms.ValidationError(_("Write one “name: value” per line."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("params") and not cleaned.get("action"):
            self.add_error("action", _("Choose the action these settings belong to."))
        return cleaned


class CommunicationForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=(
        ("", "—"), ("email", _("Email")), ("sms", _("SMS"))))
    template = forms.CharField(label=_("Template"), required=False, max_length=100)
    to = forms.CharField(label=_("To"), required=False, max_length=100,
                         help_text=_("Who receives it, such as primary_contact or owner."))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if any(cleaned.get(name) for name in ("channel", "template", "to")):
            for name in ("channel", "template", "to"):
                if not cleaned.get(name):
                    self.add_error(name, _("Required for a message."))
        return cleaned


TriggerFormSet = forms.formset_factory(TriggerForm, extra=1, can_delete=True, max_num=100)
CommunicationFormSet = forms.formset_factory(CommunicationForm, extra=1, can_delete=True,
                                             max_num=100)


def _trigger_initial(item: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for trigger in item.get("triggers") or []:
        params = trigger.get("params") or {}
        text = yaml.safe_dump(params, sort_keys=False, allow_unicode=True).strip() if params \
            else ""
        rows.append({"action": trigger.get("action", ""), "params": text})
    return rows


class TransitionForm(ItemForm):
    section = "transitions"
    path_fields = {"from": "from_step", "to": "to_step"}
    field_order = ("key", "name", "from_step", "to_step", "required")

    name = forms.CharField(label=_("Name"), max_length=200,
                           help_text=_("The button people press, such as “Send proposal”."))
    from_step = forms.ChoiceField(label=_("From step"))
    to_step = forms.ChoiceField(label=_("To step"))
    required = forms.MultipleChoiceField(
        label=_("Required attributes"), required=False, widget=_checkboxes(),
        help_text=_("These must be filled in before the move is allowed."))

    def setup(self) -> None:
        item = self.item or {}
        steps = [("", _("— choose a step —")), *self.choices.steps]
        from_field = self.fields["from_step"]
        to_field = self.fields["to_step"]
        required_field = self.fields["required"]
        assert isinstance(from_field, forms.ChoiceField)
        assert isinstance(to_field, forms.ChoiceField)
        assert isinstance(required_field, forms.MultipleChoiceField)
        from_field.choices = _with_current(
            [steps[0], (engine.ANY_STEP, _("Any step")), *steps[1:]],
            [str(item["from"])] if item.get("from") else [])
        to_field.choices = _with_current(steps, [str(item["to"])] if item.get("to") else [])
        required_field.choices = _with_current(self.choices.fields,
                                               list(item.get("required") or []))
        self.triggers = TriggerFormSet(self.data or None, prefix="triggers",
                                       initial=_trigger_initial(item))
        self.communications = CommunicationFormSet(
            self.data or None, prefix="communications",
            initial=[dict(message) for message in item.get("communications") or []])

    @classmethod
    def initial_from(cls, item: Mapping[str, Any]) -> dict[str, Any]:
        return {**item, "from_step": item.get("from"), "to_step": item.get("to"),
                "required": item.get("required", [])}

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return self.triggers.is_valid() and self.communications.is_valid() and valid

    def _rows(self, formset: forms.BaseFormSet) -> list[dict[str, Any]]:
        return [row.cleaned_data for row in formset.forms
                if row.has_changed() and row.cleaned_data
                and not row.cleaned_data.get("DELETE")]

    def item_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        triggers = []
        for row in self._rows(self.triggers):
            if row.get("action"):
                trigger: dict[str, Any] = {"action": row["action"]}
                if row.get("params"):
                    trigger["params"] = row["params"]
                triggers.append(trigger)
        messages = [{"channel": row["channel"], "template": row["template"], "to": row["to"]}
                    for row in self._rows(self.communications) if row.get("channel")]
        return {"key": data["key"], "name": data["name"], "from": data["from_step"],
                "to": data["to_step"], "required": list(data.get("required") or []) or None,
                "triggers": triggers or None, "communications": messages or None}


class EntryForm(ItemForm):
    section = "entries"
    field_order: tuple[str, ...] = ("key", "name", "step", "for_existing_account")

    name = forms.CharField(label=_("Name"), max_length=200,
                           help_text=_("Shown when someone creates a record, such as "
                                       "“New opportunity – existing account”."))
    step = forms.ChoiceField(label=_("Starts at step"))
    for_existing_account = forms.BooleanField(label=_("For an existing account"), required=False)

    def setup(self) -> None:
        step_field = self.fields["step"]
        assert isinstance(step_field, forms.ChoiceField)
        step_field.choices = _with_current([("", _("— choose a step —")), *self.choices.steps],
                                           [str((self.item or {}).get("step") or "")])

    def item_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"key": data["key"], "name": data["name"], "step": data["step"],
                "for_existing_account": data.get("for_existing_account") or None}


class FollowOnForm(EntryForm):
    section = "follow_ons"
    field_order: tuple[str, ...] = ("key", "name", "step")

    def setup(self) -> None:
        super().setup()
        del self.fields["for_existing_account"]
        self.fields["name"].help_text = _("Starts a child opportunity, such as “Upsell”.")

    def item_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"key": data["key"], "name": data["name"], "step": data["step"]}


class PipelineNameForm(forms.Form):
    name = forms.CharField(label=_("Pipeline name"), max_length=200)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Workflow file (YAML or JSON)"),
                           help_text=_("At most 1 MB. A file for an existing pipeline becomes "
                                       "its new draft."))
    publish = forms.BooleanField(label=_("Publish now"), required=False,
                                 help_text=_("Otherwise it is kept as a draft to review first."))

    def file_format(self) -> str:
        name = str(getattr(self.cleaned_data.get("file"), "name", "")).lower()
        return "json" if name.endswith(".json") else "yaml"


class YamlForm(forms.Form):
    text = forms.CharField(label=_("Workflow as YAML"), max_length=engine.MAX_INPUT_BYTES,
                           strip=False, widget=forms.Textarea(attrs={
                               "rows": 24, "spellcheck": "false", "class": "code"}))


class StepMappingForm(forms.Form):
    """For each step the new version removes (and records are on), the step they move to."""

    def __init__(self, data: Mapping[str, Any] | None = None, *,
                 reasons: Mapping[str, str], steps: ChoiceSeq) -> None:
        super().__init__(data)
        for step, reason in reasons.items():
            self.fields[f"map_{step}"] = forms.ChoiceField(
                label=_("Records on “%(step)s” move to") % {"step": step},
                choices=[("", _("— choose a step —")), *steps], help_text=reason)

    def mapping(self) -> dict[str, str]:
        return {name.removeprefix("map_"): str(value)
                for name, value in self.cleaned_data.items() if value}


class AttributeForm(forms.Form):
    key = forms.CharField(label=_("Key"), max_length=60, required=False,
                          help_text=_("Lowercase letters, digits and _. It cannot change later; "
                                      "leave it empty to make one from the English label."))
    label_en = forms.CharField(label=_("Label (English)"), max_length=200)
    label_nl = forms.CharField(label=_("Label (Dutch)"), max_length=200, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=CustomAttribute.Type.choices,
                             help_text=_("The type cannot change once created."))
    choices = forms.CharField(
        label=_("Choices"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For choice types: one per line, as key: label (for example "
                    "price: Too expensive)."))
    lookup = forms.ChoiceField(label=_("Lookup table"), required=False,
                               help_text=_("Or take the choices from a lookup table."))
    help_en = forms.CharField(label=_("Help text (English)"), required=False, max_length=1000)
    help_nl = forms.CharField(label=_("Help text (Dutch)"), required=False, max_length=1000)
    required_on_create = forms.BooleanField(label=_("Required when created"), required=False)
    shown_in_lists = forms.BooleanField(label=_("Shown in lists"), required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    position = forms.IntegerField(label=_("Order"), min_value=0, required=False, initial=0)

    def __init__(self, data: Mapping[str, Any] | None = None, *,
                 attribute: CustomAttribute | None = None, tables: Sequence[str] = ()) -> None:
        super().__init__(data, initial=self._initial(attribute) if attribute else None)
        self.attribute = attribute
        lookup_field = self.fields["lookup"]
        assert isinstance(lookup_field, forms.ChoiceField)
        current = [attribute.lookup] if attribute and attribute.lookup else []
        lookup_field.choices = _with_current(
            [("", _("— none —")), *[(table, table.replace("_", " ").capitalize())
                                   for table in tables]], current)
        if not tables and not current:
            del self.fields["lookup"]
        if attribute is not None:
            self.fields["key"].disabled = True
            self.fields["type"].disabled = True

    @staticmethod
    def _initial(attribute: CustomAttribute) -> dict[str, Any]:
        choices = "\n".join(f"{choice.get('key')}: {choice.get('label')}"
                            for choice in attribute.choices or [] if isinstance(choice, dict))
        return {
            "key": attribute.key, "type": attribute.type, "choices": choices,
            "lookup": attribute.lookup, "label_en": attribute.labels.get("en", ""),
            "label_nl": attribute.labels.get("nl", ""),
            "help_en": (attribute.help or {}).get("en", ""),
            "help_nl": (attribute.help or {}).get("nl", ""),
            "required_on_create": attribute.required_on_create,
            "shown_in_lists": attribute.shown_in_lists, "active": attribute.active,
            "position": attribute.position,
        }

    def attribute_key(self) -> str:
        if self.attribute is not None:
            return self.attribute.key
        key = str(self.cleaned_data.get("key") or "").strip()
        return key or editing.suggest_key(str(self.cleaned_data.get("label_en", "")), [],
                                          fallback="attribute")

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        old_labels = dict(self.attribute.labels) if self.attribute else {}
        old_help = dict(self.attribute.help or {}) if self.attribute else {}
        labels = {**old_labels, **{code: data[f"label_{code}"] for code, _l in LANGUAGES}}
        help_texts = {**old_help, **{code: data[f"help_{code}"] for code, _l in LANGUAGES}}
        old_choices = {str(choice.get("key")): choice for choice in
                       (self.attribute.choices if self.attribute else []) or []
                       if isinstance(choice, dict)}
        choices = [{"key": key, "label": label,
                    "active": bool(old_choices.get(key, {}).get("active", True))}
                   for key, label in editing.parse_pairs(data.get("choices") or "")]
        return {
            "labels": {code: text for code, text in labels.items() if text},
            "help": {code: text for code, text in help_texts.items() if text},
            "type": data["type"], "choices": choices, "lookup": data.get("lookup") or "",
            "required_on_create": data["required_on_create"],
            "shown_in_lists": data["shown_in_lists"], "active": data["active"],
            "position": data.get("position") or 0,
        }


class LookupValueForm(forms.Form):
    key = forms.CharField(label=_("Key"), max_length=60, required=False,
                          help_text=_("Leave empty to make one from the label."))
    label = forms.CharField(label=_("Label"), max_length=200)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    position = forms.IntegerField(label=_("Order"), min_value=0, required=False, initial=0)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"label": data["label"], "active": data["active"],
                "position": data.get("position") or 0}


ITEM_FORMS: Final[Mapping[str, type[ItemForm]]] = {
    form.section: form for form in (StageGroupForm, StageForm, StepForm, TransitionForm,
                                    EntryForm, FollowOnForm)
}
