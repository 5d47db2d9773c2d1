"""What the board shows: its filters, the columns of a pipeline with their totals, and cards.

Reads go through the sales selectors so that the board, the overviews and the API agree on
scope and filters; this module only shapes their results for the board's templates.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.http import QueryDict
from django.template.defaultfilters import floatformat
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stageflow import engine
from stageflow.engine.decisions import MISSING_ATTRIBUTE
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.pipelines.models import Pipeline
from stageflow.pipelines.selectors import definition_of, pipeline_list
from stageflow.sales.access import PERMISSION_TYPES
from stageflow.sales.fields import field_labels
from stageflow.sales.models import Lead, Opportunity
from stageflow.sales.selectors import (
    Paged,
    attach_definitions,
    attach_tags,
    names_only,
    record_list,
    transition_options,
)
from stageflow.web.views import record_url

# Cards per column page; "Show more" fetches the next page. Like the peers' boards, a column
# opens with the most recently changed deals rather than all of them.
PAGE_SIZE = 25
VIEWS = ("mine", "my_office", "all")
COLOUR = re.compile(r"#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}")
MAX_SEARCH = 200

WorkflowRecord = Lead | Opportunity


@dataclass(frozen=True, slots=True)
class BoardFilters:
    """The board's choices: one pipeline, a scope view, an owner and a search text."""

    pipeline: Pipeline
    view: str = "all"
    owner_id: int | None = None
    q: str = ""

    @property
    def kind(self) -> str:
        return str(self.pipeline.record_type)

    def query(self) -> str:
        """The filters as a query string (without "?"), for links and for the move forms."""
        params: dict[str, Any] = {"pipeline": self.pipeline.key, "view": self.view}
        if self.owner_id is not None:
            params["owner"] = self.owner_id
        if self.q:
            params["q"] = self.q
        return urlencode(params)


def board_pipelines(user: User) -> list[Pipeline]:
    """The live pipelines whose record type the user may see, leads before opportunities."""
    return [pipeline for pipeline in pipeline_list().filter(live_version__isnull=False)
            if permissions.may_at_all(user, PERMISSION_TYPES[pipeline.record_type], "view")]


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def filters_from(params: QueryDict, pipelines: list[Pipeline], *,
                 pipeline: Pipeline | None = None) -> BoardFilters | None:
    """Parse the board's query parameters; the default opportunity pipeline when none is
    chosen, None when the user sees no pipeline at all. `pipeline` overrides the choice."""
    if pipeline is None:
        key = params.get("pipeline", "")
        pipeline = next((p for p in pipelines if p.key == key), None)
        if pipeline is None:
            defaults = [p for p in pipelines if p.is_default]
            pipeline = next((p for p in defaults if p.record_type == "opportunity"),
                            next(iter(defaults or pipelines), None))
    if pipeline is None:
        return None
    view = params.get("view", "all")
    return BoardFilters(pipeline=pipeline, view=view if view in VIEWS else "all",
                        owner_id=_int_or_none(params.get("owner")),
                        q=params.get("q", "").strip()[:MAX_SEARCH])


def filters_for_record(encoded: str, record: WorkflowRecord) -> BoardFilters:
    """The board filters a move was made under, always on the record's own pipeline."""
    filters = filters_from(QueryDict(encoded), [], pipeline=record.pipeline)
    assert filters is not None
    return filters


def board_definition(filters: BoardFilters) -> engine.PipelineDefinition:
    version = filters.pipeline.live_version
    assert version is not None
    return definition_of(version)


def board_records(user: User, filters: BoardFilters, stage: str = "") -> QuerySet[WorkflowRecord]:
    """The records the board shows, most recently changed first (index: pipeline, stage,
    updated_at)."""
    return record_list(user=user, kind=filters.kind, q=filters.q, view=filters.view,
                       owner_id=filters.owner_id, pipeline_id=filters.pipeline.pk, stage=stage,
                       ordering="-updated")


