"""Every change an import makes: upload, mapping, the run (or dry run), and undo of a batch.

A run checks every row first (a dry run stops there). Unless the importer chose "import the
good rows", one bad row stops the run before anything is written. Rows are then written in
chunks with `bulk_create` (records, history, stage changes); should a chunk fail, what the
batch already wrote is taken back, so a batch is imported whole or not at all.

Imported records do not run the "created" automation rules, so migrating thousands of old
records mails nobody; the importer may switch them on per batch (`run_rules`). New owners
are not notified either. History rows say `via=import`.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from stageflow.accounts.models import Account, AccountContact
from stageflow.core import clock, events
from stageflow.core.errors import Conflict, InvalidInput, NotAllowed, StageflowError
from stageflow.core.history import display_value
from stageflow.core.models import HistoryEntry, Via
from stageflow.imports import parsing
from stageflow.imports.bulk import insert_returning_ids, insert_rows
from stageflow.imports.fields import (
    REQUIRED,
    WORKFLOW_COLUMNS,
    field_options,
    guess_mapping,
    header_key,
)
from stageflow.imports.models import (
    Duplicates,
    ImportBatch,
    ImportedRecord,
    Kind,
    RememberedMapping,
)
from stageflow.imports.planning import MODEL, PERMISSION_TYPE, Planner, RowPlan
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.sales.models import Lead, Opportunity, StageChange

logger = logging.getLogger(__name__)
# Told of each chunk checked or written (the command line draws its progress bar with it).
Progress = Callable[[ImportBatch], None]

CHUNK_ROWS = 2000
# Files up to this many rows are processed in the request; larger ones by a worker.
INLINE_ROWS = 2000
MAX_PROBLEMS = 5000
_ID_CHUNK = 5000
_NAMED_IN_REFUSAL = 10
_RELATED = {"owner": "owner_id", "office": "office_id"}
# Keys of a row that are not model fields of the record itself.
_NOT_STORED = {"job_title"}
_KEPT_ON_UPDATE = {*WORKFLOW_COLUMNS, "pipeline_id", "pipeline_version", "step"}


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def ensure_may_import(actor: User, kind: str, duplicates: str = Duplicates.SKIP) -> None:
    """Importing needs the create right on the kind, and the edit right to update duplicates."""
    permission_type = PERMISSION_TYPE[kind]
    if not permissions.may_at_all(actor, permission_type, "create"):
        raise NotAllowed(_("Your role does not let you create %(kind)s.")
                         % {"kind": Kind(kind).label.lower()})
    if duplicates == Duplicates.UPDATE and not permissions.may_at_all(actor, permission_type,
                                                                      "edit"):
        raise NotAllowed(_("Your role does not let you change %(kind)s, so duplicates cannot be "
                           "updated.") % {"kind": Kind(kind).label.lower()})


def _safe_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable()).strip()[:200] or "import"


@transaction.atomic
def batch_create(*, actor: User, kind: str, upload: UploadedFile) -> ImportBatch:
    """Check the uploaded file and keep it with a first mapping: remembered, else guessed."""
    if kind not in Kind.values:
        raise InvalidInput(_("Choose what the file holds: accounts, contacts, leads or "
                             "opportunities."), fields={"kind": _("unknown kind")})
    ensure_may_import(actor, kind)
    parsing.check_size(upload.size)
    table = parsing.read_table(upload, upload.name or "", upload.size)
    shape = parsing.shape_of(table)
    remembered = RememberedMapping.objects.filter(kind=kind,
                                                  header_key=header_key(shape.headers)).first()
    mapping = remembered.mapping if remembered is not None else guess_mapping(
        kind, shape.headers, field_options(kind))
    batch = ImportBatch(kind=kind, file_name=_safe_name(upload.name or ""),
                        file_format=shape.file_format, delimiter=shape.delimiter,
                        headers=shape.headers, mapping=mapping, total_rows=shape.total_rows,
                        created_by=actor)
    upload.seek(0)
    batch.file.save(f"{clock.now():%Y%m%d%H%M%S}-{actor.pk}.{shape.file_format}",
                    ContentFile(upload.read()), save=False)
    batch.save()
    return batch


def _ensure_owner(actor: User, batch: ImportBatch) -> None:
    if batch.created_by_id != actor.pk and not permissions.manages_workspace(actor):
        raise NotAllowed(_("Only whoever uploaded this file, or an administrator, may change "
                           "this import."))


def _mapping_list(batch: ImportBatch, mapping: Sequence[str] | Mapping[str, str]) -> list[str]:
    """A field per column, from a list in column order or an object of header: field."""
    if isinstance(mapping, Mapping):
        unknown = [header for header in mapping if header not in batch.headers]
        if unknown:
            raise InvalidInput(_("The file has no column “%(name)s”.") % {"name": unknown[0]},
                               fields={"mapping": unknown[0]})
        return [str(mapping.get(header) or "") for header in batch.headers]
    if len(mapping) != len(batch.headers):
        raise InvalidInput(_("Give one field per column: the file has %(n)s columns.")
                           % {"n": len(batch.headers)}, fields={"mapping": _("wrong length")})
    return [str(key or "") for key in mapping]


def check_mapping(kind: str, headers: list[str], mapping: list[str]) -> None:
    """Every mapped field exists, none twice, and the required ones are there."""
    known = {option.key: option for option in field_options(kind)}
    errors: dict[str, str] = {}
    used: dict[str, str] = {}
    for header, key in zip(headers, mapping, strict=True):
        column = header or "?"
        if not key:
            continue
        if key not in known:
            errors[column] = _("Unknown field “%(key)s”.") % {"key": key}
        elif key in used:
            errors[column] = _("%(field)s is already taken by column “%(other)s”.") % {
                "field": known[key].label, "other": used[key]}
        used.setdefault(key, column)
    for key in REQUIRED[kind]:
        if key not in used and not (kind in ("lead", "opportunity")
                                    and ({"account", "contact"} & set(used))):
            errors[str(known[key].label)] = _("Choose the column that holds this field.")
    if errors:
        raise InvalidInput(_("Some columns need attention."), fields=errors)


@transaction.atomic
def batch_set_mapping(*, actor: User, batch: ImportBatch,
                      mapping: Sequence[str] | Mapping[str, str] | None = None,
                      duplicates: str | None = None, good_rows_only: bool | None = None,
                      run_rules: bool | None = None) -> ImportBatch:
    """Set how columns map to fields and what to do with duplicates; remembered for next time."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    _ensure_owner(actor, batch)
    if batch.state not in (ImportBatch.State.MAPPING, ImportBatch.State.CHECKED,
                           ImportBatch.State.FAILED):
        raise Conflict(_("This import has already run."), code="import_state")
    if duplicates is not None:
        if duplicates not in Duplicates.values:
            raise InvalidInput(_("Choose skip, update or create for duplicates."),
                               fields={"duplicates": _("unknown choice")})
        ensure_may_import(actor, batch.kind, duplicates)
        batch.duplicates = duplicates
    if mapping is not None:
        columns = _mapping_list(batch, mapping)
        check_mapping(batch.kind, batch.headers, columns)
        batch.mapping = columns
        RememberedMapping.objects.update_or_create(
            kind=batch.kind, header_key=header_key(batch.headers), defaults={"mapping": columns})
    if good_rows_only is not None:
        batch.good_rows_only = good_rows_only
    if run_rules is not None:
        batch.run_rules = run_rules
    batch.state = ImportBatch.State.MAPPING
    batch.version += 1
    batch.save()
    return batch


