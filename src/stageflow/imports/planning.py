"""Checking import rows and deciding what each does (create, update, skip or fail); no writes.

Rows are checked with the product's own rules (the field normalisers, lookup tables, custom
attribute types, pipelines and their stages, the importer's permissions), but set-based: the
lookups, users and pipelines are read once per run, and related records and duplicates once
per chunk of rows, so a large file costs a few queries per thousand rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat, Lower
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from stageflow import engine
from stageflow.accounts.access import accounts_for, contacts_for
from stageflow.accounts.models import Account, Contact, CustomerStatus
from stageflow.core.validation import normalise_email, normalise_phone, normalise_url
from stageflow.imports.fields import ATTRIBUTE_PREFIX, REQUIRED
from stageflow.imports.models import Duplicates
from stageflow.people import permissions
from stageflow.people.models import Office, User
from stageflow.people.selectors import assignable_users
from stageflow.pipelines.attribute_values import CLEANERS, COMPUTED_ATTRIBUTES
from stageflow.pipelines.models import CustomAttribute, LookupValue, Pipeline
from stageflow.pipelines.selectors import definition_of
from stageflow.sales.access import MODELS, PERMISSION_TYPES, records_for
from stageflow.sales.fields import EDITABLE, LOOKUP_FIELDS
from stageflow.sales.models import Lead, Opportunity, Status
from stageflow.sales.services import _currency, _date, _decimal, _probability

PERMISSION_TYPE = {"account": "accounts", "contact": "contacts", **PERMISSION_TYPES}
RecordModel = type[Account] | type[Contact] | type[Lead] | type[Opportunity]
MODEL: dict[str, RecordModel] = {"account": Account, "contact": Contact, **MODELS}
_TRUE = {"true", "yes", "y", "1", "ja", "x"}
_FALSE = {"false", "no", "n", "0", "nee", ""}


@dataclass(slots=True)
class Placement:
    """Where a new lead or opportunity starts and where it stands now (a migrated record may
    have moved on since it was created)."""

    entry_stage: str
    entry_step: str
    entry_status: str


@dataclass(slots=True)
class RowPlan:
    row: int
    values: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    action: str = "create"
    target_id: int | None = None
    note: str = ""
    placement: Placement | None = None
    account_link: tuple[int, str] | None = None
    # The fields the row itself gives (an update changes only these).
    given: frozenset[str] = frozenset()
    names: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class _Pending:
    """Names resolved once per chunk: the account, parent account or contact a row names."""

    plan: RowPlan
    field: str
    column: str
    text: str


@dataclass(frozen=True, slots=True)
class _PipelineInfo:
    pipeline: Pipeline
    version: int
    definition: engine.PipelineDefinition
    stages: dict[str, engine.Stage]


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def parse_moment(text: str) -> dt.datetime:
    """A date (midnight) or a date and time, ISO style; ValueError otherwise."""
    moment = parse_datetime(text.replace(" ", "T", 1)) if ":" in text else None
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise ValueError(_("Enter a date as YYYY-MM-DD (a time may follow)."))
        moment = dt.datetime.combine(day, dt.time())
    return _aware(moment)


def _attribute_input(attribute: CustomAttribute, text: str) -> Any:
    """The typed value a cell holds for an attribute, as the attribute cleaners expect it."""
    if attribute.type == CustomAttribute.Type.BOOL:
        lowered = text.lower()
        if lowered not in _TRUE | _FALSE:
            raise ValueError(_("Enter yes or no."))
        return lowered in _TRUE
    if attribute.type == CustomAttribute.Type.MULTI_CHOICE:
        return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    return text


class Planner:
    """Plans the rows of one file for one importer; reuse it for every chunk of the file."""

    def __init__(self, *, actor: User, kind: str, headers: list[str], mapping: list[str],
                 duplicates: str, now: dt.datetime) -> None:
        self.actor, self.kind, self.duplicates, self.now = actor, kind, duplicates, now
        self.columns = {key: index for index, key in enumerate(mapping) if key}
        self.headers = headers
        self.permission_type = PERMISSION_TYPE[kind]
        self.seen: dict[tuple[str, str], int] = {}
        self._known: set[tuple[str, str]] | None = None
        self._load_people()
        self.attributes = {a.key: a for a in CustomAttribute.objects.filter(
            record_type=kind, active=True)}
        self.cleaners = self._cleaners()
        if kind in ("lead", "opportunity"):
            self._load_pipelines()

    # Things read once per run ------------------------------------------------------------

    def _load_people(self) -> None:
        users: dict[str, set[int]] = defaultdict(set)
        for user in assignable_users().only("id", "username", "email", "first_name",
                                            "last_name"):
            for name in (user.username, user.email, user.get_full_name()):
                if name:
                    users[name.strip().lower()].add(user.pk)
        self.users = users
        offices: dict[str, set[int]] = defaultdict(set)
        for office in Office.objects.all():
            for name in (office.name, office.code):
                if name:
                    offices[name.strip().lower()].add(office.pk)
        self.offices = offices

    def _lookup(self, table: str) -> Callable[[str], str]:
        values = list(LookupValue.objects.filter(record_type=self.kind, table=table))
        keys = {value.key: value.key for value in values if value.active}
        keys.update({value.label.lower(): value.key for value in values if value.active})

        def clean(text: str) -> str:
            # A table with no values set up accepts anything, as the record forms do.
            if not values:
                return text
            key = keys.get(text) or keys.get(text.lower())
            if key is None:
                raise ValueError(_("Not one of the values of the %(table)s list.")
                                 % {"table": table.replace("_", " ")})
            return key

        return clean

    def _load_pipelines(self) -> None:
        self.pipelines: dict[str, _PipelineInfo] = {}
        self.default_pipeline: _PipelineInfo | None = None
        for pipeline in Pipeline.objects.filter(record_type=self.kind,
                                                live_version__isnull=False).select_related(
                "live_version"):
            version = pipeline.live_version
            assert version is not None
            definition = definition_of(version)
            stages: dict[str, engine.Stage] = {}
            for stage in definition.stages:
                stages[stage.key] = stage
                for name in stage.names.values():
                    stages.setdefault(name.strip().lower(), stage)
            info = _PipelineInfo(pipeline, version.number, definition, stages)
            self.pipelines[pipeline.key] = info
            self.pipelines.setdefault(pipeline.name.strip().lower(), info)
            if pipeline.is_default:
                self.default_pipeline = info

    # Cleaning one value ------------------------------------------------------------------

    def _by_name(self, names: Mapping[str, set[int]], unknown: str,
                 several: str) -> Callable[[str], int]:
        def clean(text: str) -> int:
            found = names.get(text.lower(), set())
            if not found:
                raise ValueError(unknown % {"name": text})
            if len(found) > 1:
                raise ValueError(several % {"name": text})
            return next(iter(found))

        return clean

    def _cleaners(self) -> dict[str, Callable[[str], Any]]:
        email: Callable[[str], Any] = normalise_email
        phone: Callable[[str], Any] = normalise_phone
        owner = self._by_name(self.users, _("No user “%(name)s” (give a user name, email or "
                                            "full name)."),
                              _("Several users are called “%(name)s”: give the user name."))
        office = self._by_name(self.offices, _("No office “%(name)s”."),
                               _("Several offices are called “%(name)s”."))
        moments: dict[str, dt.datetime] = {}

        def moment(text: str) -> dt.datetime:
            # Exports repeat their dates; each distinct text is parsed once per run.
            if text not in moments:
                moments[text] = parse_moment(text)
            return moments[text]

        cleaners: dict[str, Callable[[str], Any]] = {
            "email": email, "email_alt": email, "phone": phone, "phone_alt": phone,
            "mobile": phone, "website": normalise_url, "owner": owner, "office": office,
            "customer_status": self._customer_status, "value": _decimal,
            "currency": _currency, "probability": _probability,
            "expected_close_date": _date, "close_date": _date, "status": self._status,
            "created_at": moment, "stage_entered_at": moment, "closed_at": moment,
            "job_title": _limited(100), "pipeline": _limited(200), "stage": _limited(200),
        }
        if self.kind in ("lead", "opportunity"):
            for name, table in LOOKUP_FIELDS.items():
                if name in EDITABLE[self.kind]:
                    cleaners[name] = self._lookup(table)
        return cleaners

    @staticmethod
    def _customer_status(text: str) -> str:
        for choice in CustomerStatus:
            if text.lower() in (choice.value, str(choice.label).lower()):
                return choice.value
        raise ValueError(_("Enter one of: lead, active, inactive."))

    @staticmethod
    def _status(text: str) -> str:
        if text.lower() not in Status.values:
            raise ValueError(_("Enter one of: open, won, lost, archived."))
        return text.lower()

    def _clean_value(self, key: str, text: str) -> Any:
        cleaner = self.cleaners.get(key)
        if cleaner is None:
            model_field = MODEL[self.kind]._meta.get_field(key)
            cleaner = self.cleaners[key] = _limited(getattr(model_field, "max_length", None))
        return cleaner(text)

    # Planning rows -----------------------------------------------------------------------

    def plan_chunk(self, rows: Iterable[tuple[int, list[str]]]) -> list[RowPlan]:
        """Check a chunk of rows and decide what each does, in a few queries for them all."""
        pending: list[_Pending] = []
        plans = [self._clean_row(number, cells, pending) for number, cells in rows]
        self._resolve(pending)
        for plan in plans:
            self._finish(plan)
        self._match_duplicates(plans)
        return plans

    def _clean_row(self, number: int, cells: list[str], pending: list[_Pending]) -> RowPlan:
        plan = RowPlan(row=number)
        for key, index in self.columns.items():
            text = cells[index]
            column = self.headers[index] or key
            if not text:
                continue
            if key.startswith(ATTRIBUTE_PREFIX):
                self._clean_attribute(plan, key.removeprefix(ATTRIBUTE_PREFIX), column, text)
            elif key in ("account", "parent", "contact"):
                pending.append(_Pending(plan, key, column, text))
            else:
                try:
                    plan.values[key] = self._clean_value(key, text)
                except ValueError as error:
                    plan.errors.append((column, str(error)))
        return plan

    def _clean_attribute(self, plan: RowPlan, key: str, column: str, text: str) -> None:
        attribute = self.attributes.get(key)
        if attribute is None or (self.kind, key) in COMPUTED_ATTRIBUTES:
            plan.errors.append((column, _("Unknown attribute.")))
            return
        try:
            plan.attributes[key] = CLEANERS[attribute.type](_attribute_input(attribute, text),
                                                            attribute)
        except ValueError as error:
            plan.errors.append((column, str(error)))

    def _resolve(self, pending: list[_Pending]) -> None:
        accounts = self._names_to_ids(
            accounts_for(self.actor).annotate(match=Lower("name"), label=F("name")),
            {item.text.lower() for item in pending if item.field in ("account", "parent")})
        wanted = [item for item in pending if item.field == "contact"]
        emails = {item.text.lower() for item in wanted if "@" in item.text}
        names = {item.text.lower() for item in wanted if "@" not in item.text}
        full_name = Concat("first_name", Value(" "), "last_name")
        contacts = self._names_to_ids(
            contacts_for(self.actor).annotate(match=Lower("email"), label=full_name), emails)
        contacts.update(self._names_to_ids(
            contacts_for(self.actor).annotate(match=Lower(full_name), label=full_name), names))
        for item in pending:
            found = (contacts if item.field == "contact" else accounts).get(item.text.lower(),
                                                                           [])
            if len(found) == 1:
                item.plan.values[f"{item.field}_id"] = found[0][0]
                item.plan.names[item.field] = found[0][1]
            elif not found:
                what = _("contact") if item.field == "contact" else _("account")
                item.plan.errors.append((item.column, _("No %(what)s “%(name)s” that you can "
                                                        "see.") % {"what": what,
                                                                   "name": item.text}))
            else:
                item.plan.errors.append((item.column, _("Several records are called “%(name)s”."
                                                        ) % {"name": item.text}))

    @staticmethod
    def _names_to_ids(queryset: models.QuerySet[Any],
                      names: set[str]) -> dict[str, list[tuple[int, str]]]:
        found: dict[str, list[tuple[int, str]]] = defaultdict(list)
        if names:
            for match, pk, label in queryset.filter(match__in=names).values_list(
                    "match", "pk", "label"):
                found[match].append((pk, label))
        return found

    def _finish(self, plan: RowPlan) -> None:
        """Row-level rules: required values, workflow placement, defaults and permission."""
        values = plan.values
        plan.given = frozenset(values)
        if self.kind in ("lead", "opportunity"):
            if not values.get("title"):
                values["title"] = plan.names.get("account") or plan.names.get("contact") or ""
            self._place(plan)
        if self.kind == "contact" and "account_id" in values:
            plan.account_link = (values["account_id"], values.get("job_title", ""))
        for key in REQUIRED[self.kind]:
            if not values.get(key):
                column = self._column_of(key)
                plan.errors.append((column, _("A value is required.")))
        for key, attribute in self.attributes.items():
            if attribute.required_on_create and key not in plan.attributes:
                plan.errors.append((self._column_of(ATTRIBUTE_PREFIX + key),
                                    _("%(label)s is required.") % {"label": attribute.label("en")}))
        values.setdefault("owner", self.actor.pk)
        values.setdefault("office", permissions.default_office_id(self.actor))
        if not plan.errors and not permissions.may(self.actor, self.permission_type, "create",
                                                   owner_id=values["owner"],
                                                   office_id=values["office"]):
            plan.errors.append(("", permissions.refusal("create")))
        if plan.errors:
            plan.action = "fail"

    def _column_of(self, key: str) -> str:
        index = self.columns.get(key)
        return self.headers[index] if index is not None else key

    def _place(self, plan: RowPlan) -> None:
        values = plan.values
        column = self._column_of("pipeline")
        if "pipeline" in values:
            text = values.pop("pipeline")
            info = self.pipelines.get(text) or self.pipelines.get(text.lower())
            if info is None:
                plan.errors.append((column, _("No live pipeline “%(name)s” for this record "
                                              "type.") % {"name": text}))
                return
        elif self.default_pipeline is None:
            plan.errors.append((column, _("No pipeline is set up for this record type yet.")))
            return
        else:
            info = self.default_pipeline
        definition = info.definition
        try:
            entry_step = engine.start_step(definition,
                                           existing_account="account_id" in values)
        except engine.UnknownKeyError as error:
            plan.errors.append((column, error.message))
            return
        entry = engine.stage_of(definition, entry_step)
        stage = entry
        step = entry_step
        if values.get("stage"):
            found = info.stages.get(values["stage"]) or info.stages.get(values["stage"].lower())
            if found is None:
                plan.errors.append((self._column_of("stage"),
                                    _("No stage “%(stage)s” in pipeline %(pipeline)s.")
                                    % {"stage": values["stage"], "pipeline": info.pipeline.name}))
                return
            stage = found
            step = entry_step if stage.key == entry.key else engine.first_step_of_stage(
                definition, stage.key)
        status = values.pop("status", None)
        if status is not None and status != stage.status:
            plan.errors.append((self._column_of("status"),
                                _("Stage %(stage)s is %(status)s, not %(given)s.")
                                % {"stage": stage.label(), "status": stage.status,
                                   "given": status}))
        self._dates(plan, closed=stage.status != Status.OPEN)
        values.update(pipeline_id=info.pipeline.pk, pipeline_version=info.version,
                      stage=stage.key, step=step, status=stage.status)
        if self.kind == "opportunity" and "probability" not in values \
                and stage.probability is not None:
            values["probability"] = stage.probability
        if self.kind == "opportunity" and stage.status != Status.OPEN \
                and "close_date" not in values and values.get("closed_at"):
            values["close_date"] = timezone.localdate(values["closed_at"])
        plan.placement = Placement(entry_stage=entry.key, entry_step=entry_step,
                                   entry_status=entry.status)

    def _dates(self, plan: RowPlan, *, closed: bool) -> None:
        """Created → in stage since → closed, defaulting each from the next known one."""
        values = plan.values
        closed_at = values.get("closed_at")
        if closed_at is not None and not closed:
            plan.errors.append((self._column_of("closed_at"),
                                _("An open record has no closed date.")))
        since = values.get("stage_entered_at") or (closed_at if closed else None)
        created = values.get("created_at") or since or self.now
        since = since or created
        if closed and closed_at is None:
            closed_at = since
        for key, moment in (("created_at", created), ("stage_entered_at", since),
                            ("closed_at", closed_at)):
            if moment is not None and moment > self.now:
                plan.errors.append((self._column_of(key), _("This date is in the future.")))
        if since < created:
            plan.errors.append((self._column_of("stage_entered_at"),
                                _("Earlier than the created date.")))
        values.update(created_at=created, stage_entered_at=since,
                      closed_at=closed_at if closed else None)

    # Duplicates ----------------------------------------------------------------------------

    def _keys(self, plan: RowPlan) -> list[tuple[str, str]]:
        values = plan.values
        keys: list[tuple[str, str]] = []
        for field_name in ("email", "email_alt"):
            if values.get(field_name):
                keys.append(("email", values[field_name].lower()))
        for field_name in ("phone", "phone_alt", "mobile"):
            if values.get(field_name):
                keys.append(("phone", values[field_name]))
        name = self._name_of(values)
        if name:
            keys.append(("name", name.lower()))
        return keys

    def _name_of(self, values: Mapping[str, Any]) -> str:
        if self.kind == "account":
            return str(values.get("name", ""))
        if self.kind == "contact":
            return " ".join(str(part) for part in (values.get("first_name"),
                                                   values.get("last_name")) if part)
        return str(values.get("title", ""))

    def _duplicate_sources(self) -> tuple[models.QuerySet[Any], dict[str, Any]]:
        """The records duplicates are looked for in, and each kind of key as an expression
        per column (emails and names compared in lower case)."""
        if self.kind == "account":
            return accounts_for(self.actor), {
                "email": [Lower("email")], "phone": [F("phone"), F("phone_alt")],
                "name": [Lower("name")]}
        if self.kind == "contact":
            return contacts_for(self.actor), {
                "email": [Lower("email"), Lower("email_alt")],
                "phone": [F("phone"), F("mobile")],
                "name": [Lower(Concat("first_name", Value(" "), "last_name"))]}
        return records_for(self.actor, self.kind), {"name": [Lower("title")]}

    def _known_keys(self) -> set[tuple[str, str]]:
        """Every email, phone and name among the records, read once per run: a chunk then
        asks the database only about the keys that do exist."""
        if self._known is None:
            visible, sources = self._duplicate_sources()
            names = {f"k_{kind}_{index}": (kind, expression)
                     for kind, expressions in sources.items()
                     for index, expression in enumerate(expressions)}
            known: set[tuple[str, str]] = set()
            for row in visible.annotate(**{name: expression for name, (_kind, expression)
                                           in names.items()}).values_list(*names).iterator(
                    chunk_size=10_000):
                known.update((kind, value) for (kind, _expression), value
                             in zip(names.values(), row, strict=True) if value)
            self._known = known
        return self._known

    def _existing(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], list[Any]]:
        """Records the importer can see that share an email, phone or name with the chunk."""
        hits = keys & self._known_keys()
        found: dict[tuple[str, str], list[Any]] = defaultdict(list)
        if not hits:
            return found
        visible, sources = self._duplicate_sources()
        for kind, expressions in sources.items():
            wanted = {value for key_kind, value in hits if key_kind == kind}
            for expression in expressions if wanted else ():
                for row in visible.annotate(match=expression).filter(match__in=wanted).values(
                        "pk", "owner_id", "office_id", "match"):
                    rows = found[(kind, row["match"])]
                    if all(other["pk"] != row["pk"] for other in rows):
                        rows.append(row)
        return found

    def _match_duplicates(self, plans: list[RowPlan]) -> None:
        live = [plan for plan in plans if plan.action != "fail"]
        row_keys = {plan.row: self._keys(plan) for plan in live}
        existing = self._existing({key for keys in row_keys.values() for key in keys})
        labels = {"email": _("email"), "phone": _("phone"), "name": _("name")}
        for plan in live:
            keys = row_keys[plan.row]
            earlier = next(((key, self.seen[key]) for key in keys if key in self.seen), None)
            match = next(((key, existing[key]) for key in keys if key in existing), None)
            if self.duplicates != Duplicates.CREATE and earlier is not None:
                plan.action = "skip"
                plan.note = _("Same %(what)s as row %(row)s.") % {
                    "what": labels[earlier[0][0]], "row": earlier[1]}
            elif self.duplicates != Duplicates.CREATE and match is not None:
                self._on_existing(plan, match[0][0], match[1], labels)
            for key in keys:
                self.seen.setdefault(key, plan.row)

    def _on_existing(self, plan: RowPlan, what: str, rows: list[Any],
                     labels: Mapping[str, str]) -> None:
        if self.duplicates == Duplicates.SKIP:
            plan.action = "skip"
            plan.note = _("A record with the same %(what)s exists.") % {"what": labels[what]}
            return
        if len(rows) > 1:
            plan.action = "fail"
            plan.errors.append(("", _("%(count)s records have the same %(what)s: cannot tell "
                                      "which to update.") % {"count": len(rows),
                                                             "what": labels[what]}))
            return
        target = rows[0]
        if not permissions.may(self.actor, self.permission_type, "edit",
                               owner_id=target["owner_id"], office_id=target["office_id"]):
            plan.action = "fail"
            plan.errors.append(("", permissions.refusal("edit")))
            return
        plan.action = "update"
        plan.target_id = target["pk"]


def _limited(limit: int | None) -> Callable[[str], str]:
    def clean(text: str) -> str:
        if limit and len(text) > limit:
            raise ValueError(_("At most %(n)s characters.") % {"n": limit})
        return text

    return clean