# Columns -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Column:
    """A stage of the board with how many records it holds and, for opportunities, their
    value per currency."""

    stage: engine.Stage
    label: str
    colour: str
    count: int
    totals: tuple[tuple[str, Decimal], ...]

    @property
    def key(self) -> str:
        return self.stage.key

    @property
    def dom_key(self) -> str:
        return dom_key(self.stage.key)


def dom_key(stage_key: str) -> str:
    """A stage key fit for an HTML id that CSS selectors can name (keys may hold dots)."""
    return stage_key.replace(".", "__")


def safe_colour(colour: str | None) -> str:
    """A colour fit for an SVG fill attribute, or "" when it is not a plain hex colour."""
    return colour if colour and COLOUR.fullmatch(colour) else ""


def columns(user: User, filters: BoardFilters, language: str) -> tuple[list[Column], list[Column]]:
    """The open stages in funnel order, with counts and totals over the filtered records in
    one query (answered from the covering index on pipeline, stage, currency, value, owner and
    office unless searching), and the closing stages (won, lost, archived) after them. Those
    are drop zones that show no numbers, so their records, often most of them, go uncounted."""
    definition = board_definition(filters)
    funnel = engine.funnel_stages(definition)
    records = board_records(user, filters).filter(
        stage__in=[stage.key for stage in funnel]).order_by()
    counts: dict[str, int] = {}
    totals: dict[str, dict[str, Decimal]] = {}
    if filters.kind == "opportunity":
        rows = records.values("stage", "currency").annotate(n=Count("id"), total=Sum("value"))
        for row in rows:
            counts[row["stage"]] = counts.get(row["stage"], 0) + row["n"]
            per_currency = totals.setdefault(row["stage"], {})
            per_currency[row["currency"]] = (per_currency.get(row["currency"], Decimal(0))
                                             + (row["total"] or Decimal(0)))
    else:
        for row in records.values("stage").annotate(n=Count("id")):
            counts[row["stage"]] = row["n"]

    def column(stage: engine.Stage) -> Column:
        return Column(stage=stage, label=stage.label(language), colour=safe_colour(stage.colour),
                      count=counts.get(stage.key, 0),
                      totals=tuple(sorted(totals.get(stage.key, {}).items())))

    open_columns = [column(stage) for stage in funnel]
    closing = [column(stage) for stage in engine.ordered_stages(definition)
               if stage.active and stage.status != "open"]
    return open_columns, closing


# Cards -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Move:
    """A stage a card can be moved to now, and what the move will ask for."""

    stage: str
    label: str
    needs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TagChip:
    name: str
    colour: str


@dataclass(frozen=True, slots=True)
class Card:
    """A record as its board card shows it. The texts are made here, once per card, rather
    than by template tags: a column renders dozens of cards per request."""

    record: WorkflowRecord
    kind: str
    url: str
    move_url: str
    days_in_stage: int
    step_label: str
    tags: tuple[TagChip, ...]
    moves: tuple[Move, ...]
    labels: Mapping[str, str]  # card_labels(), shared by the cards of a request

    @property
    def days_text(self) -> str:
        return ngettext("%(days)s day", "%(days)s days", self.days_in_stage) % {
            "days": self.days_in_stage}

    @property
    def value_text(self) -> str:
        record = self.record
        if not isinstance(record, Opportunity):
            return ""
        return f"{record.currency} {floatformat(record.value, '-2g')}"

    @property
    def close_text(self) -> str:
        record = self.record
        if not isinstance(record, Opportunity) or record.expected_close_date is None:
            return ""
        return date_format(record.expected_close_date, "SHORT_DATE_FORMAT")

    @property
    def move_label(self) -> str:
        return _("Move “%(title)s” to") % {"title": self.record.title}

    @property
    def dom_id(self) -> str:
        return f"card-{self.kind}-{self.record.pk}"

    @property
    def stage_dom_key(self) -> str:
        return dom_key(self.record.stage)


