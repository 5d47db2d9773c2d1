"""/api/v1/rules and /api/v1/automation-log: automation rules and what they did.

Rules are workspace configuration: only administrators read or change them. The log of one
record is also on that record (`GET /leads/{id}/automation`), for whoever may see the record.
"""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from stageflow.api.common import caller, expected_version
from stageflow.automation import selectors, services
from stageflow.automation.models import Firing, Rule
from stageflow.core.errors import NotAllowed, NotFound
from stageflow.people import permissions
from stageflow.people.models import User

router = Router(tags=["automation"])


def _ensure_manager(user: User) -> None:
    if not permissions.manages_workspace(user):
        raise NotAllowed("Only administrators may see and change automation rules.")


def _rule(rule_id: int) -> Rule:
    rule = Rule.objects.select_related("pipeline").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("No such rule.")
    return rule


class ActionIn(Schema):
    action: str
    params: dict[str, Any] = {}


class RuleOut(Schema):
    id: int
    key: str
    name: str
    active: bool
    record_type: str
    event: str
    pipeline: str | None
    from_file: bool
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    position: int
    problem: str
    version: int

    @staticmethod
    def resolve_pipeline(rule: Rule) -> str | None:
        return rule.pipeline.key if rule.pipeline else None


class RuleIn(Schema):
    key: str
    name: str
    event: str
    active: bool = True
    pipeline: str | None = None
    conditions: dict[str, Any] = {}
    actions: list[ActionIn]
    position: int = 0


class RulePatch(Schema):
    key: str | None = None
    name: str | None = None
    event: str | None = None
    active: bool | None = None
    pipeline: str | None = None
    conditions: dict[str, Any] | None = None
    actions: list[ActionIn] | None = None
    position: int | None = None
    version: int | None = None


class RuleFilters(Schema):
    record_type: str = ""
    event: str = ""
    active: bool | None = None
    pipeline: str = ""


class EventOut(Schema):
    name: str
    record_type: str
    label: str
    facts: list[str]
    timed: bool


class ActionTypeOut(Schema):
    key: str
    label: str
    params: list[str]
    record_types: list[str]


class CatalogueOut(Schema):
    events: list[EventOut]
    actions: list[ActionTypeOut]


class FiringOut(Schema):
    id: int
    rule: int | None
    source: str
    name: str
    event: str
    record_type: str
    record_id: int
    period: str
    outcome: str
    results: list[dict[str, Any]]
    error: str
    duration_ms: float
    depth: int
    at: datetime

    @staticmethod
    def resolve_rule(firing: Firing) -> int | None:
        return firing.rule_id


class LogFilters(Schema):
    outcome: str = ""
    record_type: str = ""
    record_id: int | None = None
    rule: int | None = None
    event: str = ""
    since: datetime | None = None
    until: datetime | None = None


@router.get("/rules", response=list[RuleOut], operation_id="list_rules")
@paginate(LimitOffsetPagination)
def list_rules(request: HttpRequest, filters: Query[RuleFilters]) -> QuerySet[Rule]:
    _ensure_manager(caller(request))
    return selectors.rule_list(**filters.dict())


@router.get("/rules/catalogue", response=CatalogueOut, operation_id="rule_catalogue")
def rule_catalogue(request: HttpRequest) -> dict[str, Any]:
    """The events a rule can listen for and the actions it can take, with their parameters."""
    _ensure_manager(caller(request))
    return {"events": selectors.event_choices(), "actions": selectors.action_choices()}


class DryRunIn(Schema):
    event: str | None = None
    pipeline: str | None = None
    conditions: dict[str, Any] | None = None
    actions: list[ActionIn] | None = None
    days: int = 30


class DryRunOut(Schema):
    window_days: int
    replayable: bool
    records: int
    messages: int
    sample: list[dict[str, Any]]
    note: str


def _dry_run(request: HttpRequest, payload: DryRunIn, rule: Rule | None) -> Any:
    values = payload.dict(exclude_unset=True, exclude={"days"})
    return services.rule_dry_run(actor=caller(request), values=values, rule=rule,
                                 days=payload.days)


@router.post("/rules/dry-run", response=DryRunOut, operation_id="dry_run_new_rule")
def dry_run_new_rule(request: HttpRequest, payload: DryRunIn) -> Any:
    """Which records a rule not saved yet would have fired for lately, and the messages."""
    return _dry_run(request, payload, None)


@router.post("/rules/{rule_id}/dry-run", response=DryRunOut, operation_id="dry_run_rule")
def dry_run_rule(request: HttpRequest, rule_id: int, payload: DryRunIn) -> Any:
    """The same for a saved rule, with any changes in the body applied first."""
    _ensure_manager(caller(request))
    return _dry_run(request, payload, _rule(rule_id))


@router.post("/rules", response={201: RuleOut}, operation_id="create_rule")
def create_rule(request: HttpRequest, payload: RuleIn) -> Status[Rule]:
    rule = services.rule_save(actor=caller(request), values=payload.dict())
    return Status(201, rule)


@router.get("/rules/{rule_id}", response=RuleOut, operation_id="get_rule")
def get_rule(request: HttpRequest, rule_id: int) -> Rule:
    _ensure_manager(caller(request))
    return _rule(rule_id)


@router.patch("/rules/{rule_id}", response=RuleOut, operation_id="update_rule")
def update_rule(request: HttpRequest, rule_id: int, payload: RulePatch) -> Rule:
    user = caller(request)
    _ensure_manager(user)
    rule = _rule(rule_id)
    values = payload.dict(exclude_unset=True)
    version = expected_version(request, values.pop("version", None))
    return services.rule_save(actor=user, values=values, rule=rule, expected_version=version)


@router.delete("/rules/{rule_id}", response={204: None}, operation_id="delete_rule")
def delete_rule(request: HttpRequest, rule_id: int) -> Status[None]:
    user = caller(request)
    _ensure_manager(user)
    rule = _rule(rule_id)
    services.rule_delete(actor=user, rule=rule,
                        expected_version=expected_version(request, None))
    return Status(204, None)


@router.get("/automation-log", response=list[FiringOut], operation_id="automation_log")
@paginate(LimitOffsetPagination)
def automation_log(request: HttpRequest, filters: Query[LogFilters]) -> QuerySet[Firing]:
    _ensure_manager(caller(request))
    return selectors.firing_log(filters.dict())
