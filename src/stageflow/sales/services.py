"""Every change to leads and opportunities. Moves through the pipeline go through one function,
`record_transition`, whatever the interface: form, board, API, bulk action, import, automation.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models, transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from stageflow import engine
from stageflow.accounts import services as account_services
from stageflow.accounts.access import (
    accounts_for,
    contacts_for,
    ensure_may,
    visible_account_value,
    visible_contact_value,
)
from stageflow.accounts.models import Account, Contact
from stageflow.activities.services import notify
from stageflow.core import clock, events
from stageflow.core.errors import Conflict, InvalidInput, NotAllowed, RuleRefused
from stageflow.core.history import record_history, snapshot
from stageflow.core.models import HistoryEntry, Via
from stageflow.core.records import assign_values, check_version, save_updated, validate_record
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.people.selectors import active_user_value, is_record_id, office_value
from stageflow.pipelines.attribute_values import clean_attribute_values
from stageflow.pipelines.models import LookupValue, Pipeline
from stageflow.pipelines.selectors import definition_by_number, definition_of
from stageflow.sales.access import MODELS, Kind, ensure_may_record, kind_of
from stageflow.sales.fields import (
    EDITABLE,
    LOOKUP_FIELDS,
    WORKFLOW_FIELDS,
    field_labels,
    history_fields,
    record_values,
)
from stageflow.sales.models import (
    Competitor,
    Lead,
    Opportunity,
    RecordContact,
    SalesTeamMember,
    StageChange,
    Status,
    Tag,
)
from stageflow.sales.selectors import copyable_records, known_definition, remember_definition

WorkflowRecord = Lead | Opportunity

# Values ------------------------------------------------------------------------------------

def _decimal(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value).strip() or "0")
    except InvalidOperation as error:
        raise ValueError(_("Enter an amount, such as 1250.00.")) from error
    if not amount.is_finite() or abs(amount) >= Decimal("1e12"):
        raise ValueError(_("Enter an amount, such as 1250.00."))
    return amount.quantize(Decimal("0.01"))


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    parsed = parse_date(str(value))
    if parsed is None:
        raise ValueError(_("Enter a date as YYYY-MM-DD."))
    return parsed


def _probability(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if not is_record_id(value) or not 0 <= int(value) <= 100:
        raise ValueError(_("Enter a whole number from 0 to 100."))
    return int(value)


def _currency(value: Any) -> str:
    code = str(value or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError(_("Enter a three-letter currency code, such as USD or EUR."))
    return code


def _normalisers(actor: User, kind: str) -> dict[str, Any]:
    def lookup(table: str) -> Any:
        def check(value: Any) -> str:
            key = str(value or "").strip()
            values = LookupValue.objects.filter(record_type=kind, table=table)
            if key and values.exists() and not values.filter(key=key, active=True).exists():
                raise ValueError(_("Not one of the values of the %(table)s list.")
                                 % {"table": table.replace("_", " ")})
            return key

        return check

    return {
        "owner": active_user_value, "office": office_value,
        "account": visible_account_value(actor), "contact": visible_contact_value(actor),
        "value": _decimal, "currency": _currency,
        "expected_close_date": _date, "close_date": _date, "probability": _probability,
        **{field: lookup(table) for field, table in LOOKUP_FIELDS.items()},
    }


def _assign(record: WorkflowRecord, actor: User, values: Mapping[str, Any], *, creating: bool,
            errors: dict[str, str]) -> None:
    """Apply field values and `attributes` to the record in memory; problems go to `errors`."""
    kind = kind_of(record)
    for name in WORKFLOW_FIELDS:
        if name in values:
            errors[name] = _("The stage changes only through a transition.")
    fields = {k: v for k, v in values.items() if k not in (*WORKFLOW_FIELDS, "attributes")}
    changes = values.get("attributes") or {}
    if not isinstance(changes, Mapping):
        errors["attributes"] = _("Send custom attributes as an object of key: value.")
        changes = {}
    record.attributes = clean_attribute_values(kind, record.attributes or {}, changes,
                                               creating=creating, errors=errors)
    assign_values(record, fields, editable=EDITABLE[kind], normalisers=_normalisers(actor, kind),
                  errors=errors)


def _split_transition_values(kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Transitions take flat values: built-in fields by name, anything else is an attribute."""
    fields = {k: v for k, v in values.items() if k in EDITABLE[kind] or k == "attributes"}
    attributes = {k: v for k, v in values.items() if k not in fields}
    if attributes:
        fields["attributes"] = {**dict(fields.get("attributes") or {}), **attributes}
    return fields


# Pipelines ---------------------------------------------------------------------------------

def live_pipeline(kind: str, key: str | None = None) -> Pipeline:
    pipelines = Pipeline.objects.filter(record_type=kind, live_version__isnull=False)
    pipeline = (pipelines.filter(key=key) if key else pipelines.filter(is_default=True)).first()
    if pipeline is None:
        if key:
            raise InvalidInput(_("No live pipeline '%(key)s' for this record type.")
                               % {"key": key}, fields={"pipeline": _("unknown")})
        raise Conflict(_("No pipeline is set up for %(kind)s yet; an administrator sets one up "
                         "under Settings.") % {"kind": kind}, code="no_pipeline")
    return pipeline


