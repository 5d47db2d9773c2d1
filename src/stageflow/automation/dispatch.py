"""Runs the automation rules for each domain event, inside the transaction that raised it.

Each firing runs in a savepoint: when one of its actions fails, the data it changed and the
messages it queued are undone, the failure is logged, and the change that raised the event
still goes through. Rules that cause events that fire rules stop at MAX_DEPTH.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Collection, Mapping, Sequence
from contextvars import ContextVar
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.signals import post_save

from stageflow import engine
from stageflow.automation import catalogue
from stageflow.automation.actions import ACTIONS, ActionContext
from stageflow.automation.actor import automation_user
from stageflow.automation.conditions import matches
from stageflow.automation.models import Firing, Rule
from stageflow.core import clock, events
from stageflow.core.errors import StageflowError
from stageflow.core.events import DomainEvent
from stageflow.sales.access import MODELS, kind_of
from stageflow.sales.fields import record_values
from stageflow.sales.models import Lead, Opportunity
from stageflow.sales.services import record_definition

logger = logging.getLogger(__name__)
MAX_DEPTH = 5
_depth: ContextVar[int] = ContextVar("automation_depth", default=0)

Record = Lead | Opportunity


def connect() -> None:
    """Subscribe the rule runner to every domain event."""
    catalogue.register_builtin_events()
    events.subscribe("*", on_event, run_now=True)
    post_save.connect(_forget_loaded_rules, sender=Rule)


def on_event(event: DomainEvent) -> None:
    found = catalogue.rule_events(event)
    if not found:
        return
    if event.name.endswith(".transitioned") and event.payload.get("has_triggers"):
        _run_transition_triggers(event)
        event.effects.append("transition triggers")
    rules = rules_for({item.name for item in found})
    if not rules:
        return
    # The record and what conditions read of it are loaded once per event, however many
    # rules listen: conditions see the record as the event left it.
    loaded: dict[tuple[str, int], tuple[Record | None, dict[str, Any] | None]] = {}
    reads = {key for rule in rules for key in rule.conditions or {}}
    for rule_event in found:
        candidates = [rule for rule in rules if rule.event == rule_event.name]
        if not candidates:
            continue
        key = (rule_event.record_type, rule_event.record_id)
        if key not in loaded:
            record = _record_of(event, *key)
            loaded[key] = (record, record_state(record, event.payload.get("definition"),
                                                reads=reads)
                           if record is not None else None)
        record, state = loaded[key]
        if record is None or state is None:
            continue
        for rule in candidates:
            if rule_applies(rule, record, rule_event.facts, state):
                fire(rule, record, event=rule_event.name, facts=rule_event.facts)
                event.effects.append(f"rule:{rule.key}")


# Active rules as loaded, by id and time of their last save: every event asks which rules
# listen with one narrow query, and only a rule saved since it was last loaded is read again
# with its conditions and actions. The instances are shared, so nothing may change them.
_LOADED: dict[tuple[int, dt.datetime], Rule] = {}
_LOADED_LIMIT = 1024


def _forget_loaded_rules(**_kwargs: Any) -> None:
    # Saves in this process need not wait for the clock to tell: a test database, whose ids
    # and frozen times repeat, never finds another rule's conditions.
    _LOADED.clear()


# Every move asks, so the part of the question that never changes is built once.
_ACTIVE_RULES = Rule.objects.filter(active=True).order_by("position", "id").values_list(
    "pk", "updated_at")


def rules_for(events: set[str]) -> list[Rule]:
    """The active rules for these rule events, in their order."""
    saved = list(_ACTIVE_RULES.filter(event__in=events))
    known = {key: _LOADED.get(key) for key in saved}
    missing = [pk for (pk, _at), rule in known.items() if rule is None]
    fresh: dict[int, Rule] = {}
    if missing:
        fresh = {rule.pk: rule for rule in Rule.objects.filter(pk__in=missing).only(
            "key", "name", "event", "pipeline_id", "conditions", "actions", "updated_at")}
        if len(_LOADED) + len(fresh) > _LOADED_LIMIT:
            _LOADED.clear()
        _LOADED.update({(rule.pk, rule.updated_at): rule for rule in fresh.values()})
    # A rule saved or deleted between the two queries is taken as the second one found it.
    found = (known[key] or fresh.get(key[0]) for key in saved)
    return [rule for rule in found if rule is not None]


def _record_of(event: DomainEvent, record_type: str, record_id: int) -> Record | None:
    """The record an event is about: the service's own instance when it sent it along."""
    sent = event.payload.get("record")
    if isinstance(sent, Lead | Opportunity) and kind_of(sent) == record_type \
            and sent.pk == record_id:
        return sent
    return load_record(record_type, record_id)


def load_record(record_type: str, record_id: int) -> Record | None:
    model = MODELS.get(record_type)
    if model is None:
        return None
    return model.objects.select_related("pipeline", "account", "owner", "office").filter(
        pk=record_id).first()


