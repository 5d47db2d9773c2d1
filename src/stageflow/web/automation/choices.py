"""What the rule form offers in its selects: events, actions, pipelines, stages, fields…

Options that depend on the record type or the pipeline come in groups that carry data
attributes, so that the page's script can show only the groups that fit the chosen event and
pipeline. Without the script every group is shown, each labelled with its pipeline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from django.utils.translation import gettext_lazy as _

from stageflow import engine
from stageflow.automation import catalogue
from stageflow.automation.selectors import action_choices, event_choices
from stageflow.communications.models import MessageTemplate
from stageflow.communications.selectors import template_list
from stageflow.people.models import Office, Role
from stageflow.people.selectors import assignable_users
from stageflow.pipelines.models import Pipeline, RecordType
from stageflow.pipelines.selectors import definition_of, known_fields, pipeline_list
from stageflow.web.config.views import field_choices as pipeline_field_choices

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Options = Sequence[tuple[str, "StrOrPromise"]]

RECORD_TYPE_NAMES: Final[Mapping[str, StrOrPromise]] = {
    "lead": _("Lead"), "opportunity": _("Opportunity")}


def record_type_name(record_type: str) -> str:
    """"Lead", "Opportunity": one record of the type, as an event's label starts."""
    return str(RECORD_TYPE_NAMES.get(record_type, record_type.replace("_", " ").capitalize()))


def record_types_label(record_type: str) -> str:
    """"Leads", "Opportunities": the type as a heading names it."""
    return str(dict(RecordType.choices).get(record_type, record_type_name(record_type)))


@dataclass(frozen=True, slots=True)
class OptionGroup:
    """An <optgroup>: its label, its options and the data attributes the page script reads."""

    label: str
    options: Options
    attrs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EventInfo:
    name: str
    record_type: str
    label: str
    facts: tuple[str, ...]
    timed: bool

    @property
    def full_label(self) -> str:
        """In plain words, e.g. "Opportunity — stage is changed to"."""
        return f"{record_type_name(self.record_type)} — {self.label}"


@dataclass(frozen=True, slots=True)
class ActionInfo:
    key: str
    label: str
    params: tuple[str, ...]
    record_types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RuleChoices:
    """Everything the rule form's selects offer, read once per request."""

    events: Mapping[str, EventInfo]
    actions: Mapping[str, ActionInfo]
    pipelines: list[OptionGroup]
    stages: list[OptionGroup]
    stage_groups: list[OptionGroup]
    transitions: list[OptionGroup]
    follow_ons: list[OptionGroup]
    fields: list[OptionGroup]
    templates: list[OptionGroup]
    users: Options
    roles: Options
    offices: Options

    def event_groups(self) -> list[OptionGroup]:
        return event_groups(self.events)

    def event_attrs(self) -> dict[str, dict[str, str]]:
        return {event.name: {"data-record-type": event.record_type,
                             "data-facts": " ".join(event.facts),
                             "data-timed": "1" if event.timed else ""}
                for event in self.events.values()}

    def action_attrs(self) -> dict[str, dict[str, str]]:
        return {action.key: {"data-record-types": " ".join(action.record_types)}
                for action in self.actions.values()}

    def opportunity_pipelines(self) -> list[OptionGroup]:
        return [group for group in self.pipelines
                if group.attrs.get("data-record-type") == "opportunity"]


def _record_types(events: Iterable[EventInfo]) -> list[str]:
    found = list(dict.fromkeys(event.record_type for event in events))
    known = [record_type for record_type in catalogue.WORKFLOW_RECORD_TYPES if record_type in found]
    return known + [record_type for record_type in found if record_type not in known]


def event_groups(events: Mapping[str, EventInfo]) -> list[OptionGroup]:
    """The events, one group per record type."""
    return [OptionGroup(record_types_label(record_type),
                        [(event.name, event.full_label) for event in events.values()
                         if event.record_type == record_type],
                        {"data-record-type": record_type})
            for record_type in _record_types(events.values())]