def record_definition(record: WorkflowRecord) -> engine.PipelineDefinition:
    known = known_definition(record)
    if known is not None:
        return known
    definition = definition_by_number(record.pipeline_id, record.pipeline_version)
    remember_definition(record, definition)
    return definition


def _place(record: WorkflowRecord, definition: engine.PipelineDefinition, step: str) -> None:
    stage = engine.stage_of(definition, step)
    record.step, record.stage, record.status = step, stage.key, stage.status
    if isinstance(record, Opportunity) and stage.probability is not None:
        record.probability = stage.probability


# Creating ----------------------------------------------------------------------------------

def _default_title(record: WorkflowRecord) -> str:
    if record.account is not None:
        return record.account.name
    if record.contact is not None:
        return str(record.contact)
    return ""


@transaction.atomic
def record_create(*, actor: User, via: Via, kind: Kind, values: Mapping[str, Any],
                  pipeline_key: str | None = None, entry: str | None = None,
                  start_step: str | None = None, created_from: str = "") -> WorkflowRecord:
    """Create a lead or opportunity at its pipeline's entry step (or `start_step`)."""
    pipeline = live_pipeline(kind, pipeline_key)
    version = pipeline.live_version
    assert version is not None
    definition = definition_of(version)
    model = MODELS[kind]
    record = model(pipeline=pipeline, pipeline_version=version.number, created_by=actor,
                   stage_entered_at=clock.now())
    if "owner" not in values:
        record.owner = actor
    if "office" not in values:
        record.office_id = permissions.default_office_id(actor)
    errors: dict[str, str] = {}
    _assign(record, actor, values, creating=True, errors=errors)
    if not record.title:
        record.title = _default_title(record)
    try:
        step = start_step or engine.start_step(definition, entry,
                                               existing_account=record.account_id is not None)
    except engine.UnknownKeyError as error:
        raise InvalidInput(error.message, fields={"entry": error.message}) from error
    _place(record, definition, step)
    validate_record(record, errors, exclude=("owner", "office", "account", "contact",
                                             "pipeline", "created_by", "attributes", "lead",
                                             "parent"))
    ensure_may_record(actor, "create", record)
    record.save()
    after = snapshot(record, history_fields(kind))
    changes = [{"field": name, "label": name, "old": None, "new": value}
               for name, value in after.items() if value not in (None, "", {})]
    record_history(record=record, actor=actor, via=via, action=HistoryEntry.Action.CREATED,
                   changes=changes, summary=created_from)
    _stage_change(record, actor=actor, transition="", from_stage="", from_step="",
                  previous_since=None, forced=False)
    _tell_new_owner(record, actor)
    events.emit(f"{kind}.created", record_id=record.pk, actor_id=actor.pk, via=via)
    return record


def _tell_new_owner(record: WorkflowRecord, actor: User) -> None:
    """An in-app message for a new owner who did not make the change themselves."""
    owner = record.owner
    if owner is None or owner.pk == actor.pk:
        return
    notify(recipient=owner, url=record.get_absolute_url(),
           message=_("%(actor)s assigned %(kind)s “%(title)s” to you.") % {
               "actor": actor, "kind": _(kind_of(record)), "title": record.title})


def _stage_change(record: WorkflowRecord, *, actor: User | None, transition: str,
                  from_stage: str, from_step: str, previous_since: dt.datetime | None,
                  forced: bool) -> StageChange:
    now = clock.now()
    link = {kind_of(record): record}
    seconds = int((now - previous_since).total_seconds()) if previous_since else None
    return StageChange.objects.create(
        **link, pipeline_id=record.pipeline_id, pipeline_version=record.pipeline_version,
        transition=transition, from_stage=from_stage, from_step=from_step,
        to_stage=record.stage, to_step=record.step, to_status=record.status, at=now,
        seconds_in_previous=seconds, actor=actor, forced=forced)


# Changing ----------------------------------------------------------------------------------

SNAPSHOT_RELATIONS = ("owner", "office", "account", "contact")


def _set_relations(values: Mapping[str, Any]) -> tuple[str, ...]:
    """The relations among `values`, the only ones a change with them may point elsewhere."""
    return tuple(name for name in SNAPSHOT_RELATIONS if name in values)


def _snapshot_fields(kind: str, relations: tuple[str, ...]) -> tuple[str, ...]:
    # A relation the change leaves alone shows no change in the history, so it is left out of
    # the snapshots rather than its row read for them.
    return tuple(name for name in history_fields(kind)
                 if name not in SNAPSHOT_RELATIONS or name in relations)