def record_state(record: Record, definition: engine.PipelineDefinition | None = None, *,
                 reads: Collection[str] | None = None) -> dict[str, Any]:
    """What conditions read of a record: its place, office, tags and values. The office and
    the tags may cost a query each, so given `reads`, the condition keys that will be checked,
    they are read only when one of them asks."""
    definition = definition or record_definition(record)
    groups = {stage.key: stage.group for stage in definition.stages}

    def asked(*keys: str) -> bool:
        return reads is None or any(key in reads for key in keys)

    return {
        "pipeline": definition.key, "stage": record.stage, "status": record.status,
        "stage_group": groups.get(record.stage),
        "office_name": record.office.name if asked("office") and record.office else None,
        "tags": (set(record.tags.values_list("name", flat=True)) if asked("tags", "without_tags")
                 else set()),
        "values": record_values(record),
    }


def rule_applies(rule: Rule, record: Record, facts: Mapping[str, Any],
                 state: Mapping[str, Any] | None = None) -> bool:
    if rule.pipeline_id is not None and rule.pipeline_id != record.pipeline_id:
        return False
    return matches(rule.conditions or {}, state or record_state(record), facts)


def fire(rule: Rule, record: Record, *, event: str, facts: Mapping[str, Any],
         period: str = "") -> Firing | None:
    """Run a rule's actions for a record once; log the firing whatever happens."""
    return run_actions(rule.actions, record, rule=rule, source=f"rule:{rule.key}",
                       name=rule.name, event=event, facts=facts, period=period)


def run_actions(actions: Sequence[Mapping[str, Any]], record: Record, *, rule: Rule | None,
                source: str, name: str, event: str, facts: Mapping[str, Any],
                period: str = "") -> Firing | None:
    depth = _depth.get()
    firing = Firing(rule=rule, source=source, name=name[:200], event=event,
                    record_type=kind_of(record), record_id=record.pk, period=period,
                    depth=depth, at=clock.now())
    if depth >= MAX_DEPTH:
        logger.warning("Automation chain stopped at depth %s: %s on %s %s", depth, source,
                       firing.record_type, record.pk)
        firing.outcome = Firing.Outcome.STOPPED
        firing.error = f"The chain of rules reached {MAX_DEPTH} levels; stopped here."
        return _log(firing)
    started = time.perf_counter()
    token = _depth.set(depth + 1)
    results: list[dict[str, Any]] = []
    firing_key = uuid.uuid4().hex
    item: Mapping[str, Any] = {}
    try:
        with transaction.atomic():
            for number, item in enumerate(actions, start=1):
                action = ACTIONS.get(str(item.get("action")))
                if action is None:
                    raise StageflowError(f"Unknown action “{item.get('action')}”.")
                context = ActionContext(
                    record=load_record(firing.record_type, record.pk) or record,
                    actor=automation_user(), idempotency_key=f"{source}:{firing_key}:{number}",
                    source=source, facts={**facts, "event": event})
                outcome = action.run(context, item.get("params") or {})
                results.append({"action": action.key, "result": str(outcome)})
        firing.outcome = Firing.Outcome.DONE
    except Exception as error:  # a broken rule must never break the change that fired it
        if not isinstance(error, StageflowError | ValueError | engine.UnknownKeyError):
            logger.exception("Automation action %s failed on %s %s", item.get("action"),
                             firing.record_type, record.pk)
        firing.outcome = Firing.Outcome.FAILED
        firing.error = _describe(error)
        results.append({"action": str(item.get("action")), "result": firing.error})
    finally:
        _depth.reset(token)
    firing.results = results
    firing.duration_ms = round((time.perf_counter() - started) * 1000, 3)
    return _log(firing)


def _describe(error: Exception) -> str:
    fields = getattr(error, "fields", None)
    detail = "; ".join(f"{key}: {value}" for key, value in (fields or {}).items())
    message = getattr(error, "message", None) or str(error)
    return f"{message} ({detail})" if detail else str(message)


def _log(firing: Firing) -> Firing | None:
    if not firing.period:
        firing.save()
        return firing
    try:
        with transaction.atomic():
            firing.save()
    except IntegrityError:
        return None  # this period already fired, in another worker
    return firing


def _run_transition_triggers(event: DomainEvent) -> None:
    """Triggers and communications a workflow definition puts on the transition just taken."""
    payload = event.payload
    kind = event.name.split(".")[0]
    if not payload.get("transition"):
        return
    record = load_record(kind, payload["record_id"])
    if record is None:
        return
    definition = record_definition(record)
    transition = next((item for item in definition.transitions
                       if item.key == payload["transition"]), None)
    if transition is None or not (transition.triggers or transition.communications):
        return
    actions: list[Mapping[str, Any]] = [
        {"action": trigger.action, "params": dict(trigger.params)}
        for trigger in transition.triggers]
    actions += [{"action": f"send_{message.channel}",
                 "params": {"template": message.template, "to": message.to}}
                for message in transition.communications]
    run_actions(actions, record, rule=None, source=f"transition:{transition.key}",
                name=transition.name, event=f"{kind}.transition_taken", facts=payload)
