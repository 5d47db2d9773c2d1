"""Overviews of leads and opportunities: tabs, search, filters, sort, bulk actions, export and
the preview panel. The query count of a page does not grow with its rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stageflow import engine
from stageflow.core.errors import RuleRefused, StageflowError
from stageflow.core.models import Via
from stageflow.engine.decisions import MISSING_ATTRIBUTE
from stageflow.people import permissions
from stageflow.people.models import Office, User
from stageflow.people.selectors import assignable_users
from stageflow.pipelines.models import Pipeline
from stageflow.pipelines.selectors import attributes_of, definition_of, lookup_values
from stageflow.sales import selectors, services
from stageflow.sales.access import (
    PERMISSION_TYPES,
    access_record_by_id,
    may_record,
    records_for,
)
from stageflow.sales.models import Lead, Opportunity, Status, Tag
from stageflow.web.records.display import (
    column_values,
    decorate,
    definition,
    field_label,
    list_columns,
)
from stageflow.web.records.export import download, record_table
from stageflow.web.records.forms import live_pipelines
from stageflow.web.records.kinds import RecordKind, kind_named
from stageflow.web.views import query_without, record_url, signed_in_user

PAGE_SIZE: Final = 25
BULK_LIMIT: Final = 500
EXPORT_ACTIONS: Final = {"export": "csv", "export_xlsx": "xlsx"}
SORTS: Final[dict[str, tuple[str, ...]]] = {
    "title": ("title", "id"), "stage": ("stage", "id"), "created": ("created_at", "id"),
    "updated": ("updated_at", "id"), "owner": ("owner__username", "id"),
    "value": ("value", "id"), "close": ("expected_close_date", "id"),
}
VIEW_TABS: Final = (("mine", "My"), ("my_office", "My office"), ("all", "All"),
                    ("created_by_me", "Submitted by me"))

Record = Lead | Opportunity


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _decimal_or_none(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None


@dataclass
class Filters:
    """What the query string asks of an overview; the same string survives every link."""

    q: str = ""
    view: str = "all"
    stage_group: str = ""
    stage: str = ""
    status: str = ""
    owner_id: int | None = None
    office_id: int | None = None
    pipeline: str = ""
    tag: str = ""
    source: str = ""
    priority: str = ""
    value_min: Decimal | None = None
    value_max: Decimal | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    sort: str = "-created"

    @classmethod
    def from_query(cls, query: Any, attribute_keys: list[str]) -> Filters:
        view = query.get("view", "all")
        return cls(
            q=query.get("q", "").strip(), view=view if view in selectors.VIEWS else "all",
            stage_group=query.get("stage_group", ""), stage=query.get("stage", ""),
            status=query.get("status", ""), owner_id=_int_or_none(query.get("owner")),
            office_id=_int_or_none(query.get("office")), pipeline=query.get("pipeline", ""),
            tag=query.get("tag", ""), source=query.get("source", ""),
            priority=query.get("priority", ""),
            value_min=_decimal_or_none(query.get("value_min")),
            value_max=_decimal_or_none(query.get("value_max")),
            attributes={k: query.get(f"attr_{k}", "").strip() for k in attribute_keys
                        if query.get(f"attr_{k}", "").strip()},
            sort=query.get("sort", "-created"))

    @property
    def advanced(self) -> bool:
        """Whether a filter beyond the tabs and the search box is set."""
        return bool(self.stage or self.status or self.owner_id or self.office_id
                    or self.pipeline or self.tag or self.source or self.priority
                    or self.value_min is not None or self.value_max is not None
                    or self.attributes)


def filtered_records(user: User, kind: str, filters: Filters) -> QuerySet[Any]:
    records = selectors.record_list(
        user=user, kind=kind, q=filters.q, view=filters.view, stage=filters.stage,
        status=filters.status, owner_id=filters.owner_id, office_id=filters.office_id,
        pipeline=filters.pipeline, tag=filters.tag, stage_group=filters.stage_group)
    if filters.source:
        records = records.filter(source=filters.source)
    if filters.priority:
        records = records.filter(priority=filters.priority)
    if kind == "opportunity":
        if filters.value_min is not None:
            records = records.filter(value__gte=filters.value_min)
        if filters.value_max is not None:
            records = records.filter(value__lte=filters.value_max)
    for key, value in filters.attributes.items():
        records = records.filter(**{f"attributes__{key}__icontains": value})
    descending = filters.sort.startswith("-")
    order = SORTS.get(filters.sort.lstrip("-"), SORTS["created"])
    if kind != "opportunity" and filters.sort.lstrip("-") in ("value", "close"):
        order = SORTS["created"]
    return records.order_by(*(("-" + name) if descending else name for name in order))


def _pipeline_for(pipelines: list[Pipeline],
                  key: str) -> tuple[Pipeline | None, engine.PipelineDefinition | None]:
    """The selected pipeline among `pipelines`, else the first (the default one), with its
    live definition."""
    pipeline = next((p for p in pipelines if p.key == key), None) or next(iter(pipelines), None)
    if pipeline is None or pipeline.live_version is None:
        return None, None
    return pipeline, definition_of(pipeline.live_version)


def bulk_moves(found: engine.PipelineDefinition | None) -> list[tuple[str, str]]:
    """The transitions a bulk move offers: every one the pipeline defines, or a move to each
    active stage when it defines none."""
    if found is None:
        return []
    if engine.has_free_moves(found):
        return [(engine.stage_move_key(s.key), _("Move to %(stage)s") % {"stage": s.label()})
                for s in engine.ordered_stages(found) if s.active]
    moves = []
    for transition in found.transitions:
        source = (_("any step") if transition.from_step == engine.ANY_STEP
                  else _step_name(found, transition.from_step))
        moves.append((transition.key, f"{transition.name} ({source} → "
                       f"{_step_name(found, transition.to_step)})"))
    return moves


def _step_name(found: engine.PipelineDefinition, key: str) -> str:
    try:
        return engine.get_step(found, key).name
    except engine.UnknownKeyError:
        return key


@login_required
def record_list(request: HttpRequest, kind: str) -> HttpResponse:
    user = signed_in_user(request)
    record_kind = kind_named(kind)
    lang = get_language() or "en"
    columns = list_columns(kind, lang)
    filters = Filters.from_query(request.GET, [c.key for c in columns])
    pipelines = live_pipelines(kind)
    pipeline, found = _pipeline_for(pipelines, filters.pipeline)
    # A search counts its matches with the first page's ids: finding them is its cost.
    records = selectors.Paged(selectors.names_only(filtered_records(user, kind, filters), kind),
                              first=PAGE_SIZE if filters.q else 0)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    rows: list[Record] = list(page.object_list)
    selectors.attach_tags(rows, kind)
    selectors.attach_definitions(rows)
    decorate(rows, lang)
    column_values(rows, columns)
    _link_rows(rows, record_kind)
    htmx = getattr(request, "htmx", None)
    partial = bool(htmx and htmx.target == "results")
    context = {
        "kind": record_kind, "page": page, "rows": rows, "filters": filters,
        "columns": columns, "sort": filters.sort, "pipeline": pipeline,
        "groups": found.stage_groups if found else (),
        "stages": engine.ordered_stages(found) if found else (),
        "views": [(key, _(label)) for key, label in VIEW_TABS],
        "tab_query_group": query_without(request, "stage_group", "page"),
        "tab_query_view": query_without(request, "view", "page"),
        "next": request.get_full_path(),
        "may_create": permissions.may_at_all(user, PERMISSION_TYPES[kind], "create"),
    }
    context.update({"owners": assignable_users(), "moves": bulk_moves(found),
                    "export_query": query_without(request, "page")})
    if not partial:
        context.update({
            "pipelines": pipelines, "statuses": Status.choices,
            "offices": Office.objects.all(), "tags": Tag.objects.all(),
            "sources": lookup_values(kind, "source").filter(active=True),
            "priorities": lookup_values(kind, "priority").filter(active=True),
            "attribute_filters": [(c, filters.attributes.get(c.key, "")) for c in columns],
        })
    template = "web/records/_results.html" if partial else "web/records/list.html"
    return render(request, template, context)


def _link_rows(rows: list[Record], kind: RecordKind) -> None:
    """Give each row its links and the labels naming it: made here, with URLs reversed once,
    rather than by template tags once per row."""
    detail, preview = record_url(kind.urls["detail"]), record_url(kind.urls["preview"])
    for record in rows:
        record.url = detail(record.pk)  # type: ignore[union-attr]
        record.preview_url = preview(record.pk)  # type: ignore[union-attr]
        record.select_label = _("Select %(title)s") % {"title": record.title}  # type: ignore[union-attr]
        record.preview_label = _("Preview %(title)s") % {"title": record.title}  # type: ignore[union-attr]


@login_required
def record_preview(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    record = access_record_by_id(user, kind, record_id)
    if not getattr(request, "htmx", None):
        return redirect(record.get_absolute_url())
    selectors.attach_definitions([record])
    decorate([record], get_language() or "en")
    may_edit = may_record(user, "edit", record)
    options = selectors.transition_options(record) if may_edit else []
    return render(request, "web/records/_preview.html", {
        "kind": kind_named(kind), "record": record, "may_edit": may_edit,
        "options": transition_buttons(record, options), "instructions": _instructions(record),
    })


def _instructions(record: Record) -> str:
    try:
        return engine.get_stage(definition(record), record.stage).instructions
    except engine.UnknownKeyError:
        return ""


@dataclass(frozen=True)
class TransitionButton:
    """A transition as the record page shows it: open now, needing values, or blocked."""

    key: str
    name: str
    to_step: str
    allowed: bool
    needs_values: bool  # refused only for missing values: a form can supply them
    missing: list[str]  # labels of the missing values
    reasons: list[str]  # every reason it is refused


def transition_buttons(record: Record,
                       options: list[engine.TransitionOption]) -> list[TransitionButton]:
    lang = get_language() or "en"
    kind = "lead" if isinstance(record, Lead) else "opportunity"
    found = definition(record)
    buttons = []
    for option in options:
        structural = [r for r in option.reasons if r.code != MISSING_ATTRIBUTE]
        buttons.append(TransitionButton(
            key=option.key, name=option.name, to_step=_step_name(found, option.to_step),
            allowed=option.allowed, needs_values=not option.allowed and not structural,
            missing=[field_label(found, kind, key, lang) for key in option.missing],
            reasons=[r.message for r in option.reasons]))
    return buttons


def _safe_next(request: HttpRequest, kind: RecordKind) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse(kind.url("list"))


def _selected(request: HttpRequest, user: User, kind: str) -> list[Record]:
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()][:BULK_LIMIT]
    records = list(records_for(user, kind).filter(pk__in=ids).select_related("pipeline")
                   .order_by("title", "id"))
    return records


def _refusal(record: Record, error: StageflowError) -> str:
    """One line of a bulk result: the record and why it was refused."""
    if isinstance(error, RuleRefused) and error.fields:
        selectors.attach_definitions([record])
        kind = "lead" if isinstance(record, Lead) else "opportunity"
        lang = get_language() or "en"
        labels = [field_label(definition(record), kind, key, lang) for key in error.fields]
        return _("%(title)s — missing %(fields)s") % {"title": record.title,
                                                       "fields": ", ".join(labels)}
    return f"{record.title} — {error.message}"


def _summary(request: HttpRequest, done: int, done_word: str, refused: list[str]) -> None:
    text = f"{done} {done_word}"
    if refused:
        text += ", " + ngettext("%(n)s refused", "%(n)s refused", len(refused)) % {
            "n": len(refused)} + ": " + "; ".join(refused)
        messages.warning(request, text)
    else:
        messages.success(request, text)


@login_required
@require_POST
def record_bulk(request: HttpRequest, kind: str) -> HttpResponse:
    user = signed_in_user(request)
    record_kind = kind_named(kind)
    back = _safe_next(request, record_kind)
    action = request.POST.get("action", "")
    records = _selected(request, user, kind)
    if not records:
        messages.error(request, _("Select at least one record first."))
        return redirect(back)
    if action in EXPORT_ACTIONS:
        chosen = records_for(user, kind).filter(pk__in=[r.pk for r in records])
        return download(EXPORT_ACTIONS[action], record_table(
            kind, chosen.order_by("title", "id"), get_language() or "en"))
    if action == "delete" and request.POST.get("confirm") != "yes":
        return render(request, "web/records/bulk_delete.html", {
            "kind": record_kind, "records": records, "next": back})
    done, refused = 0, []
    for record in records:
        try:
            if action == "assign":
                owner = _int_or_none(request.POST.get("owner"))
                if owner is None:
                    messages.error(request, _("Choose the new owner."))
                    return redirect(back)
                services.record_update(actor=user, via=Via.WEB, record=record,
                                       values={"owner": owner})
            elif action in ("tag", "untag"):
                services.record_tag(actor=user, via=Via.WEB, record=record,
                                    tag_name=request.POST.get("tag", ""), add=action == "tag")
            elif action == "move":
                services.record_transition(actor=user, via=Via.WEB, record=record,
                                           transition=request.POST.get("transition", ""))
            elif action == "delete":
                services.record_delete(actor=user, via=Via.WEB, record=record)
            else:
                messages.error(request, _("Choose an action."))
                return redirect(back)
        except StageflowError as error:
            refused.append(_refusal(record, error))
        else:
            done += 1
    words = {"assign": _("assigned"), "tag": _("tagged"), "untag": _("untagged"),
             "move": _("moved"), "delete": _("deleted")}
    _summary(request, done, words[action], refused)
    return redirect(back)


def overview_records(user: User, kind: str, query: Any) -> QuerySet[Any]:
    """Every record the overview with this query string lists, over all its pages."""
    keys = list(attributes_of(kind).filter(active=True, shown_in_lists=True)
                .values_list("key", flat=True))
    return filtered_records(user, kind, Filters.from_query(query, keys))


@login_required
def record_export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """Every record the overview's filters, search and sort select, as CSV or XLSX."""
    user = signed_in_user(request)
    kind_named(kind)
    return download(fmt, record_table(kind, overview_records(user, kind, request.GET),
                                      get_language() or "en"))