def _locked(record: WorkflowRecord, relations: tuple[str, ...]) -> WorkflowRecord:
    """The record read again and locked, with the related rows of `relations` (those the
    history snapshot reads; only the record is locked)."""
    # The related rows the caller loaded (lists and pages do) are taken over while the record
    # still points at them, which saves joining and building them again.
    model = type(record)
    foreign_keys: list[models.ForeignKey[Any, Any]] = [getattr(model, name).field
                                                       for name in SNAPSHOT_RELATIONS]
    loaded = [key for key in foreign_keys if key.is_cached(record)]
    records = model.objects.select_for_update(of=("self",))
    missing = [key.name for key in foreign_keys if key not in loaded and key.name in relations]
    if missing:
        records = records.select_related(*missing)
    locked = records.get(pk=record.pk)
    for key in loaded:
        if getattr(locked, key.attname) == getattr(record, key.attname):
            key.set_cached_value(locked, key.get_cached_value(record))
    known = known_definition(record)
    same_version = (locked.pipeline_id, locked.pipeline_version) == (record.pipeline_id,
                                                                     record.pipeline_version)
    if known is not None and same_version:
        remember_definition(locked, known)
    return locked


def _columns(record: WorkflowRecord) -> dict[str, Any]:
    """The record's stored values by column, taken when it is read to tell what a change
    touched. JSON values are copied: a change made to them in place must still show."""
    return {field.attname: copy.deepcopy(value) if isinstance(value, dict | list) else value
            for field in record._meta.concrete_fields
            for value in (getattr(record, field.attname),)}


def _changed_columns(record: WorkflowRecord, loaded: Mapping[str, Any]) -> list[str]:
    # Only these are written, so an UPDATE leaves the indexes on the other columns alone.
    return [name for name, value in loaded.items() if getattr(record, name) != value]


@transaction.atomic
def record_update(*, actor: User, via: Via, record: WorkflowRecord, values: Mapping[str, Any],
                  expected_version: int | None = None) -> WorkflowRecord:
    """Save field changes without moving the record; always possible, subject to field rules."""
    relations = _set_relations(values)
    record = _locked(record, relations)
    ensure_may_record(actor, "edit", record)
    check_version(record, expected_version)
    kind = kind_of(record)
    fields = _snapshot_fields(kind, relations)
    loaded, before = _columns(record), snapshot(record, fields)
    old_owner_id = record.owner_id
    errors: dict[str, str] = {}
    _assign(record, actor, values, creating=False, errors=errors)
    validate_record(record, errors, exclude=("owner", "office", "account", "contact",
                                             "pipeline", "created_by", "attributes", "lead",
                                             "parent"))
    changes = save_updated(record, before, actor=actor, via=via, fields=fields,
                           columns=_changed_columns(record, loaded))
    reassigned = record.owner_id is not None and record.owner_id != old_owner_id
    if reassigned:
        _tell_new_owner(record, actor)
    if changes:
        events.emit(f"{kind}.updated", record_id=record.pk, actor_id=actor.pk, via=via,
                    fields=[change["field"] for change in changes])
    if reassigned:
        events.emit(f"{kind}.assigned", record_id=record.pk, actor_id=actor.pk, via=via,
                    owner_id=record.owner_id)
    return record


def _refuse(decision: engine.Decision) -> None:
    if decision.is_conflict:
        reason = decision.reasons[0]
        raise Conflict(reason.message, code=reason.code,
                       fields={reason.field or "transition": reason.message})
    fields = {reason.field or reason.code: reason.message for reason in decision.reasons}
    raise RuleRefused(_("This move needs more information."), fields=fields, code="incomplete")


@transaction.atomic
def record_transition(*, actor: User, via: Via, record: WorkflowRecord, transition: str,
                      values: Mapping[str, Any] | None = None,
                      expected_version: int | None = None,
                      force: bool = False) -> WorkflowRecord:
    """Take a transition, with the values it needs, all at once or not at all.

    An administrator may `force` a move the workflow refuses; the move is recorded as forced.
    """
    kind = kind_of(record)
    assigned = _split_transition_values(kind, values or {})
    relations = _set_relations(assigned)
    record = _locked(record, relations)
    ensure_may_record(actor, "edit", record)
    check_version(record, expected_version)
    if force and not permissions.manages_workspace(actor):
        raise NotAllowed(_("Only administrators may force a move."))
    definition = record_definition(record)
    loaded, before = _columns(record), snapshot(record, _snapshot_fields(kind, relations))
    errors: dict[str, str] = {}
    _assign(record, actor, assigned, creating=False, errors=errors)
    if errors:
        raise InvalidInput(_("Some values are not valid."), fields=errors)
    decision = engine.check_transition(definition, record.step, transition, record_values(record),
                                       labels=field_labels(kind))
    if not decision.allowed and not (force and not decision.is_conflict):
        _refuse(decision)
    assert decision.transition is not None
    return _move(record, definition, decision.transition.to_step, actor=actor, via=via,
                 transition=transition, loaded=loaded, before=before,
                 forced=not decision.allowed)


