"""Reads of leads and opportunities shared by the API, pages and exports."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from typing import Any, Generic, TypeVar, overload

from django.db.models import Count, Model, Q, QuerySet, Window, prefetch_related_objects

from stageflow import engine
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.pipelines.models import Pipeline, PipelineVersion
from stageflow.pipelines.selectors import definition_of
from stageflow.sales.access import MODELS, records_for
from stageflow.sales.fields import field_labels, record_values
from stageflow.sales.models import (
    Competitor,
    Lead,
    Opportunity,
    RecordContact,
    SalesTeamMember,
    Tag,
)
from stageflow.sales.search import record_search_condition

R = TypeVar("R", bound=Model)
VIEWS = ("all", "mine", "my_office", "created_by_me")


def record_list(*, user: User, kind: str, q: str = "", view: str = "all", stage: str = "",
                status: str = "", owner_id: int | None = None, office_id: int | None = None,
                pipeline: str = "", pipeline_id: int | None = None, tag: str = "",
                stage_group: str = "", account_id: int | None = None,
                contact_id: int | None = None,
                ordering: str = "-created") -> QuerySet[Lead | Opportunity]:
    """The records `user` may see, filtered; one row per record without DISTINCT (every filter
    is on the record's own columns or a subquery), so counts and pages stay cheap.

    `pipeline` is a pipeline key, `pipeline_id` its id (the board knows it); `contact_id` finds
    the records a contact is on, as main contact or with a role. Only the relations
    every list shows are loaded with it; `with_links` and `load_links` add what the API shows."""
    records = records_for(user, kind).select_related(
        "owner", "office", "account", "contact", "pipeline").prefetch_related("tags")
    model = MODELS[kind]  # records_for refused any other kind
    if view == "mine":
        records = records.filter(owner=user)
    elif view == "my_office":
        records = records.filter(office_id__in=permissions.office_ids(user))
    elif view == "created_by_me":
        records = records.filter(created_by=user)
    if q.strip():
        records = records.filter(record_search_condition(model, q.strip()))
    if stage:
        records = records.filter(stage=stage)
    if status:
        records = records.filter(status=status)
    if owner_id is not None:
        records = records.filter(owner_id=owner_id)
    if office_id is not None:
        records = records.filter(office_id=office_id)
    if pipeline:
        # By id through a subquery: a join on the key keeps SQLite off the (pipeline, stage, …)
        # indexes.
        records = records.filter(pipeline_id__in=Pipeline.objects.filter(key=pipeline)
                                 .values("pk"))
    if pipeline_id is not None:
        records = records.filter(pipeline_id=pipeline_id)
    if tag:
        # A subquery rather than a join on tags: no duplicate rows, hence no DISTINCT.
        tagged = model.tags.through.objects.filter(tag__name=tag).values(f"{kind}_id")
        records = records.filter(pk__in=tagged)
    if stage_group:
        records = records.filter(stage__in=_stages_in_group(kind, stage_group))
    if account_id is not None:
        records = records.filter(account_id=account_id)
    if contact_id is not None:
        linked = RecordContact.objects.filter(contact_id=contact_id).values(f"{kind}_id")
        records = records.filter(Q(contact_id=contact_id) | Q(pk__in=linked))
    orderings = {"-created": ("-created_at", "-id"), "created": ("created_at", "id"),
                 "title": ("title", "id"), "-updated": ("-updated_at", "-id"),
                 "stage": ("stage", "id")}
    return records.order_by(*orderings.get(ordering, orderings["-created"]))


class Paged(Generic[R]):
    """`records` for a paginator: their count, and slices that load a page in one query which
    sorts and cuts the ids alone before it reads the page's rows and their related rows:
    `… WHERE id IN (SELECT id … ORDER BY … LIMIT …) ORDER BY …`. Sorting thousands of search
    matches with every joined column (owner, account, …) cost SQLite more than the search.

    With `first` (the size of the first page), the count comes with that page's ids from one
    query (`COUNT(*) OVER ()`): for a search, counting and sorting the matches each found
    them again. Only worth it where the matches are few or already cost a full read."""

    def __init__(self, records: QuerySet[R], first: int = 0) -> None:
        self.records = records
        self.first = first
        self._count: int | None = None
        self._first_ids: list[Any] = []

    def count(self) -> int:
        if self._count is None:
            if self.first:
                ids = list(self.records.values_list("pk", Window(Count("pk")))[:self.first])
                self._first_ids = [pk for pk, _total in ids]
                self._count = ids[0][1] if ids else 0
            else:
                self._count = self.records.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[R]:
        return iter(self.records)

    @overload
    def __getitem__(self, index: int) -> R: ...

    @overload
    def __getitem__(self, index: slice) -> list[R]: ...

    def __getitem__(self, index: int | slice) -> R | list[R]:
        if isinstance(index, int):
            return self[index:index + 1][0]
        records = self.records
        known = (self._count is not None and self.first and not index.start
                 and index.stop is not None and index.stop <= self.first and index.step is None)
        page: Any = self._first_ids[:index.stop] if known else records.values("pk")[index]
        rows = records.model._default_manager.using(records.db).filter(pk__in=page)
        rows.query.select_related = copy.deepcopy(records.query.select_related)
        rows.query.deferred_loading = records.query.deferred_loading
        lookups: tuple[Any, ...] = getattr(records, "_prefetch_related_lookups", ())
        ordering: tuple[Any, ...] = tuple(records.query.order_by
                                          or records.model._meta.ordering or ())
        return list(rows.prefetch_related(*lookups).order_by(*ordering))


# Lists show the records a lead or opportunity points to by name (`__str__`): a page reads
# hundreds of them, so only the columns of those names.
_USER_NAME = ("first_name", "last_name", "username")
_NAMED_BY = {"owner": _USER_NAME, "office": ("name",), "account": ("name",),
             "contact": ("first_name", "last_name"), "pipeline": ("key",), "lead": ("title",),
             "parent": ("title",)}
_LISTED = ("owner", "office", "account", "contact", "pipeline")


def names_only(records: QuerySet[Lead | Opportunity], kind: str, *,
               links: bool = False) -> QuerySet[Lead | Opportunity]:
    """`records` with the records they point to read for their names only: owner, office,
    account, contact and pipeline, with `links` also an opportunity's lead and parent. Without
    the tags prefetch: `attach_tags` reads a whole page's."""
    model = MODELS[kind]
    pointed = [field.name for field in model._meta.concrete_fields
               if field.name in _NAMED_BY and (links or field.name in _LISTED)]
    return records.select_related(*pointed).only(
        *(field.name for field in model._meta.concrete_fields),
        *(f"{name}__{column}" for name in pointed for column in _NAMED_BY[name]),
    ).prefetch_related(None)


def with_links(records: QuerySet[Lead | Opportunity],
               kind: str) -> QuerySet[Lead | Opportunity]:
    """`records` for the API: the names of the records they point to, an opportunity's lead
    and parent too (`load_links` reads the rest for a whole page)."""
    return names_only(records, kind, links=True)


def attach_tags(records: list[Lead | Opportunity], kind: str) -> None:
    """Put each record's tags, by name, on it as `tag_list` (name and colour), one query for
    them all."""
    tagged = MODELS[kind].tags.through.objects.filter(
        **{f"{kind}_id__in": [record.pk for record in records]}).order_by("tag__name")
    _attach(records, "tag_list", (
        (record_id, Tag(pk=tag_id, name=name, colour=colour)) for record_id, tag_id, name, colour
        in tagged.values_list(f"{kind}_id", "tag_id", "tag__name", "tag__colour")))


def load_links(records: list[Lead | Opportunity], kind: str) -> None:
    """Read what the API lists of each record, one query each, into lists on the records:
    `tag_list`; a lead's `opportunity_list`; an opportunity's follow-ons (`child_list`),
    `competitor_list` and sales team (`team_list`).

    By the records' ids rather than with `prefetch_related`, which builds a manager and a
    filtered queryset for every record and matches the rows back through model instances:
    on a page of 50 that cost more than the queries."""
    ids = [record.pk for record in records]
    attach_tags(records, kind)
    if kind == "lead":
        _attach(records, "opportunity_list", _keyed(
            Opportunity.objects.filter(lead_id__in=ids).only("title", "lead"), "lead_id"))
        return
    team = SalesTeamMember.objects.filter(opportunity_id__in=ids).select_related("user").only(
        "opportunity", "role", "user", *(f"user__{column}" for column in _USER_NAME))
    _attach(records, "child_list", _keyed(
        Opportunity.objects.filter(parent_id__in=ids).only("title", "parent"), "parent_id"))
    _attach(records, "competitor_list", _keyed(
        Competitor.objects.filter(opportunity_id__in=ids), "opportunity_id"))
    _attach(records, "team_list", _keyed(team, "opportunity_id"))


def _keyed(rows: QuerySet[Any], key: str) -> Iterator[tuple[int, Any]]:
    return ((getattr(row, key), row) for row in rows)


def _attach(records: list[Lead | Opportunity], name: str,
            rows: Iterable[tuple[int, Any]]) -> None:
    """Put on each record, as `name`, the list of values paired with its id in `rows`."""
    lists: dict[int, list[Any]] = {record.pk: [] for record in records}
    for record_id, value in rows:
        lists[record_id].append(value)
    for record in records:
        setattr(record, name, lists[record.pk])


def _stages_in_group(kind: str, group: str) -> list[str]:
    """Stage keys in a stage group (by key or by name) over the live pipelines of a kind."""
    stages: list[str] = []
    versions = PipelineVersion.objects.filter(pipeline__record_type=kind,
                                              state=PipelineVersion.State.PUBLISHED)
    for version in versions:
        definition = definition_of(version)
        keys = {g.key for g in definition.stage_groups
                if group in (g.key, g.label("en")) or group.lower() == g.label("en").lower()}
        stages += [s.key for s in definition.stages if s.group in keys]
    return stages


def attach_definitions(records: Iterable[Lead | Opportunity]) -> None:
    """Load the pipeline version of every record in one query, as `record.definition`."""
    records = list(records)
    wanted = {(r.pipeline_id, r.pipeline_version) for r in records}
    condition = Q(pk__in=[])
    for pipeline_id, number in wanted:
        condition |= Q(pipeline_id=pipeline_id, number=number)
    versions = {(v.pipeline_id, v.number): v
                for v in PipelineVersion.objects.filter(condition).order_by()}
    for record in records:
        version = versions[(record.pipeline_id, record.pipeline_version)]
        remember_definition(record, definition_of(version))


def remember_definition(record: Lead | Opportunity,
                        definition: engine.PipelineDefinition) -> None:
    """Keep the compiled workflow on the record instance as `record.definition`, marked with
    the pipeline version it belongs to."""
    record.definition = definition  # type: ignore[union-attr]
    record._definition_of = (record.pipeline_id,  # type: ignore[union-attr]
                             record.pipeline_version)


def known_definition(record: Lead | Opportunity) -> engine.PipelineDefinition | None:
    """The definition remembered on this instance, if it is still the record's version."""
    if getattr(record, "_definition_of", None) != (record.pipeline_id, record.pipeline_version):
        return None
    definition: engine.PipelineDefinition = getattr(record, "definition")  # noqa: B009
    return definition


def transition_options(record: Lead | Opportunity) -> list[engine.TransitionOption]:
    """The transitions defined from the record's step, each allowed or not and what it lacks
    (needs `attach_definitions` first)."""
    definition: engine.PipelineDefinition = record.definition  # type: ignore[union-attr]
    kind = "lead" if isinstance(record, Lead) else "opportunity"
    return engine.available_transitions(definition, record.step, record_values(record),
                                        labels=field_labels(kind))


COPY_LIMIT = 20


def copyable_records(user: User, kind: str, contact_id: int | None) -> list[Lead | Opportunity]:
    """The creation wizard's "make a copy" choices: the records of this kind that the chosen
    existing contact is already on (as main contact or with a role), newest first."""
    if not contact_id:
        return []
    return list(records_for(user, kind).filter(Q(contact_id=contact_id)
                                               | Q(contact_links__contact_id=contact_id))
                .distinct().order_by("-created_at", "-id")[:COPY_LIMIT])


def develop_of(opportunity: Opportunity) -> Opportunity:
    """`opportunity` with what SalesTrack's Develop stage gathers read in one query each:
    competitors and the sales team (stakeholders, contacts with roles, have their own tab)."""
    prefetch_related_objects([opportunity], "competitors", "team_members__user")
    return opportunity
