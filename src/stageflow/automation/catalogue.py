"""The events a rule can listen for, and how domain events raised by the services become them.

Apps that raise new kinds of events (quotes, appointments) register them here from their
AppConfig.ready(), exactly like actions; the rule screens and validation read this catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from stageflow.core.events import DomainEvent

WORKFLOW_RECORD_TYPES = ("lead", "opportunity")


@dataclass(frozen=True, slots=True)
class EventType:
    """`name` is what a rule stores, e.g. "opportunity.stage_changed_to"."""

    name: str
    record_type: str
    label: str | Promise
    # Condition keys that make sense for this event beyond the record's own state.
    facts: tuple[str, ...] = ()
    # Timed events are found by the scheduler's scan, not raised by a service.
    timed: bool = False


@dataclass(frozen=True, slots=True)
class RuleEvent:
    """A rule-level event about one record, with what the domain event said about it."""

    name: str
    record_type: str
    record_id: int
    facts: Mapping[str, Any] = field(default_factory=dict)


EVENT_TYPES: dict[str, EventType] = {}
Translator = Callable[[DomainEvent], list[RuleEvent]]
TRANSLATORS: dict[str, list[Translator]] = {}


def register_event(name: str, record_type: str, label: str | Promise, *,
                   facts: tuple[str, ...] = (), timed: bool = False) -> None:
    EVENT_TYPES[name] = EventType(name=name, record_type=record_type, label=label, facts=facts,
                                  timed=timed)


def register_translator(domain_event: str, translator: Translator) -> None:
    TRANSLATORS.setdefault(domain_event, []).append(translator)


def rule_events(event: DomainEvent) -> list[RuleEvent]:
    return [found for translate in TRANSLATORS.get(event.name, []) for found in translate(event)]


def _same_name(kind: str, suffix: str) -> Translator:
    """A domain event `<kind>.<suffix>` that is itself a rule event of that name."""

    def translate(event: DomainEvent) -> list[RuleEvent]:
        payload = event.payload
        return [RuleEvent(f"{kind}.{suffix}", kind, payload["record_id"], payload)]

    return translate


def _moved(kind: str) -> Translator:
    def translate(event: DomainEvent) -> list[RuleEvent]:
        facts = event.payload
        record_id = facts["record_id"]
        found = [RuleEvent(f"{kind}.transition_taken", kind, record_id, facts)]
        if facts["from_stage"] != facts["to_stage"]:
            found.append(RuleEvent(f"{kind}.stage_changed_to", kind, record_id, facts))
            if facts.get("from_stage_group") != facts.get("to_stage_group"):
                found.append(RuleEvent(f"{kind}.stage_group_changed_to", kind, record_id, facts))
        if facts.get("from_status") != facts["status"] and facts["status"] in ("won", "lost"):
            found.append(RuleEvent(f"{kind}.{facts['status']}", kind, record_id, facts))
        return found

    return translate


def _tagged(suffix: str) -> Translator:
    def translate(event: DomainEvent) -> list[RuleEvent]:
        payload = event.payload
        kind = payload["record_type"]
        return [RuleEvent(f"{kind}.tag_{suffix}", kind, payload["record_id"], payload)]

    return translate


def _field_changed(kind: str) -> Translator:
    def translate(event: DomainEvent) -> list[RuleEvent]:
        payload = event.payload
        return [RuleEvent(f"{kind}.field_changed", kind, payload["record_id"],
                          {**payload, "changed": tuple(payload.get("fields", ()))})]

    return translate


def register_builtin_events() -> None:
    for kind in WORKFLOW_RECORD_TYPES:
        register_event(f"{kind}.created", kind, _("is created"))
        register_translator(f"{kind}.created", _same_name(kind, "created"))
        register_event(f"{kind}.field_changed", kind, _("a field is changed"), facts=("field",))
        register_translator(f"{kind}.updated", _field_changed(kind))
        register_event(f"{kind}.owner_changed", kind, _("is given a new owner"))
        register_translator(f"{kind}.assigned", _same_name(kind, "owner_changed"))
        register_event(f"{kind}.transition_taken", kind, _("a transition is taken"),
                       facts=("transition",))
        register_event(f"{kind}.stage_changed_to", kind, _("stage is changed to"))
        register_event(f"{kind}.stage_group_changed_to", kind, _("stage group is changed to"))
        register_event(f"{kind}.won", kind, _("is won"))
        register_event(f"{kind}.lost", kind, _("is lost"))
        register_translator(f"{kind}.transitioned", _moved(kind))
        register_event(f"{kind}.tag_added", kind, _("is added to a tag (group)"), facts=("tag",))
        register_event(f"{kind}.tag_removed", kind, _("is removed from a tag (group)"),
                       facts=("tag",))
        register_event(f"{kind}.last_modified_older_than", kind,
                       _("has not been changed for a number of days"),
                       facts=("days", "unless_planned_activity"), timed=True)
        register_event(f"{kind}.in_stage_longer_than", kind,
                       _("has been in its stage for a number of days"),
                       facts=("days", "unless_planned_activity"), timed=True)
        register_event(f"{kind}.activity_overdue", kind, _("has an overdue activity"),
                       timed=True)
    register_translator("tag.added", _tagged("added"))
    register_translator("tag.removed", _tagged("removed"))
    register_event("lead.converted", "lead", _("is converted into an opportunity"))
    register_translator("lead.converted", _same_name("lead", "converted"))
    register_event("opportunity.follow_on_created", "opportunity",
                   _("gets a follow-on opportunity"))
    register_translator("opportunity.follow_on_created",
                        _same_name("opportunity", "follow_on_created"))
    # Raised by the quotes and scheduling apps; known here so that presets can ship rules for
    # them before those apps are installed.
    for name, label in (("quote.sent", _("a quote is sent")),
                        ("quote.accepted", _("a quote is accepted")),
                        ("quote.declined", _("a quote is declined")),
                        ("appointment.created", _("an appointment is made")),
                        ("appointment.completed", _("an appointment is completed"))):
        register_event(name, "opportunity", label)
        register_translator(name, _hook(name))


def _hook(name: str) -> Translator:
    def translate(event: DomainEvent) -> list[RuleEvent]:
        payload = event.payload
        if payload.get("opportunity_id") is None:
            return []
        return [RuleEvent(name, "opportunity", payload["opportunity_id"], payload)]

    return translate