def _move(record: WorkflowRecord, definition: engine.PipelineDefinition, to_step: str, *,
          actor: User, via: Via, transition: str, loaded: Mapping[str, Any],
          before: Mapping[str, Any], forced: bool) -> WorkflowRecord:
    """Put the record on `to_step` and record the move; `loaded` and `before` are its columns
    and history fields as read (see `_columns` and `_snapshot_fields`)."""
    kind = kind_of(record)
    from_stage, from_step, since = record.stage, record.step, record.stage_entered_at
    _place(record, definition, to_step)
    now = clock.now()
    if record.stage != from_stage:
        record.stage_entered_at = now
    if record.status == Status.OPEN:
        record.closed_at = None
    elif record.closed_at is None:
        record.closed_at = now
        if isinstance(record, Opportunity) and record.close_date is None:
            record.close_date = now.date()
    save_updated(record, before, actor=actor, via=via, fields=before.keys(),
                 columns=_changed_columns(record, loaded))
    change = _stage_change(record, actor=actor, transition=transition, from_stage=from_stage,
                           from_step=from_step, previous_since=since, forced=forced)
    payload = {"record_id": record.pk, "actor_id": actor.pk, "via": via,
               "transition": transition, "from_stage": from_stage, "to_stage": record.stage,
               "from_step": from_step, "to_step": record.step, "status": record.status,
               "from_status": before.get("status"), "stage_change_id": change.pk,
               "from_stage_group": _group_of(definition, from_stage),
               "to_stage_group": _group_of(definition, record.stage),
               "has_triggers": _has_triggers(definition, transition),
               # For handlers in this transaction, so they need not read the record again.
               "record": record, "definition": definition}
    raised = [events.emit(f"{kind}.transitioned", **payload)]
    if record.stage != from_stage:
        raised.append(events.emit(f"{kind}.stage_changed", **payload))
    if record.status != Status.OPEN and before.get("status") == Status.OPEN:
        raised.append(events.emit(f"{kind}.closed", **payload))
    if any(event.effects for event in raised):
        # The transition's triggers or rules may have changed the record: return it as is.
        record.refresh_from_db()
    return record


def _has_triggers(definition: engine.PipelineDefinition, transition: str) -> bool:
    """Whether the workflow puts triggers or messages on this transition (automation runs
    them)."""
    return any(item.key == transition and (item.triggers or item.communications)
               for item in definition.transitions)


def _group_of(definition: engine.PipelineDefinition, stage: str) -> str | None:
    known = {item.key: item.group for item in definition.stages}
    return known.get(stage)


CLOSE_OUTCOMES = (Status.WON, Status.LOST)


def opportunity_close(*, actor: User, via: Via, opportunity: Opportunity, outcome: str,
                      values: Mapping[str, Any] | None = None,
                      expected_version: int | None = None) -> Opportunity:
    """Close as won or lost: the transition from here into a stage of that status, with the
    values it needs (a lost reason, say)."""
    if outcome not in CLOSE_OUTCOMES:
        raise InvalidInput(_("An opportunity closes as won or lost."),
                           fields={"outcome": _("One of: %(keys)s.")
                                   % {"keys": ", ".join(CLOSE_OUTCOMES)}})
    if opportunity.status != Status.OPEN:
        raise Conflict(_("This opportunity is already closed as %(status)s.")
                       % {"status": opportunity.get_status_display()}, code="closed",
                       fields={"status": opportunity.status})
    definition = record_definition(opportunity)
    targets = (stage.key for stage in definition.stages
               if stage.status == outcome and stage.active)
    transition = next((key for key in (engine.transition_to_stage(definition, opportunity.step,
                                                                  stage) for stage in targets)
                       if key is not None), None)
    if transition is None:
        raise Conflict(_("This opportunity cannot be closed as %(outcome)s from where it is.")
                       % {"outcome": outcome}, code="no_transition", fields={"outcome": outcome})
    result = record_transition(actor=actor, via=via, record=opportunity, transition=transition,
                               values=values, expected_version=expected_version)
    assert isinstance(result, Opportunity)
    return result


def record_move_to_stage(*, actor: User, via: Via, record: WorkflowRecord, stage: str,
                         values: Mapping[str, Any] | None = None,
                         expected_version: int | None = None) -> WorkflowRecord:
    """A board drag or `stage=` edit: take the transition from here into `stage`."""
    transition = engine.transition_to_stage(record_definition(record), record.step, stage)
    if transition is None:
        raise Conflict(_("No transition leads from here to stage '%(stage)s'.")
                       % {"stage": stage}, code="no_transition", fields={"stage": stage})
    return record_transition(actor=actor, via=via, record=record, transition=transition,
                             values=values, expected_version=expected_version)