def batch_start(*, actor: User, batch: ImportBatch, dry_run: bool, here: bool = False,
                on_progress: Progress | None = None) -> ImportBatch:
    """Check (dry run) or import the file: at once for a small file (or `here`, as the command
    line does), else by a worker."""
    from stageflow.imports.tasks import process_import

    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        _ensure_owner(actor, batch)
        ensure_may_import(actor, batch.kind, batch.duplicates)
        if batch.busy:
            raise Conflict(_("This import is already running."), code="import_running")
        if batch.state in (ImportBatch.State.DONE, ImportBatch.State.UNDONE):
            raise Conflict(_("This file was already imported."), code="import_state")
        check_mapping(batch.kind, batch.headers, batch.mapping)
        batch.state = ImportBatch.State.QUEUED
        batch.dry_run = dry_run
        batch.processed_rows = 0
        batch.message = ""
        batch.version += 1
        batch.save()
        in_background = batch.total_rows > INLINE_ROWS and not here
        if in_background:
            batch_id = batch.pk
            transaction.on_commit(lambda: process_import.enqueue(batch_id))
    if not in_background:
        process(batch.pk, on_progress)
        batch.refresh_from_db()
    return batch


# Running -----------------------------------------------------------------------------------

def _progress(batch: ImportBatch, **values: Any) -> None:
    for name, value in values.items():
        setattr(batch, name, value)
    ImportBatch.objects.filter(pk=batch.pk).update(**values)


