"""The benchmark's leads and opportunities: the quote_schedule preset's pipelines, and many
generated records spread over their stages and over the offices' accounts and salespeople.

As for the accounts (dataset.py), records are written with `bulk_create` in batches and not
through the services. Each record gets what the services would have written with it: its stage
changes, a history entry, its main contact and, for some, tags. Its timestamps are spread over
three years (auto_now is switched off while writing them), so that the lists sorted by date and
the automation's "not changed for N days" scan see data of a workspace in use.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dataset import BATCH_SIZE, OfficeStaff, Workspace, alternating
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from vocabulary import LEAD_SOURCES, RECORD_TAGS, SERVICES

from stageflow import engine
from stageflow.accounts.models import Account, AccountContact
from stageflow.automation.models import Firing, Rule
from stageflow.core import clock
from stageflow.core.models import HistoryEntry, Via
from stageflow.pipelines.models import Pipeline
from stageflow.pipelines.selectors import definition_of
from stageflow.pipelines.services import preset_install
from stageflow.sales.models import Lead, Opportunity, RecordContact, StageChange, Status, Tag

PRESET = "quote_schedule"
# Weights of the stages of the preset's two pipelines: about half of the opportunities open.
OPPORTUNITY_STAGES = {"quote": 30, "sales_followup": 12, "schedule": 6, "scheduled": 34,
                      "inactive": 18}
LEAD_STAGES = {"new": 40, "converted": 40, "not_interested": 20}
LEADS_PER_OPPORTUNITY = 0.1
FROM_LEAD_SHARE = 0.1  # of new opportunities that come from a converted lead, while any is left
# The preset's rule `followup_expired` closes a quote left unanswered for 21 days, so in a
# workspace that runs its scans no opportunity has been in Sales Followup for longer.
FOLLOWUP_STAGE, FOLLOWUP_MAX_DAYS = "sales_followup", 20
HISTORY_DAYS = 3 * 365
TAGGED_SHARE = 0.3
LOST_REASONS = ("no_response", "price", "went_elsewhere")
SERVICE_REQUESTS = ("weekly_service", "repair", "opening_closing")


@dataclass(frozen=True)
class PipelinePlace:
    """A live pipeline as the generator needs it: where records point and which steps exist."""

    key: str
    pipeline_id: int
    version: int
    definition: engine.PipelineDefinition
    stage_weights: dict[str, int]

    @classmethod
    def of(cls, key: str, stage_weights: dict[str, int]) -> PipelinePlace:
        pipeline = Pipeline.objects.select_related("live_version").get(key=key)
        assert pipeline.live_version is not None
        definition = definition_of(pipeline.live_version)
        unknown = set(stage_weights) - {stage.key for stage in definition.stages}
        if unknown:
            raise RuntimeError(f"The {key} pipeline has no stages {sorted(unknown)}")
        return cls(key=key, pipeline_id=pipeline.pk, version=pipeline.live_version.number,
                   definition=definition, stage_weights=stage_weights)

    @property
    def first_stage(self) -> engine.Stage:
        return engine.ordered_stages(self.definition)[0]

    def stage(self, key: str) -> engine.Stage:
        return engine.get_stage(self.definition, key)

    def step(self, stage: str) -> str:
        return engine.first_step_of_stage(self.definition, stage)


@dataclass(frozen=True)
class SalesSetup:
    opportunities: PipelinePlace
    leads: PipelinePlace
    tag_ids: tuple[int, ...]


@dataclass(frozen=True)
class SalesGrowth:
    opportunities: int
    leads: int
    stage_changes: int
    opportunities_added: int
    leads_added: int
    seconds: float


def install_pipelines(workspace: Workspace) -> SalesSetup:
    """Install the preset (its pipelines, lookups and rules) as an administrator would."""
    preset_install(actor=workspace.administrator, via=Via.CLI, key=PRESET)
    tag_ids = tuple(Tag.objects.get_or_create(name=name)[0].pk for name in RECORD_TAGS)
    return SalesSetup(
        opportunities=PipelinePlace.of(f"{PRESET}_opportunities", OPPORTUNITY_STAGES),
        leads=PipelinePlace.of(f"{PRESET}_leads", LEAD_STAGES), tag_ids=tag_ids)


@contextmanager
def _timestamps_as_given(*record_models: type[models.Model]) -> Iterator[None]:
    """Let bulk_create keep the created_at and updated_at set on the objects."""
    fields = []
    for model in record_models:
        for name in ("created_at", "updated_at"):
            field = model._meta.get_field(name)
            assert isinstance(field, models.DateTimeField)
            fields.append(field)
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


@dataclass(frozen=True)
class _Timeline:
    created: dt.datetime
    entered: dt.datetime  # the current stage
    updated: dt.datetime


class _SalesFactory:
    """Builds unsaved leads and opportunities, with what the services would write for them."""

    def __init__(self, rng: random.Random, workspace: Workspace, setup: SalesSetup) -> None:
        self.rng = rng
        self.workspace = workspace
        self.setup = setup
        self.now = clock.now()
        self.accounts: dict[int, list[tuple[int, str]]] = {
            staff.office.pk: [] for staff in workspace.offices}
        for pk, office_id, name in Account.objects.values_list("pk", "office_id", "name"):
            self.accounts[office_id].append((pk, name))
        self.contacts: dict[int, list[int]] = {}
        for account_id, contact_id in AccountContact.objects.values_list("account_id",
                                                                          "contact_id"):
            self.contacts.setdefault(account_id, []).append(contact_id)
        self.converted_leads: dict[int, list[int]] = {}

    def _stage(self, place: PipelinePlace) -> engine.Stage:
        keys = list(place.stage_weights)
        return place.stage(self.rng.choices(keys, list(place.stage_weights.values()))[0])

    def _timeline(self, place: PipelinePlace, stage: engine.Stage) -> _Timeline:
        """Created up to three years ago; in the current stage since then (first stage) or
        since some time after; last changed soon after entering it, so most records are old."""
        rng, now = self.rng, self.now
        created = now - dt.timedelta(days=rng.uniform(0, HISTORY_DAYS))
        if stage.key == place.first_stage.key:
            entered = created
        elif stage.key == FOLLOWUP_STAGE:
            entered = now - dt.timedelta(days=rng.uniform(0, FOLLOWUP_MAX_DAYS))
            created = min(created, entered - dt.timedelta(days=rng.uniform(0, 30)))
        else:
            entered = created + (now - created) * rng.uniform(0.05, 1)
        return _Timeline(created=created, entered=entered,
                         updated=entered + (now - entered) * rng.random() ** 3)

    def _customer(self, staff: OfficeStaff) -> tuple[int, str, int | None]:
        account_id, name = self.rng.choice(self.accounts[staff.office.pk])
        contacts = self.contacts.get(account_id)
        return account_id, name, self.rng.choice(contacts) if contacts else None

    def lead(self, staff: OfficeStaff) -> Lead:
        rng, place = self.rng, self.setup.leads
        stage = self._stage(place)
        when = self._timeline(place, stage)
        account_id, name, contact_id = self._customer(staff)
        return Lead(
            title=f"{rng.choice(SERVICES)} – {name}", owner_id=rng.choice(staff.owner_ids),
            office=staff.office, account_id=account_id, contact_id=contact_id,
            source=rng.choice(LEAD_SOURCES),
            attributes={"service_requested": rng.choice(SERVICE_REQUESTS)},
            pipeline_id=place.pipeline_id, pipeline_version=place.version, stage=stage.key,
            step=place.step(stage.key), status=stage.status, stage_entered_at=when.entered,
            closed_at=when.entered if stage.status != Status.OPEN else None,
            converted_at=when.entered if stage.key == "converted" else None,
            created_by=self.workspace.administrator, created_at=when.created,
            updated_at=when.updated)

    def opportunity(self, staff: OfficeStaff) -> Opportunity:
        rng, place = self.rng, self.setup.opportunities
        stage = self._stage(place)
        when = self._timeline(place, stage)
        account_id, name, contact_id = self._customer(staff)
        closed = stage.status != Status.OPEN
        leads = self.converted_leads.get(staff.office.pk)
        lead_id = leads.pop() if leads and rng.random() < FROM_LEAD_SHARE else None
        return Opportunity(
            title=f"{rng.choice(SERVICES)} – {name}", owner_id=rng.choice(staff.owner_ids),
            office=staff.office, account_id=account_id, contact_id=contact_id,
            source=rng.choice(LEAD_SOURCES),
            attributes={"lost_reason": rng.choice(LOST_REASONS)} if stage.status == "lost"
            else {},
            pipeline_id=place.pipeline_id, pipeline_version=place.version, stage=stage.key,
            step=place.step(stage.key), status=stage.status, stage_entered_at=when.entered,
            closed_at=when.entered if closed else None,
            close_date=when.entered.date() if closed else None,
            value=Decimal(rng.randrange(150_00, 25_000_00)) / 100, currency="USD",
            expected_close_date=(when.created + dt.timedelta(days=30)).date(),
            probability=stage.probability, lead_id=lead_id,
            created_by=self.workspace.administrator, created_at=when.created,
            updated_at=when.updated)

    def stage_changes(self, record: Lead | Opportunity, place: PipelinePlace) -> list[StageChange]:
        """Its start in the first stage and, when it is elsewhere now, the move there."""
        link = {"lead" if isinstance(record, Lead) else "opportunity": record}
        first = place.first_stage
        start_step = place.step(first.key)
        changes = [StageChange(**link, pipeline_id=place.pipeline_id,
                               pipeline_version=place.version, to_stage=first.key,
                               to_step=start_step, to_status=first.status, at=record.created_at,
                               actor=self.workspace.administrator)]
        if record.stage != first.key:
            changes.append(StageChange(
                **link, pipeline_id=place.pipeline_id, pipeline_version=place.version,
                transition=engine.stage_move_key(record.stage), from_stage=first.key,
                from_step=start_step, to_stage=record.stage, to_step=record.step,
                to_status=record.status, at=record.stage_entered_at,
                seconds_in_previous=int((record.stage_entered_at
                                         - record.created_at).total_seconds()),
                actor_id=record.owner_id))
        return changes

    def created_entry(self, record: Lead | Opportunity,
                      content_type: ContentType) -> HistoryEntry:
        administrator = self.workspace.administrator
        return HistoryEntry(content_type=content_type, object_id=record.pk,
                            record_label=record.title[:300], at=record.created_at,
                            actor=administrator, actor_name=administrator.get_full_name(),
                            via=Via.IMPORT, action=HistoryEntry.Action.CREATED)


def _add_records(factory: _SalesFactory, workspace: Workspace, count: int,
                 kind: type[Lead] | type[Opportunity]) -> int:
    """`count` leads or opportunities with their stage changes, history, contact and tags;
    returns the number of stage changes written."""
    is_lead = kind is Lead
    place = factory.setup.leads if is_lead else factory.setup.opportunities
    content_type = ContentType.objects.get_for_model(kind)
    records_of_kind: models.Manager[Any] = kind.objects
    tags = kind.tags.through
    tag_links: models.Manager[Any] = tags.objects
    rng = factory.rng
    changes_written = 0
    for start in range(0, count, BATCH_SIZE):
        batch = [(staff, factory.lead(staff) if is_lead else factory.opportunity(staff))
                 for staff in alternating(workspace, min(BATCH_SIZE, count - start))]
        records = [record for _staff, record in batch]
        with _timestamps_as_given(kind):
            records_of_kind.bulk_create(records)
        changes = [change for record in records for change in factory.stage_changes(record,
                                                                                     place)]
        StageChange.objects.bulk_create(changes)
        changes_written += len(changes)
        HistoryEntry.objects.bulk_create(factory.created_entry(record, content_type)
                                         for record in records)
        link = "lead_id" if is_lead else "opportunity_id"
        RecordContact.objects.bulk_create(
            RecordContact(**{link: record.pk}, contact_id=record.contact_id)
            for record in records if record.contact_id is not None)
        tag_links.bulk_create(
            tags(**{link: record.pk, "tag_id": tag_id})
            for record in records if rng.random() < TAGGED_SHARE
            for tag_id in rng.sample(factory.setup.tag_ids, rng.randint(1, 2)))
        if is_lead:
            for staff, record in batch:
                if record.stage == "converted":
                    factory.converted_leads.setdefault(staff.office.pk, []).append(record.pk)
    return changes_written


def grow_sales_to(size: int, workspace: Workspace, setup: SalesSetup,
                  rng: random.Random) -> SalesGrowth:
    """Add opportunities until there are `size`, and leads until there are a tenth of that
    (the accounts and contacts they point at must exist already)."""
    started = time.perf_counter()
    factory = _SalesFactory(rng, workspace, setup)
    new_leads = max(0, int(size * LEADS_PER_OPPORTUNITY) - Lead.objects.count())
    new_opportunities = max(0, size - Opportunity.objects.count())
    with transaction.atomic():
        changes = _add_records(factory, workspace, new_leads, Lead)
        changes += _add_records(factory, workspace, new_opportunities, Opportunity)
    return SalesGrowth(
        opportunities=Opportunity.objects.count(), leads=Lead.objects.count(),
        stage_changes=StageChange.objects.count(), opportunities_added=new_opportunities,
        leads_added=new_leads, seconds=time.perf_counter() - started)


@dataclass(frozen=True)
class FiringHistory:
    """What a timed rule found when it was created on old data: how many of the records it
    watches are past its threshold, and how many of those it has not fired for yet."""

    watched: int
    past_threshold: int
    due: int


def add_past_firings(rule: Rule, *, leave_due: int, rng: random.Random) -> FiringHistory:
    """Log the rule as fired for every opportunity past its "days" threshold except
    `leave_due` of them: the state of a workspace whose scan runs daily, on the day those
    crossed the threshold. Only for `last_modified_older_than` rules with a status condition."""
    assert rule.event == "opportunity.last_modified_older_than"
    days = int(rule.conditions["days"])
    now = clock.now()
    watched = Opportunity.objects.filter(status=rule.conditions["status"])
    old = list(watched.filter(updated_at__lte=now - dt.timedelta(days=days))
               .values_list("pk", "updated_at"))
    fired = rng.sample(old, max(0, len(old) - leave_due))
    with transaction.atomic():
        for start in range(0, len(fired), BATCH_SIZE):
            Firing.objects.bulk_create(
                Firing(rule=rule, source=f"rule:{rule.key}", name=rule.name, event=rule.event,
                       record_type="opportunity", record_id=pk, period=updated.isoformat(),
                       outcome=Firing.Outcome.DONE,
                       results=[{"action": "add_tag", "result": "tagged"}],
                       at=min(now, updated + dt.timedelta(days=days, hours=rng.uniform(0, 24))))
                for pk, updated in fired[start:start + BATCH_SIZE])
    return FiringHistory(watched=watched.count(), past_threshold=len(old),
                         due=len(old) - len(fired))