@transaction.atomic
def record_force_to_stage(*, actor: User, via: Via, record: WorkflowRecord,
                          stage: str) -> WorkflowRecord:
    """Put a record in `stage` whatever the workflow allows, recorded as a forced move.

    For administrators and automation ("set stage" actions); people use transitions.
    """
    record = _locked(record, ())
    if not permissions.manages_workspace(actor):
        raise NotAllowed(_("Only administrators may force a move."))
    definition = record_definition(record)
    try:
        to_step = engine.first_step_of_stage(definition, stage)
    except engine.UnknownKeyError as error:
        raise InvalidInput(error.message, fields={"stage": error.message}) from error
    if record.stage == stage:
        return record
    transition = engine.transition_to_stage(definition, record.step, stage) or ""
    return _move(record, definition, to_step, actor=actor, via=via, transition=transition,
                 loaded=_columns(record),
                 before=snapshot(record, _snapshot_fields(kind_of(record), ())), forced=True)


@transaction.atomic
def record_delete(*, actor: User, via: Via, record: WorkflowRecord,
                  expected_version: int | None = None) -> None:
    record = _locked(record, ())
    ensure_may_record(actor, "delete", record)
    check_version(record, expected_version)
    record_history(record=record, actor=actor, via=via, action=HistoryEntry.Action.DELETED)
    events.emit(f"{kind_of(record)}.deleted", record_id=record.pk, actor_id=actor.pk, via=via)
    record.delete()


# Conversion and follow-ons -----------------------------------------------------------------

@transaction.atomic
def lead_convert(*, actor: User, via: Via, lead: Lead, values: Mapping[str, Any] | None = None,
                 into: Opportunity | None = None, pipeline_key: str | None = None,
                 expected_version: int | None = None) -> Opportunity:
    """Qualify a lead: one opportunity linked to it (new, or `into` an existing one), its
    account and contacts carried over; the lead moves to its conversion end-stage."""
    assigned = _split_transition_values("lead", values or {})
    relations = _set_relations(assigned)
    lead = _locked(lead, relations)  # type: ignore[assignment]
    ensure_may_record(actor, "edit", lead)
    check_version(lead, expected_version)
    if not permissions.may_at_all(actor, "leads", "convert"):
        raise NotAllowed(permissions.refusal("convert"))
    existing = lead.opportunities.first()
    if lead.converted_at is not None or existing is not None:
        raise Conflict(_("This lead was already converted into %(name)s.")
                       % {"name": existing or _("an opportunity")}, code="already_converted",
                       fields={"opportunity": str(existing.pk if existing else "")})
    definition = record_definition(lead)
    end = engine.conversion_end_stage(definition)
    if end is None:
        raise Conflict(_("No default end-stage for conversion is configured in this pipeline."),
                       code="no_conversion_stage")
    transition = engine.transition_to_stage(definition, lead.step, end.key)
    if transition is None:
        raise Conflict(_("This lead cannot move to '%(stage)s' from where it is.")
                       % {"stage": end.label()}, code="no_transition")
    loaded, before = _columns(lead), snapshot(lead, _snapshot_fields("lead", relations))
    errors: dict[str, str] = {}
    _assign(lead, actor, assigned, creating=False, errors=errors)
    if errors:
        raise InvalidInput(_("Some values are not valid."), fields=errors)
    decision = engine.check_transition(definition, lead.step, transition, record_values(lead),
                                       labels=field_labels("lead"))
    if not decision.allowed:
        _refuse(decision)
    if into is None:
        opportunity = _opportunity_from_lead(lead, actor=actor, via=via,
                                             pipeline_key=pipeline_key)
    else:
        opportunity = into
        ensure_may_record(actor, "edit", opportunity)
        if opportunity.lead_id is not None:
            raise Conflict(_("That opportunity already comes from another lead."),
                           code="already_linked")
        opportunity.lead = lead
        opportunity.save(update_fields=["lead", "updated_at"])
    _copy_contacts(lead, opportunity)
    lead.converted_at = clock.now()
    _move(lead, definition, engine.first_step_of_stage(definition, end.key), actor=actor,
          via=via, transition=transition, loaded=loaded, before=before, forced=False)
    events.emit("lead.converted", record_id=lead.pk, opportunity_id=opportunity.pk,
                actor_id=actor.pk, via=via)
    return opportunity


def _opportunity_from_lead(lead: Lead, *, actor: User, via: Via,
                           pipeline_key: str | None) -> Opportunity:
    pipeline = live_pipeline("opportunity", pipeline_key)
    assert pipeline.live_version is not None
    definition = definition_of(pipeline.live_version)
    entry = "from_lead" if any(e.key == "from_lead" for e in definition.entries) else None
    carried = {a.key for a in definition.attributes}
    values: dict[str, Any] = {
        "title": lead.title, "description": lead.description,
        "owner": lead.owner_id, "office": lead.office_id,
        "account": lead.account_id, "contact": lead.contact_id, "source": lead.source,
        "attributes": {k: v for k, v in (lead.attributes or {}).items() if k in carried},
    }
    opportunity = record_create(actor=actor, via=via, kind="opportunity", values=values,
                                pipeline_key=pipeline.key, entry=entry,
                                created_from=_("Converted from lead %(title)s")
                                % {"title": lead.title})
    assert isinstance(opportunity, Opportunity)
    opportunity.lead = lead
    opportunity.save(update_fields=["lead"])
    return opportunity