def process(batch_id: int, on_progress: Progress | None = None) -> None:
    """Check every row, then (unless a dry run, or refused) write them; never raises."""
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    try:
        with _rows_kept_from_gc():
            _process(batch, on_progress or (lambda batch: None))
    except StageflowError as error:
        _progress(batch, state=ImportBatch.State.FAILED, message=error.message[:500],
                  finished_at=clock.now())
    except Exception:
        logger.exception("Import %s failed", batch_id)
        _progress(batch, state=ImportBatch.State.FAILED, finished_at=clock.now(),
                  message=_("The import failed unexpectedly; nothing was imported."))


@contextmanager
def _rows_kept_from_gc() -> Iterator[None]:
    """The checked rows of a large file are kept until they are written: hundreds of thousands
    of objects that every garbage collection would scan again, costing a third of the run.
    `gc.freeze()` after each chunk sets them aside; they are collected normally afterwards."""
    try:
        yield
    finally:
        gc.unfreeze()


def _process(batch: ImportBatch, on_progress: Progress) -> None:
    actor = batch.created_by
    if actor is None or not actor.is_active:
        raise NotAllowed(_("The person who uploaded this file can no longer import."))
    with batch.file.open("rb") as stream:
        table = parsing.read_table(stream, batch.file.name or "", batch.file.size,
                                   batch.delimiter)
    now = clock.now()
    planner = Planner(actor=actor, kind=batch.kind, headers=batch.headers,
                      mapping=batch.mapping, duplicates=batch.duplicates, now=now)
    _progress(batch, state=ImportBatch.State.CHECKING, processed_rows=0, created_count=0,
              updated_count=0, skipped_count=0, failed_count=0, problems=[])
    counts = {"create": 0, "update": 0, "skip": 0, "fail": 0}
    failures: list[dict[str, Any]] = []
    skips: list[dict[str, Any]] = []
    to_write: list[RowPlan] = []
    done = 0
    for chunk in _chunks(table.rows(), CHUNK_ROWS):
        gc.freeze()
        for plan in planner.plan_chunk(chunk):
            counts[plan.action] += 1
            if plan.action == "fail":
                failures.extend({"row": plan.row, "column": column, "message": message}
                                for column, message in plan.errors)
            elif plan.action == "skip":
                skips.append({"row": plan.row, "column": "", "message": plan.note})
            elif not batch.dry_run:
                to_write.append(plan)
        done += len(chunk)
        _progress(batch, processed_rows=done)
        on_progress(batch)
    problems = (failures + skips)[:MAX_PROBLEMS]
    _progress(batch, total_rows=done, created_count=counts["create"],
              updated_count=counts["update"], skipped_count=counts["skip"],
              failed_count=counts["fail"], problems=problems)
    if batch.dry_run:
        _progress(batch, state=ImportBatch.State.CHECKED, finished_at=clock.now(),
                  message=_("Dry run: nothing was written."))
        return
    if counts["fail"] and not batch.good_rows_only:
        _progress(batch, state=ImportBatch.State.FAILED, finished_at=clock.now(),
                  message=_("%(n)s rows have errors, so nothing was imported. Correct them, or "
                            "choose to import the good rows.") % {"n": counts["fail"]})
        return
    _write_all(batch, actor, to_write, now, on_progress)