def card_labels() -> dict[str, str]:
    """The fixed texts of a card in the active language: translated once for a column's
    cards rather than once per card."""
    return {"account": _("Account"), "owner": _("Owner"), "nobody": _("Nobody"),
            "value": _("Value"), "expected_close": _("Expected close"),
            "in_stage": _("In stage"), "tags": _("Tags"), "move_to": _("Move to…"),
            "asks_for": _("asks for"), "move": _("Move"),
            "no_move": _("No stage to move to from this step.")}


def moves_of(record: WorkflowRecord, language: str) -> tuple[Move, ...]:
    """The other stages the record's open transitions lead to, first transition per stage
    (the one a drag takes), each with the labels of the values it still needs."""
    definition: engine.PipelineDefinition = record.definition  # type: ignore[union-attr]
    kind = "lead" if isinstance(record, Lead) else "opportunity"
    labels = field_labels(kind)
    moves: dict[str, Move] = {}
    for option in transition_options(record):
        if any(reason.code != MISSING_ATTRIBUTE for reason in option.reasons):
            continue
        try:
            stage = engine.stage_of(definition, option.to_step)
        except engine.UnknownKeyError:
            continue
        if stage.key == record.stage or stage.key in moves:
            continue
        needs = []
        for key in option.missing:
            attribute = engine.get_attribute(definition, key)
            if attribute is not None:
                needs.append(attribute.label(language))
            else:
                needs.append(labels.get(key, key))
        moves[stage.key] = Move(stage=stage.key, label=stage.label(language), needs=tuple(needs))
    return tuple(moves.values())


def cards(records: list[WorkflowRecord], kind: str, language: str,
          now: dt.datetime) -> list[Card]:
    """Cards for records of `kind` fetched through `board_records` (no further queries but
    one for their pipeline versions and one for their tags)."""
    attach_definitions(records)
    attach_tags(records, kind)
    detail_url, move_url = record_url(f"records:{kind}_detail"), record_url("board:move", kind)
    labels = card_labels()
    result = []
    for record in records:
        definition: engine.PipelineDefinition = record.definition  # type: ignore[union-attr]
        steps = engine.steps_of_stage(definition, record.stage)
        step_label = ""
        if len(steps) > 1:
            try:
                step_label = engine.get_step(definition, record.step).name
            except engine.UnknownKeyError:
                step_label = record.step
        result.append(Card(
            record=record, kind=kind, url=detail_url(record.pk), move_url=move_url(record.pk),
            days_in_stage=max(0, (now - record.stage_entered_at).days),
            step_label=step_label,
            tags=tuple(TagChip(name=tag.name, colour=safe_colour(tag.colour) or "#8899aa")
                       for tag in record.tag_list),  # type: ignore[union-attr]
            moves=moves_of(record, language), labels=labels))
    return result


@dataclass(frozen=True, slots=True)
class CardPage:
    cards: list[Card]
    next_offset: int | None


def column_page(user: User, filters: BoardFilters, stage: str, offset: int, language: str,
                now: dt.datetime) -> CardPage:
    """One page of a column's cards, fetching one more to know whether more follow."""
    shown = names_only(board_records(user, filters, stage), filters.kind)
    records = Paged(shown)[offset:offset + PAGE_SIZE + 1]
    more = len(records) > PAGE_SIZE
    return CardPage(cards=cards(records[:PAGE_SIZE], filters.kind, language, now),
                    next_offset=offset + PAGE_SIZE if more else None)


def card_of(user: User, filters: BoardFilters, record_id: int, language: str,
            now: dt.datetime) -> Card | None:
    """The card of one record as the board would show it now, or None when the filters (or
    its status) no longer put it on the board."""
    record = names_only(board_records(user, filters), filters.kind).filter(pk=record_id).first()
    if record is None:
        return None
    return cards([record], filters.kind, language, now)[0]