def _copy_contacts(source: WorkflowRecord, target: Opportunity) -> None:
    present = set(RecordContact.objects.filter(opportunity=target).values_list("contact_id",
                                                                                flat=True))
    links = RecordContact.objects.filter(**{kind_of(source): source}).exclude(
        contact_id__in=present)
    RecordContact.objects.bulk_create(
        RecordContact(opportunity=target, contact_id=link.contact_id, role=link.role)
        for link in links)


@transaction.atomic
def opportunity_follow_on(*, actor: User, via: Via, parent: Opportunity, follow_on: str,
                          title: str) -> Opportunity:
    """Start a child opportunity at the follow-on's step, with the parent's account and
    contacts."""
    ensure_may_record(actor, "view", parent)
    if not title.strip():
        raise InvalidInput(_("Give the follow-on a name."), fields={"name": _("Required.")})
    definition = record_definition(parent)
    try:
        step = engine.follow_on_start(definition, follow_on)
    except engine.UnknownKeyError as error:
        raise InvalidInput(error.message, fields={"follow_on": error.message}) from error
    child = record_create(
        actor=actor, via=via, kind="opportunity", pipeline_key=parent.pipeline.key,
        start_step=step, created_from=_("Follow-on of %(title)s") % {"title": parent.title},
        values={"title": title.strip(), "account": parent.account_id,
                "contact": parent.contact_id, "office": parent.office_id,
                "currency": parent.currency})
    assert isinstance(child, Opportunity)
    child.parent = parent
    child.save(update_fields=["parent"])
    _copy_contacts(parent, child)
    record_history(record=parent, actor=actor, via=via, action=HistoryEntry.Action.LINKED,
                   summary=_("Follow-on %(title)s started") % {"title": child.title})
    events.emit("opportunity.follow_on_created", record_id=parent.pk, child_id=child.pk,
                follow_on=follow_on, actor_id=actor.pk, via=via)
    return child


# Tags and contacts -------------------------------------------------------------------------

@transaction.atomic
def record_tag(*, actor: User, via: Via, record: WorkflowRecord | Account, tag_name: str,
               add: bool = True) -> WorkflowRecord | Account:
    """Add or remove a tag on a lead, opportunity or account; a recorded change and an event."""
    if isinstance(record, Account):
        ensure_may(actor, "accounts", "edit", record)
        kind = "account"
    else:
        ensure_may_record(actor, "edit", record)
        kind = kind_of(record)
    name = tag_name.strip()
    if not name or len(name) > 60:
        raise InvalidInput(_("A tag needs a name of at most 60 characters."),
                           fields={"tag": _("1 to 60 characters")})
    if add:
        tag, _created = Tag.objects.get_or_create(name=name)
        if record.tags.filter(pk=tag.pk).exists():
            return record
        record.tags.add(tag)
    else:
        tag_or_none = record.tags.filter(name=name).first()
        if tag_or_none is None:
            return record
        record.tags.remove(tag_or_none)
    change = {"field": "tags", "label": "tags", "old": None if add else name,
              "new": name if add else None}
    record_history(record=record, actor=actor, via=via, action=HistoryEntry.Action.UPDATED,
                   changes=[change])
    events.emit(f"tag.{'added' if add else 'removed'}", record_type=kind, record_id=record.pk,
                tag=name, actor_id=actor.pk, via=via)
    return record


# Carerix: the main contact and the signing authority are set on the record, never re-labelled
# from the contacts list.
FIXED_ROLES = {"main_contact", "sign_authority", "signing_authority"}


def _role_key(role: str) -> str:
    return "_".join(role.lower().split())


@transaction.atomic
def record_contact_link(*, actor: User, via: Via, record: WorkflowRecord, contact: Contact,
                        role: str = "") -> RecordContact:
    """Put a contact on a lead or opportunity with a role (or change the role)."""
    ensure_may_record(actor, "edit", record)
    role = role.strip()
    if len(role) > 60:
        raise InvalidInput(_("The role is too long."), fields={"role": _("at most 60")})
    link, created = RecordContact.objects.get_or_create(
        **{kind_of(record): record}, contact=contact, defaults={"role": role})
    if not created and link.role != role and _role_key(link.role) in FIXED_ROLES:
        raise Conflict(
            _("%(name)s is the %(role)s of this record; that role is changed on the record "
              "itself, not from the list.") % {"name": contact, "role": link.role},
            code="fixed_role", fields={"role": link.role})
    if not created and link.role != role:
        old, link.role = link.role, role
        link.save(update_fields=["role"])
        record_history(record=record, actor=actor, via=via, action=HistoryEntry.Action.UPDATED,
                       changes=[{"field": "contact_role", "label": str(contact), "old": old,
                                 "new": role}])
    elif created:
        record_history(record=record, actor=actor, via=via, action=HistoryEntry.Action.LINKED,
                       summary=_("Contact %(name)s added") % {"name": contact})
    return link