def _write_all(batch: ImportBatch, actor: User, plans: list[RowPlan], now: dt.datetime,
               on_progress: Progress) -> None:
    _progress(batch, state=ImportBatch.State.WRITING, processed_rows=0,
              total_rows=len(plans) or batch.total_rows)
    writer = _Writer(batch, actor, now)
    written = 0
    try:
        for chunk in _chunks(plans, CHUNK_ROWS):
            with transaction.atomic():
                writer.write(chunk)
            written += len(chunk)
            _progress(batch, processed_rows=written)
            on_progress(batch)
    except Exception:
        # Take back what the earlier chunks wrote: a batch is imported whole or not at all.
        with transaction.atomic():
            _revert(batch, actor, list(batch.records.all()), summary=_("Import failed"))
            batch.records.all().delete()
        raise
    _progress(batch, state=ImportBatch.State.DONE, finished_at=clock.now(),
              message=_("Imported; the %(n)s rows with errors were left out.")
              % {"n": batch.failed_count} if batch.failed_count else _("Imported."))


def _history(object_id: int, label: str, content_type: ContentType, actor: User,
             now: dt.datetime, action: str, changes: list[dict[str, Any]],
             summary: str) -> dict[str, Any]:
    """A history entry as a row for `insert_rows`."""
    return {"content_type_id": content_type.pk, "object_id": object_id,
            "record_label": label[:300], "at": now, "actor_id": actor.pk,
            "actor_name": actor.username, "via": Via.IMPORT.value, "action": str(action),
            "changes": changes, "summary": summary[:500]}


