"""Leads and opportunities as the pipelines app sees them when a version is published."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from stageflow import engine
from stageflow.core import clock
from stageflow.core.history import record_history
from stageflow.core.models import HistoryEntry
from stageflow.pipelines.models import Pipeline
from stageflow.pipelines.selectors import definition_of, version_of
from stageflow.sales.models import Lead, Opportunity, StageChange


@dataclass(frozen=True)
class RecordStore:
    model: type[Lead] | type[Opportunity]
    link: str

    def count_on_steps(self, *, pipeline_key: str, steps: Iterable[str]) -> dict[str, int]:
        rows = (self.model.objects.filter(pipeline__key=pipeline_key, step__in=list(steps))
                .values("step").annotate(count=Count("id")))
        return {row["step"]: row["count"] for row in rows}

    def adopt_version(self, *, pipeline_key: str, mapping: Mapping[str, str], version: int,
                      actor: Any, via: Any) -> int:
        """Move records on removed steps along `mapping`, then put every record of the
        pipeline on `version`. Returns how many records moved."""
        pipeline = Pipeline.objects.get(key=pipeline_key)
        definition = definition_of(version_of(pipeline, version))
        now = clock.now()
        moved = 0
        records = self.model.objects.select_for_update().filter(pipeline=pipeline,
                                                                step__in=list(mapping))
        for record in records:
            target = mapping[record.step]
            stage = engine.stage_of(definition, target)
            StageChange.objects.create(
                **{self.link: record}, pipeline=pipeline, pipeline_version=version,
                transition="", from_stage=record.stage, from_step=record.step,
                to_stage=stage.key, to_step=target, to_status=stage.status, at=now,
                actor=actor, forced=True,
                seconds_in_previous=int((now - record.stage_entered_at).total_seconds()))
            changes = [{"field": "step", "label": "step", "old": record.step, "new": target}]
            record.step, record.stage, record.status = target, stage.key, stage.status
            record.pipeline_version = version
            record.version += 1
            record.save()
            record_history(record=record, actor=actor, via=via,
                           action=HistoryEntry.Action.UPDATED, changes=changes,
                           summary=f"Moved by publishing version {version}")
            moved += 1
        self.model.objects.filter(pipeline=pipeline).update(pipeline_version=version)
        return moved


LEAD_STORE = RecordStore(model=Lead, link="lead")
OPPORTUNITY_STORE = RecordStore(model=Opportunity, link="opportunity")