@transaction.atomic
def record_contact_unlink(*, actor: User, via: Via, record: WorkflowRecord,
                          contact: Contact) -> None:
    ensure_may_record(actor, "edit", record)
    deleted, _rows = RecordContact.objects.filter(**{kind_of(record): record},
                                                  contact=contact).delete()
    if deleted:
        record_history(record=record, actor=actor, via=via,
                       action=HistoryEntry.Action.UNLINKED,
                       summary=_("Contact %(name)s removed") % {"name": contact})


# Develop: competitors and the sales team ---------------------------------------------------

def _name(value: str, *, field: str, limit: int) -> str:
    name = value.strip()
    if not name or len(name) > limit:
        raise InvalidInput(_("Give a name of at most %(limit)d characters.") % {"limit": limit},
                           fields={field: _("1 to %(limit)d characters") % {"limit": limit}})
    return name


@transaction.atomic
def competitor_add(*, actor: User, via: Via, opportunity: Opportunity, name: str,
                   notes: str = "") -> Competitor:
    """Name another bidder for the opportunity; each name once per opportunity."""
    ensure_may_record(actor, "edit", opportunity)
    name = _name(name, field="name", limit=200)
    if len(notes) > 5000:
        raise InvalidInput(_("The notes are too long."), fields={"notes": _("at most 5000")})
    if opportunity.competitors.filter(name__iexact=name).exists():
        raise Conflict(_("%(name)s is already a competitor here.") % {"name": name},
                       code="duplicate", fields={"name": name})
    competitor = Competitor.objects.create(opportunity=opportunity, name=name,
                                           notes=notes.strip())
    record_history(record=opportunity, actor=actor, via=via, action=HistoryEntry.Action.LINKED,
                   summary=_("Competitor %(name)s added") % {"name": name})
    events.emit("opportunity.competitor_added", record_id=opportunity.pk,
                competitor=name, actor_id=actor.pk, via=via)
    return competitor


@transaction.atomic
def competitor_remove(*, actor: User, via: Via, competitor: Competitor) -> None:
    opportunity = competitor.opportunity
    ensure_may_record(actor, "edit", opportunity)
    competitor.delete()
    record_history(record=opportunity, actor=actor, via=via,
                   action=HistoryEntry.Action.UNLINKED,
                   summary=_("Competitor %(name)s removed") % {"name": competitor.name})
    events.emit("opportunity.competitor_removed", record_id=opportunity.pk,
                competitor=competitor.name, actor_id=actor.pk, via=via)


@transaction.atomic
def team_member_set(*, actor: User, via: Via, opportunity: Opportunity, user_id: Any,
                    role: str = "") -> SalesTeamMember:
    """Put a colleague (an active user) on the opportunity's sales team, or change their role."""
    ensure_may_record(actor, "edit", opportunity)
    try:
        user = active_user_value(user_id)
    except ValueError as error:
        raise InvalidInput(str(error), fields={"user": str(error)}) from error
    if user is None:
        raise InvalidInput(_("Choose a user."), fields={"user": _("Required.")})
    role = role.strip()
    if len(role) > 60:
        raise InvalidInput(_("The role is too long."), fields={"role": _("at most 60")})
    member, created = SalesTeamMember.objects.get_or_create(
        opportunity=opportunity, user=user, defaults={"role": role})
    if created:
        record_history(record=opportunity, actor=actor, via=via,
                       action=HistoryEntry.Action.LINKED,
                       summary=_("%(name)s joined the sales team") % {"name": user})
        events.emit("opportunity.team_member_added", record_id=opportunity.pk,
                    user_id=user.pk, actor_id=actor.pk, via=via)
    elif member.role != role:
        old, member.role = member.role, role
        member.save(update_fields=["role"])
        record_history(record=opportunity, actor=actor, via=via,
                       action=HistoryEntry.Action.UPDATED,
                       changes=[{"field": "sales_team", "label": str(user), "old": old,
                                 "new": role}])
    return member


@transaction.atomic
def team_member_remove(*, actor: User, via: Via, member: SalesTeamMember) -> None:
    opportunity = member.opportunity
    ensure_may_record(actor, "edit", opportunity)
    member.delete()
    record_history(record=opportunity, actor=actor, via=via,
                   action=HistoryEntry.Action.UNLINKED,
                   summary=_("%(name)s left the sales team") % {"name": member.user})
    events.emit("opportunity.team_member_removed", record_id=opportunity.pk,
                user_id=member.user_id, actor_id=actor.pk, via=via)


# The creation wizard -----------------------------------------------------------------------