class _Writer:
    """Writes planned rows of one batch, a chunk at a time, in a handful of bulk queries."""

    def __init__(self, batch: ImportBatch, actor: User, now: dt.datetime) -> None:
        self.batch, self.actor, self.now = batch, actor, now
        self.kind = batch.kind
        self.model = MODEL[self.kind]
        self.content_type = ContentType.objects.get_for_model(self.model)
        self.summary = _("Imported from %(file)s (import %(id)s)") % {
            "file": batch.file_name, "id": batch.pk}
        self.workflow = self.kind in ("lead", "opportunity")

    def _stored(self, values: Mapping[str, Any]) -> dict[str, Any]:
        stored = {}
        for key, value in values.items():
            if key in _NOT_STORED or (self.kind == "contact" and key == "account_id"):
                continue
            stored[_RELATED.get(key, key)] = value
        return stored

    def write(self, plans: list[RowPlan]) -> None:
        creates = [plan for plan in plans if plan.action == "create"]
        updates = [plan for plan in plans if plan.action == "update"]
        history: list[dict[str, Any]] = []
        imported: list[dict[str, Any]] = []
        if creates:
            imported += [{"batch_id": self.batch.pk, "object_id": pk, "created": True,
                          "before": {}, "version_after": 1}
                         for pk in self._create(creates, history)]
        if updates:
            imported += self._update(updates, history)
        insert_rows(HistoryEntry, history)
        insert_rows(ImportedRecord, imported)

    def _create(self, plans: list[RowPlan], history: list[dict[str, Any]]) -> list[int]:
        rows = []
        for plan in plans:
            stored = self._stored(plan.values)
            rows.append({**stored, "attributes": plan.attributes, "created_by_id": self.actor.pk,
                         "created_at": plan.values.get("created_at", self.now),
                         "updated_at": self.now})
            # The history names what the file said; defaults and placement are on the record.
            changes = [{"field": key, "label": key, "old": None,
                        "new": value if type(value) is str else display_value(value)}
                       for key, value in plan.values.items() if key in plan.given]
            changes += [{"field": f"attributes.{key}", "label": key, "old": None, "new": value}
                        for key, value in plan.attributes.items()]
            history.append({"changes": changes})
        ids = insert_returning_ids(self.model, rows)
        for entry, pk, row in zip(history[-len(rows):], ids, rows, strict=True):
            entry.update(_history(pk, self._label(row), self.content_type, self.actor,
                                  self.now, HistoryEntry.Action.CREATED, entry["changes"],
                                  self.summary))
        if self.workflow:
            self._stage_changes(ids, rows, plans)
        if self.kind == "contact":
            insert_rows(AccountContact, [
                {"account_id": plan.account_link[0], "contact_id": pk,
                 "job_title": plan.account_link[1]}
                for pk, plan in zip(ids, plans, strict=True) if plan.account_link])
        if self.workflow and self.batch.run_rules:
            for pk in ids:
                events.emit(f"{self.kind}.created", record_id=pk, actor_id=self.actor.pk,
                            via=Via.IMPORT)
        return ids

    def _label(self, row: Mapping[str, Any]) -> str:
        if self.kind == "account":
            return str(row["name"])
        if self.kind == "contact":
            return " ".join(part for part in (row.get("first_name"), row.get("last_name"))
                            if part)
        return str(row["title"])

    def _stage_changes(self, ids: list[int], rows: list[dict[str, Any]],
                       plans: list[RowPlan]) -> None:
        """The moves a migrated record made: created at its entry stage, then (if it has
        moved on) into its current stage on the date it entered it, closed or not."""
        changes = []
        for pk, row, plan in zip(ids, rows, plans, strict=True):
            placement = plan.placement
            assert placement is not None
            common = {f"{self.kind}_id": pk, "pipeline_id": row["pipeline_id"],
                      "pipeline_version": row["pipeline_version"], "actor_id": self.actor.pk}
            created, since = row["created_at"], row["stage_entered_at"]
            current = {"to_stage": row["stage"], "to_step": row["step"],
                       "to_status": row["status"]}
            if row["stage"] == placement.entry_stage:
                changes.append({**common, **current, "at": created})
                continue
            changes.append({**common, "to_stage": placement.entry_stage,
                            "to_step": placement.entry_step,
                            "to_status": placement.entry_status, "at": created})
            changes.append({**common, **current, "transition": "import",
                            "from_stage": placement.entry_stage,
                            "from_step": placement.entry_step, "at": since,
                            "seconds_in_previous": int((since - created).total_seconds())})
        insert_rows(StageChange, changes)

    def _update(self, plans: list[RowPlan],
                history: list[dict[str, Any]]) -> list[dict[str, Any]]:
        targets: dict[Any, Any] = self.model.objects.in_bulk([plan.target_id for plan in plans])
        changed_fields: set[str] = set()
        imported: list[dict[str, Any]] = []
        changed_records: list[Any] = []
        links = []
        for plan in plans:
            record = targets.get(plan.target_id)
            if record is None:
                continue
            before: dict[str, Any] = {}
            changes = []
            for key in plan.given:
                if key in _KEPT_ON_UPDATE or key not in plan.values:
                    continue
                name = _RELATED.get(key, key)
                if key in _NOT_STORED or (self.kind == "contact" and key == "account_id"):
                    continue
                old, new = getattr(record, name), plan.values[key]
                if old != new:
                    before[name] = display_value(old)
                    changes.append({"field": name, "label": name, "old": display_value(old),
                                    "new": display_value(new)})
                    setattr(record, name, new)
                    changed_fields.add(name)
            if plan.attributes:
                merged = {**(record.attributes or {}), **plan.attributes}
                if merged != record.attributes:
                    before["attributes"] = record.attributes
                    changes.append({"field": "attributes", "label": "attributes",
                                    "old": record.attributes, "new": merged})
                    record.attributes = merged
                    changed_fields.add("attributes")
            if plan.account_link:
                links.append(AccountContact(account_id=plan.account_link[0], contact=record,
                                            job_title=plan.account_link[1]))
            if not changes:
                continue
            record.version += 1
            record.updated_at = self.now
            changed_records.append(record)
            history.append(_history(record.pk, str(record), self.content_type, self.actor, self.now,
                                    HistoryEntry.Action.UPDATED, changes, self.summary))
            imported.append({"batch_id": self.batch.pk, "object_id": record.pk,
                             "created": False, "before": before,
                             "version_after": record.version})
        if changed_records:
            self.model.objects.bulk_update(
                changed_records, [*sorted(changed_fields), "version", "updated_at"],
                batch_size=1000)
        AccountContact.objects.bulk_create(links, ignore_conflicts=True)
        return imported


# Undoing -----------------------------------------------------------------------------------

