"""/api/v1/leads and /api/v1/opportunities: records that move through a pipeline.

Both routers come from one factory: the two record types share every operation except
conversion (leads) and follow-ons (opportunities).
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import get_language
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import BaseModel

from stageflow import engine
from stageflow.accounts.access import access_contact_by_id
from stageflow.api.automation import FiringOut
from stageflow.api.common import HistoryOut, Ref, caller, expected_version, ref
from stageflow.automation.models import Firing
from stageflow.automation.selectors import firing_log
from stageflow.core.errors import MalformedRequest, NotFound
from stageflow.core.history import history_of
from stageflow.core.models import HistoryEntry, Via
from stageflow.sales import selectors, services
from stageflow.sales.access import access_record_by_id, kind_of
from stageflow.sales.models import (
    Competitor,
    Lead,
    Opportunity,
    RecordContact,
    SalesTeamMember,
    StageChange,
)


class TransitionOut(BaseModel):
    key: str
    name: str
    to: str
    allowed: bool
    missing: list[str]


class CompetitorOut(Schema):
    id: int
    name: str
    notes: str


class TeamMemberOut(Schema):
    user: Ref
    role: str

    @staticmethod
    def resolve_user(member: SalesTeamMember) -> dict[str, Any] | None:
        return ref(member.user)


# The record schemas are plain pydantic models filled from `record_out`'s dictionaries rather
# than ninja schemas reading each attribute off the model instance: that per-attribute
# resolution cost ~0.4 ms a record, most of a 50-record page's time.
class RecordOut(BaseModel):
    id: int
    title: str
    description: str
    owner: Ref | None
    office: Ref | None
    account: Ref | None
    contact: Ref | None
    source: str
    category: str
    priority: str
    attributes: dict[str, Any]
    pipeline: str
    pipeline_version: int
    stage: str
    stage_name: str
    step: str
    step_name: str
    status: str
    instructions: str
    tags: list[str]
    transitions: list[TransitionOut]
    version: int
    stage_entered_at: datetime
    created_at: datetime
    updated_at: datetime


class LeadOut(RecordOut):
    converted_at: datetime | None
    opportunities: list[Ref]


class OpportunityOut(RecordOut):
    value: Decimal
    currency: str
    expected_close_date: date | None
    probability: int | None
    lead: Ref | None
    parent: Ref | None
    children: list[Ref]
    proposed_solution: str
    close_reason: str
    close_date: date | None
    competitors: list[CompetitorOut]
    sales_team: list[TeamMemberOut]


def record_out(record: Lead | Opportunity) -> dict[str, Any]:
    """What the API shows of one lead or opportunity."""
    return records_out([record], kind_of(record))[0]


def records_out(records: list[Lead | Opportunity], kind: str) -> list[dict[str, Any]]:
    """What the API shows of these records of one kind, reading their pipeline versions and
    linked records in a fixed number of queries."""
    selectors.attach_definitions(records)
    selectors.load_links(records, kind)
    return [_shown(record) for record in records]


def _shown(record: Lead | Opportunity) -> dict[str, Any]:
    definition: engine.PipelineDefinition = record.definition  # type: ignore[union-attr]
    stage = engine.get_stage(definition, record.stage)
    out: dict[str, Any] = {
        "id": record.pk, "title": record.title, "description": record.description,
        "owner": ref(record.owner), "office": ref(record.office),
        "account": ref(record.account), "contact": ref(record.contact),
        "source": record.source, "category": record.category, "priority": record.priority,
        "attributes": record.attributes, "pipeline": record.pipeline.key,
        "pipeline_version": record.pipeline_version, "stage": record.stage,
        "stage_name": stage.label(get_language() or settings.LANGUAGE_CODE),
        "step": record.step, "step_name": engine.get_step(definition, record.step).name,
        "status": record.status, "instructions": stage.instructions,
        "tags": [tag.name for tag in record.tag_list],  # type: ignore[union-attr]
        "transitions": [{"key": option.key, "name": option.name, "to": option.to_step,
                         "allowed": option.allowed, "missing": list(option.missing)}
                        for option in selectors.transition_options(record)],
        "version": record.version, "stage_entered_at": record.stage_entered_at,
        "created_at": record.created_at, "updated_at": record.updated_at,
    }
    if isinstance(record, Lead):
        out["converted_at"] = record.converted_at
        out["opportunities"] = [ref(o) for o in record.opportunity_list]  # type: ignore[attr-defined]
        return out
    out.update({
        "value": record.value, "currency": record.currency,
        "expected_close_date": record.expected_close_date, "probability": record.probability,
        "lead": ref(record.lead), "parent": ref(record.parent),
        "children": [ref(child) for child in record.child_list],  # type: ignore[attr-defined]
        "proposed_solution": record.proposed_solution, "close_reason": record.close_reason,
        "close_date": record.close_date,
        "competitors": record.competitor_list,  # type: ignore[attr-defined]
        "sales_team": record.team_list,  # type: ignore[attr-defined]
    })
    return out


class RecordIn(Schema):
    title: str | None = None
    description: str | None = None
    owner: int | None = None
    office: int | None = None
    account: int | None = None
    contact: int | None = None
    source: str | None = None
    category: str | None = None
    priority: str | None = None
    attributes: dict[str, Any] | None = None
    value: Decimal | None = None
    currency: str | None = None
    expected_close_date: date | None = None
    probability: int | None = None
    proposed_solution: str | None = None
    close_reason: str | None = None
    close_date: date | None = None


class RecordCreateIn(RecordIn):
    pipeline: str | None = None
    entry: str | None = None


class RecordUpdateIn(RecordIn):
    stage: str | None = None
    version: int | None = None


class TransitionIn(Schema):
    transition: str
    values: dict[str, Any] = {}
    version: int | None = None
    force: bool = False


class TagIn(Schema):
    tag: str


class ContactRoleIn(Schema):
    role: str = ""


class RecordContactOut(Schema):
    contact: Ref
    role: str

    @staticmethod
    def resolve_contact(link: RecordContact) -> dict[str, Any] | None:
        return ref(link.contact)


class StageChangeOut(Schema):
    at: datetime
    transition: str
    from_stage: str
    from_step: str
    to_stage: str
    to_step: str
    to_status: str
    seconds_in_previous: int | None
    forced: bool
    actor: Ref | None

    @staticmethod
    def resolve_actor(change: StageChange) -> dict[str, Any] | None:
        return ref(change.actor)


class RecordFilters(Schema):
    q: str = ""
    view: str = "all"
    stage: str = ""
    status: str = ""
    owner: int | None = None
    office: int | None = None
    pipeline: str = ""
    tag: str = ""
    stage_group: str = ""
    account: int | None = None
    contact: int | None = None
    ordering: str = "-created"


class ConvertIn(Schema):
    values: dict[str, Any] = {}
    opportunity: int | None = None
    pipeline: str | None = None
    version: int | None = None


class CloseIn(Schema):
    outcome: str
    values: dict[str, Any] = {}
    version: int | None = None


class CompetitorIn(Schema):
    name: str
    notes: str = ""


class TeamMemberIn(Schema):
    role: str = ""


class FollowOnIn(Schema):
    follow_on: str
    name: str = ""


def _values(payload: RecordIn) -> dict[str, Any]:
    values = payload.model_dump(exclude_unset=True)
    for name in ("pipeline", "entry", "stage", "version"):
        values.pop(name, None)
    return values


def _fresh(request: HttpRequest, kind: str, record_id: int) -> dict[str, Any]:
    return record_out(access_record_by_id(caller(request), kind, record_id))


def build_router(kind: str, out: type[RecordOut]) -> Router:
    router = Router(tags=[f"{kind}s" if kind == "lead" else "opportunities"])
    plural = "leads" if kind == "lead" else "opportunities"

    @router.get("", response=list[out], operation_id=f"list_{plural}")  # type: ignore[valid-type]
    @paginate(LimitOffsetPagination)
    def list_records(request: HttpRequest, filters: Query[RecordFilters]) -> Any:
        records = selectors.record_list(
            user=caller(request), kind=kind, q=filters.q, view=filters.view,
            stage=filters.stage, status=filters.status, owner_id=filters.owner,
            office_id=filters.office, pipeline=filters.pipeline, tag=filters.tag,
            stage_group=filters.stage_group, account_id=filters.account,
            contact_id=filters.contact, ordering=filters.ordering)
        return _RecordPage(selectors.with_links(records, kind), kind)

    @router.post("", response={201: out}, operation_id=f"create_{kind}")
    def create_record(request: HttpRequest, payload: RecordCreateIn) -> Status[Any]:
        record = services.record_create(actor=caller(request), via=Via.API, kind=kind,  # type: ignore[arg-type]
                                        values=_values(payload), pipeline_key=payload.pipeline,
                                        entry=payload.entry)
        return Status(201, _fresh(request, kind, record.pk))

    @router.get("/{record_id}", response=out, operation_id=f"get_{kind}")
    def get_record(request: HttpRequest, record_id: int, lang: str = "") -> Any:
        """`lang` (or the Accept-Language header) picks the language of the stage name."""
        if lang in dict(settings.LANGUAGES):
            # Kept active for the rest of this request: the answer is built after we return.
            translation.activate(lang)
        return _fresh(request, kind, record_id)

    @router.patch("/{record_id}", response=out, operation_id=f"update_{kind}")
    def update_record(request: HttpRequest, record_id: int, payload: RecordUpdateIn) -> Any:
        user = caller(request)
        record = access_record_by_id(user, kind, record_id, "edit")
        version = expected_version(request, payload.version)
        values = _values(payload)
        if payload.stage is not None:
            services.record_move_to_stage(actor=user, via=Via.API, record=record,
                                          stage=payload.stage, values=values,
                                          expected_version=version)
        else:
            services.record_update(actor=user, via=Via.API, record=record, values=values,
                                   expected_version=version)
        return _fresh(request, kind, record_id)

    @router.delete("/{record_id}", response={204: None}, operation_id=f"delete_{kind}")
    def delete_record(request: HttpRequest, record_id: int) -> Status[None]:
        user = caller(request)
        record = access_record_by_id(user, kind, record_id, "delete")
        services.record_delete(actor=user, via=Via.API, record=record,
                               expected_version=expected_version(request, None))
        return Status(204, None)

    @router.post("/{record_id}/transitions", response=out, operation_id=f"transition_{kind}")
    def take_transition(request: HttpRequest, record_id: int, payload: TransitionIn) -> Any:
        user = caller(request)
        record = access_record_by_id(user, kind, record_id, "edit")
        services.record_transition(actor=user, via=Via.API, record=record,
                                   transition=payload.transition, values=payload.values,
                                   expected_version=expected_version(request, payload.version),
                                   force=payload.force)
        return _fresh(request, kind, record_id)

    @router.get("/{record_id}/history", response=list[HistoryOut],
                operation_id=f"{kind}_history")
    @paginate(LimitOffsetPagination)
    def record_history(request: HttpRequest, record_id: int) -> QuerySet[HistoryEntry]:
        return history_of(access_record_by_id(caller(request), kind, record_id))

    @router.get("/{record_id}/stage-changes", response=list[StageChangeOut],
                operation_id=f"{kind}_stage_changes")
    @paginate(LimitOffsetPagination)
    def stage_changes(request: HttpRequest, record_id: int) -> QuerySet[StageChange]:
        record = access_record_by_id(caller(request), kind, record_id)
        return StageChange.objects.filter(**{kind: record}).select_related("actor")

    @router.get("/{record_id}/automation", response=list[FiringOut],
                operation_id=f"{kind}_automation")
    @paginate(LimitOffsetPagination)
    def automation(request: HttpRequest, record_id: int) -> QuerySet[Firing]:
        """What automation rules and transition triggers did to this record."""
        record = access_record_by_id(caller(request), kind, record_id)
        return firing_log({"record_type": kind, "record_id": record.pk})

    @router.get("/{record_id}/graph.svg", operation_id=f"{kind}_graph", response={200: str})
    def record_graph(request: HttpRequest, record_id: int, lang: str = "en") -> HttpResponse:
        from stageflow.sales.fields import record_values

        record = access_record_by_id(caller(request), kind, record_id)
        selectors.attach_definitions([record])
        svg = engine.render_svg(record.definition,  # type: ignore[union-attr]
                                current_step=record.step,
                                values=record_values(record), lang=lang)
        return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")

    @router.post("/{record_id}/tags", response=out, operation_id=f"tag_{kind}")
    def add_tag(request: HttpRequest, record_id: int, payload: TagIn) -> Any:
        user = caller(request)
        record = access_record_by_id(user, kind, record_id, "edit")
        services.record_tag(actor=user, via=Via.API, record=record, tag_name=payload.tag)
        return _fresh(request, kind, record_id)

    @router.delete("/{record_id}/tags/{tag}", response=out, operation_id=f"untag_{kind}")
    def remove_tag(request: HttpRequest, record_id: int, tag: str) -> Any:
        user = caller(request)
        record = access_record_by_id(user, kind, record_id, "edit")
        services.record_tag(actor=user, via=Via.API, record=record, tag_name=tag, add=False)
        return _fresh(request, kind, record_id)

    @router.get("/{record_id}/contacts", response=list[RecordContactOut],
                operation_id=f"list_{kind}_contacts")
    @paginate(LimitOffsetPagination)
    def list_contacts(request: HttpRequest, record_id: int) -> QuerySet[RecordContact]:
        record = access_record_by_id(caller(request), kind, record_id)
        return RecordContact.objects.filter(**{kind: record}).select_related("contact")

    @router.put("/{record_id}/contacts/{contact_id}", response=RecordContactOut,
                operation_id=f"link_{kind}_contact")
    def link_contact(request: HttpRequest, record_id: int, contact_id: int,
                     payload: ContactRoleIn) -> RecordContact:
        user = caller(request)
        record = access_record_by_id(user, kind, record_id, "edit")
        contact = access_contact_by_id(user, contact_id)
        return services.record_contact_link(actor=user, via=Via.API, record=record,
                                            contact=contact, role=payload.role)

    @router.delete("/{record_id}/contacts/{contact_id}", response={204: None},
                   operation_id=f"unlink_{kind}_contact")
    def unlink_contact(request: HttpRequest, record_id: int, contact_id: int) -> Status[None]:
        user = caller(request)
        record = access_record_by_id(user, kind, record_id, "edit")
        contact = access_contact_by_id(user, contact_id)
        services.record_contact_unlink(actor=user, via=Via.API, record=record, contact=contact)
        return Status(204, None)

    return router


class _RecordPage:
    """A queryset page that hands the paginator what `records_out` makes of its records."""

    def __init__(self, records: QuerySet[Any], kind: str) -> None:
        self.records = records
        self.kind = kind

    def count(self) -> int:
        return self.records.count()

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        return records_out(selectors.Paged(self.records)[window], self.kind)

    def __len__(self) -> int:
        return self.count()


leads_router = build_router("lead", LeadOut)
opportunities_router = build_router("opportunity", OpportunityOut)


def _convert(request: HttpRequest, record_id: int, payload: ConvertIn) -> Status[Any]:
    user = caller(request)
    lead = access_record_by_id(user, "lead", record_id, "edit")
    into = None
    if payload.opportunity is not None:
        into = access_record_by_id(user, "opportunity", payload.opportunity, "edit")
    opportunity = services.lead_convert(
        actor=user, via=Via.API, lead=lead, values=payload.values,  # type: ignore[arg-type]
        into=into, pipeline_key=payload.pipeline,  # type: ignore[arg-type]
        expected_version=expected_version(request, payload.version))
    return Status(201, _fresh(request, "opportunity", opportunity.pk))


@leads_router.post("/{record_id}/convert", response={201: OpportunityOut},
                   operation_id="convert_lead")
def convert_lead(request: HttpRequest, record_id: int, payload: ConvertIn) -> Status[Any]:
    """"+ Opportunity": the lead becomes an opportunity and moves to its conversion end-stage."""
    return _convert(request, record_id, payload)


@leads_router.post("/{record_id}/qualify", response={201: OpportunityOut},
                   operation_id="qualify_lead")
def qualify_lead(request: HttpRequest, record_id: int, payload: ConvertIn) -> Status[Any]:
    """Qualifying is converting under SalesTrack's name: 422 lists the qualification criteria
    still missing, 409 when the lead was qualified already."""
    return _convert(request, record_id, payload)


def _opportunity(request: HttpRequest, record_id: int, action: str = "view") -> Opportunity:
    record = access_record_by_id(caller(request), "opportunity", record_id, action)
    assert isinstance(record, Opportunity)
    return record


@opportunities_router.post("/{record_id}/close", response=OpportunityOut,
                           operation_id="close_opportunity")
def close_opportunity(request: HttpRequest, record_id: int, payload: CloseIn) -> Any:
    """Close as `won` or `lost`, with the values the closing transition needs."""
    services.opportunity_close(actor=caller(request), via=Via.API,
                               opportunity=_opportunity(request, record_id, "edit"),
                               outcome=payload.outcome, values=payload.values,
                               expected_version=expected_version(request, payload.version))
    return _fresh(request, "opportunity", record_id)


@opportunities_router.get("/{record_id}/competitors", response=list[CompetitorOut],
                          operation_id="list_competitors")
@paginate(LimitOffsetPagination)
def list_competitors(request: HttpRequest, record_id: int) -> QuerySet[Competitor]:
    return _opportunity(request, record_id).competitors.all()


@opportunities_router.post("/{record_id}/competitors", response={201: CompetitorOut},
                           operation_id="add_competitor")
def add_competitor(request: HttpRequest, record_id: int,
                   payload: CompetitorIn) -> Status[Competitor]:
    competitor = services.competitor_add(actor=caller(request), via=Via.API,
                                         opportunity=_opportunity(request, record_id, "edit"),
                                         name=payload.name, notes=payload.notes)
    return Status(201, competitor)


@opportunities_router.delete("/{record_id}/competitors/{competitor_id}", response={204: None},
                             operation_id="remove_competitor")
def remove_competitor(request: HttpRequest, record_id: int, competitor_id: int) -> Status[None]:
    opportunity = _opportunity(request, record_id, "edit")
    competitor = opportunity.competitors.filter(pk=competitor_id).first()
    if competitor is None:
        raise NotFound("No such competitor on this opportunity.")
    services.competitor_remove(actor=caller(request), via=Via.API, competitor=competitor)
    return Status(204, None)


@opportunities_router.get("/{record_id}/sales-team", response=list[TeamMemberOut],
                          operation_id="list_sales_team")
@paginate(LimitOffsetPagination)
def list_sales_team(request: HttpRequest, record_id: int) -> QuerySet[SalesTeamMember]:
    return _opportunity(request, record_id).team_members.select_related("user")


@opportunities_router.put("/{record_id}/sales-team/{user_id}", response=TeamMemberOut,
                          operation_id="set_sales_team_member")
def set_sales_team_member(request: HttpRequest, record_id: int, user_id: int,
                          payload: TeamMemberIn) -> SalesTeamMember:
    """Put a colleague on the sales team with a role (or change their role)."""
    return services.team_member_set(actor=caller(request), via=Via.API,
                                    opportunity=_opportunity(request, record_id, "edit"),
                                    user_id=user_id, role=payload.role)


@opportunities_router.delete("/{record_id}/sales-team/{user_id}", response={204: None},
                             operation_id="remove_sales_team_member")
def remove_sales_team_member(request: HttpRequest, record_id: int,
                             user_id: int) -> Status[None]:
    opportunity = _opportunity(request, record_id, "edit")
    member = opportunity.team_members.filter(user_id=user_id).first()
    if member is None:
        raise NotFound("No such member of this opportunity's sales team.")
    services.team_member_remove(actor=caller(request), via=Via.API, member=member)
    return Status(204, None)


@opportunities_router.post("/{record_id}/follow-ons", response={201: OpportunityOut},
                           operation_id="start_follow_on")
def start_follow_on(request: HttpRequest, record_id: int, payload: FollowOnIn) -> Status[Any]:
    user = caller(request)
    parent = access_record_by_id(user, "opportunity", record_id)
    if not isinstance(parent, Opportunity):
        raise MalformedRequest("Not an opportunity.")
    child = services.opportunity_follow_on(actor=user, via=Via.API, parent=parent,
                                           follow_on=payload.follow_on, title=payload.name)
    return Status(201, _fresh(request, "opportunity", child.pk))