MAIN_CONTACT = "Main contact"
# What "make a copy" takes from the chosen record; account and contact come from the wizard.
COPIED_FIELDS = ("title", "description", "source", "category", "priority")
ACCOUNT_MODES = ("existing", "new", "none")
CONTACT_MODES = ("existing", "new", "none")
CONTACT_FIELDS = ("first_name", "last_name", "email", "phone")


@dataclass(frozen=True)
class WizardChoice:
    """What steps 1 and 2 of the creation wizard chose: an existing, new or no account, and
    an existing, new or no contact."""

    account_mode: str
    account_id: int | None = None
    account_name: str = ""
    contact_mode: str = "none"
    contact_id: int | None = None
    contact: Mapping[str, str] = field(default_factory=dict)


def _wizard_account(actor: User, via: Via, kind: str, choice: WizardChoice) -> Account | None:
    if choice.account_mode not in ACCOUNT_MODES:
        raise InvalidInput(_("Choose an existing account, a new one or none."),
                           fields={"account.mode": ", ".join(ACCOUNT_MODES)})
    if choice.account_mode == "none":
        if kind != "lead":
            raise InvalidInput(_("An opportunity needs an account; only a lead may have none."),
                               fields={"account.mode": _("An opportunity needs an account.")})
        return None
    if choice.account_mode == "new":
        if not choice.account_name.strip():
            raise InvalidInput(_("Give the new account a name."),
                               fields={"account.name": _("Required.")})
        return account_services.account_create(actor=actor, via=via,
                                               values={"name": choice.account_name.strip()})
    account = accounts_for(actor).filter(pk=choice.account_id or 0).first()
    if account is None:
        raise InvalidInput(_("Choose an account you can see."),
                           fields={"account.id": _("Unknown account.")})
    return account


def _wizard_contact(actor: User, via: Via, choice: WizardChoice,
                    account: Account | None) -> Contact | None:
    mode = "none" if choice.account_mode == "none" else choice.contact_mode
    if mode not in CONTACT_MODES:
        raise InvalidInput(_("Choose an existing contact, a new one or none."),
                           fields={"contact.mode": ", ".join(CONTACT_MODES)})
    if mode == "none":
        return None
    if mode == "new":
        values = {k: str(choice.contact.get(k) or "").strip() for k in CONTACT_FIELDS}
        return account_services.contact_create(
            actor=actor, via=via, values={k: v for k, v in values.items() if v},
            account=account)
    contact = contacts_for(actor).filter(pk=choice.contact_id or 0).first()
    if contact is None:
        raise InvalidInput(_("Choose a contact you can see."),
                           fields={"contact.id": _("Unknown contact.")})
    if account is not None and choice.account_mode == "new":
        account_services.contact_link_account(actor=actor, via=via, contact=contact,
                                              account=account)
    return contact


def _copied_values(source: WorkflowRecord) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(source, name) for name in COPIED_FIELDS}
    values["attributes"] = dict(source.attributes or {})
    if isinstance(source, Opportunity):
        values.update({"value": source.value, "currency": source.currency})
    return values


@transaction.atomic
def record_create_with_wizard(*, actor: User, via: Via, kind: Kind, choice: WizardChoice,
                              values: Mapping[str, Any], copy_of: int | None = None,
                              pipeline_key: str | None = None,
                              entry: str | None = None) -> WorkflowRecord:
    """Everything the wizard's three steps chose, in one transaction: the account and contact
    (found or new), then the record, empty or a copy of one the existing contact is on, with
    the contact linked as its main contact."""
    account = _wizard_account(actor, via, kind, choice)
    contact = _wizard_contact(actor, via, choice, account)
    merged: dict[str, Any] = {}
    if copy_of is not None:
        chosen = contact.pk if contact is not None and choice.contact_mode == "existing" else None
        source = next((r for r in copyable_records(actor, kind, chosen) if r.pk == copy_of),
                      None)
        if source is None:
            raise InvalidInput(_("Only a record the chosen existing contact is on can be "
                                 "copied."), fields={"copy_of": _("Not one of the choices.")})
        merged = _copied_values(source)
    typed = dict(values)
    attributes = {**merged.get("attributes", {}), **dict(typed.pop("attributes", None) or {})}
    merged.update(typed)
    merged.update({"attributes": attributes, "account": account.pk if account else None,
                   "contact": contact.pk if contact else None})
    return record_create_with_main_contact(actor=actor, via=via, kind=kind, values=merged,
                                           pipeline_key=pipeline_key, entry=entry)


@transaction.atomic
def record_create_with_main_contact(*, actor: User, via: Via, kind: Kind,
                                    values: Mapping[str, Any], pipeline_key: str | None = None,
                                    entry: str | None = None) -> WorkflowRecord:
    """`record_create`, with its contact also on the record's contacts as the main contact."""
    record = record_create(actor=actor, via=via, kind=kind, values=values,
                           pipeline_key=pipeline_key, entry=entry)
    if record.contact is not None:
        record_contact_link(actor=actor, via=via, record=record, contact=record.contact,
                            role=MAIN_CONTACT)
    return record