def _blocked(batch: ImportBatch, records: list[ImportedRecord]) -> list[int]:
    """Ids of the batch's records that changed since the import, or that other records now
    depend on (an account with new leads or sub-accounts): undo must not lose that work."""
    model = MODEL[batch.kind]
    versions: dict[int, int] = {}
    ids = [record.object_id for record in records]
    for chunk in _chunks(ids, _ID_CHUNK):
        versions.update(model.objects.filter(pk__in=chunk).values_list("pk", "version"))
    blocked = {record.object_id for record in records
               if record.object_id in versions
               and versions[record.object_id] != record.version_after}
    if batch.kind == "account":
        created = [record.object_id for record in records if record.created]
        for chunk in _chunks(created, _ID_CHUNK):
            for user_model in (Lead, Opportunity):
                blocked.update(user_model.objects.filter(account_id__in=chunk)
                               .values_list("account_id", flat=True))
            blocked.update(Account.objects.filter(parent_id__in=chunk)
                           .exclude(pk__in=chunk).values_list("parent_id", flat=True))
    return sorted(blocked)


def _revert(batch: ImportBatch, actor: User, records: list[ImportedRecord], *,
            summary: str, keep: Iterable[int] = ()) -> None:
    """Delete what the batch created and put back what it updated, except the `keep` ids."""
    model = MODEL[batch.kind]
    content_type = ContentType.objects.get_for_model(model)
    now = clock.now()
    kept = set(keep)
    created = [record.object_id for record in records
               if record.created and record.object_id not in kept]
    for chunk in _chunks(created, _ID_CHUNK):
        doomed = list(model.objects.filter(pk__in=chunk).only("pk", *_label_fields(batch.kind)))
        insert_rows(HistoryEntry, [_history(record.pk, str(record), content_type, actor, now,
                                            HistoryEntry.Action.DELETED, [], summary)
                                   for record in doomed])
        model.objects.filter(pk__in=chunk).delete()
    updated = [record for record in records if not record.created
               and record.object_id not in kept]
    for chunk in _chunks(updated, _ID_CHUNK):
        targets = model.objects.in_bulk([record.object_id for record in chunk])
        fields: set[str] = set()
        history = []
        restored: list[Any] = []
        for imported in chunk:
            target = targets.get(imported.object_id)
            if target is None:
                continue
            changes = []
            for name, old in imported.before.items():
                changes.append({"field": name, "label": name,
                                "old": display_value(getattr(target, name)), "new": old})
                setattr(target, name, old)
                fields.add(name)
            target.version += 1
            restored.append(target)
            history.append(_history(target.pk, str(target), content_type, actor, now,
                                    HistoryEntry.Action.UPDATED, changes, summary))
        if restored:
            model.objects.bulk_update(restored, [*sorted(fields), "version"], batch_size=1000)
        insert_rows(HistoryEntry, history)


def _label_fields(kind: str) -> tuple[str, ...]:
    return {"account": ("name",), "contact": ("first_name", "last_name")}.get(kind, ("title",))


def batch_undo(*, actor: User, batch: ImportBatch, keep_changed: bool = False) -> ImportBatch:
    """Remove what the batch created and restore what it updated.

    Records changed since the import (or that new records now depend on) are named in a
    refusal; with `keep_changed` the rest is undone and those are kept and reported.
    """
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        _ensure_owner(actor, batch)
        if batch.state != ImportBatch.State.DONE:
            raise Conflict(_("Only a finished import can be undone."), code="import_state")
        records = list(batch.records.all())
        blocked = _blocked(batch, records)
        names = [str(record) for record in MODEL[batch.kind].objects.filter(
            pk__in=blocked[:_NAMED_IN_REFUSAL])]
        listed = ", ".join(names) + (_(" and %(n)s more") % {"n": len(blocked) - len(names)}
                                     if len(blocked) > len(names) else "")
        if blocked and not keep_changed:
            raise Conflict(_("%(n)s records changed since the import or are now used by other "
                             "records: %(names)s. Undo the rest and keep these?")
                           % {"n": len(blocked), "names": listed}, code="changed_since",
                           fields={"records": listed})
        _revert(batch, actor, records, keep=blocked,
                summary=_("Import %(id)s undone") % {"id": batch.pk})
        batch.state = ImportBatch.State.UNDONE
        batch.undone_at = clock.now()
        batch.message = (_("Undone, except %(n)s records that changed since: %(names)s.")
                         % {"n": len(blocked), "names": listed} if blocked else _("Undone."))[:500]
        batch.version += 1
        batch.save()
    return batch