def rule_events() -> dict[str, EventInfo]:
    """The catalogue's events in the order they were registered: "is created" first."""
    order = {name: number for number, name in enumerate(catalogue.EVENT_TYPES)}
    items = sorted(event_choices(), key=lambda item: order.get(item["name"], len(order)))
    return {item["name"]: EventInfo(name=item["name"], record_type=item["record_type"],
                                    label=item["label"], facts=tuple(item["facts"]),
                                    timed=bool(item["timed"]))
            for item in items}


def _actions() -> dict[str, ActionInfo]:
    return {item["key"]: ActionInfo(key=item["key"], label=item["label"],
                                    params=tuple(item["params"]),
                                    record_types=tuple(item["record_types"]))
            for item in sorted(action_choices(), key=lambda item: item["label"])}


LiveDefinitions = list[tuple[Pipeline, engine.PipelineDefinition]]


def _per_pipeline(live: LiveDefinitions,
                  options_of: Callable[[engine.PipelineDefinition], Options]) -> list[OptionGroup]:
    groups = []
    for pipeline, definition in live:
        options = options_of(definition)
        if options:
            groups.append(OptionGroup(pipeline.name, options, {
                "data-record-type": pipeline.record_type, "data-pipeline": pipeline.key}))
    return groups


def _stage_group_options(definition: engine.PipelineDefinition, language: str) -> Options:
    named = {group.key: group.label(language) for group in definition.stage_groups}
    for stage in definition.stages:
        if stage.group and stage.group not in named:
            named[stage.group] = stage.group.replace("_", " ").capitalize()
    return list(named.items())


def _fields(live: LiveDefinitions, record_types: Iterable[str],
            language: str) -> list[OptionGroup]:
    """The fields and attributes a rule may name, one group per record type."""
    groups = []
    for record_type in record_types:
        labels: dict[str, str] = {}
        for pipeline, definition in live:
            if pipeline.record_type == record_type:
                labels.update(pipeline_field_choices(definition, language))
        if not labels:
            labels = {key: key.replace("_", " ").capitalize()
                      for key in known_fields(record_type)}
        options = sorted(labels.items(), key=lambda item: item[1].lower())
        groups.append(OptionGroup(
            str(_("%(type)s fields") % {"type": record_type_name(record_type)}), options,
            {"data-record-type": record_type}))
    return groups


def _templates(language: str) -> list[OptionGroup]:
    by_kind: dict[str, list[tuple[str, StrOrPromise]]] = {}
    for template in template_list():
        by_kind.setdefault(template.kind, []).append((template.key, template.name(language)))
    labels = dict(MessageTemplate.Kind.choices)
    return [OptionGroup(str(labels.get(kind, kind)), options, {"data-kind": kind})
            for kind, options in by_kind.items()]


def rule_choices(language: str) -> RuleChoices:
    """What the rule form offers, for people reading `language`."""
    events = rule_events()
    pipelines = list(pipeline_list())
    live = [(pipeline, definition_of(pipeline.live_version)) for pipeline in pipelines
            if pipeline.live_version is not None]
    record_types = _record_types(events.values())
    return RuleChoices(
        events=events,
        actions=_actions(),
        pipelines=[OptionGroup(record_types_label(record_type),
                               [(pipeline.key, pipeline.name) for pipeline in pipelines
                                if pipeline.record_type == record_type],
                               {"data-record-type": record_type})
                   for record_type in record_types],
        stages=_per_pipeline(live, lambda definition: [
            (stage.key, stage.label(language)) for stage in engine.ordered_stages(definition)]),
        stage_groups=_per_pipeline(
            live, lambda definition: _stage_group_options(definition, language)),
        transitions=_per_pipeline(live, lambda definition: [
            (transition.key, transition.name) for transition in definition.transitions]),
        follow_ons=_per_pipeline(live, lambda definition: [
            (follow_on.key, follow_on.name) for follow_on in definition.follow_ons]),
        fields=_fields(live, record_types, language),
        templates=_templates(language),
        users=[(user.username, user.get_full_name() or user.username)
               for user in assignable_users().order_by("first_name", "last_name", "username")],
        roles=[(role.key, role.name) for role in Role.objects.order_by("name")],
        offices=[(office.name, office.name) for office in Office.objects.order_by("name")],
    )
