"""A whole workspace in one zip archive, and back: `stageflow backup` and `stageflow restore`.

The archive holds `manifest.json` (format version, Stageflow version, the migrations applied,
rows per model, each file's size and SHA-256), `data/<app>.<model>.jsonl` with every row of
every table (Django's JSON Lines serialiser, primary keys kept, many-to-many rows as their own
tables) and `files/<path>` with every file under MEDIA_ROOT.

Restore loads the rows with their original ids into a migrated database, content types and
permissions included, so generic relations and history rows keep pointing at the right
things. It refuses a workspace that already has data unless asked to replace it, refuses an
archive from a newer schema, never uses a member name as a path before checking it, and loads
everything in one transaction: when anything fails the database is as it was and no file has
been touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any, Final

from django.apps import apps
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.contrib.contenttypes.management import create_contenttypes
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Field, Model
from django.utils import timezone

from stageflow.core.errors import Conflict, InvalidInput

FORMAT: Final = "stageflow-backup"
FORMAT_VERSION: Final = 1
MANIFEST: Final = "manifest.json"
DATA: Final = "data/"
FILES: Final = "files/"
# Sign-ins are not workspace data: a restored workspace starts with everyone signed out.
SKIPPED: Final = frozenset({"sessions.session"})
# A database with rows in any of these holds a workspace; a freshly migrated one has only the
# rows migrations create (content types, permissions, the built-in roles).
WORKSPACE_MARKERS: Final = ("people.user", "accounts.account", "accounts.contact",
                            "sales.lead", "sales.opportunity")
CHUNK: Final = 2000
COPY_BYTES: Final = 1 << 20
_DRIVE: Final = re.compile(r"^[A-Za-z]:")

Report = Callable[[str], None]


@dataclass(frozen=True)
class Outcome:
    rows: int
    files: int
    manifest: dict[str, Any]


class _ExactEncoder(DjangoJSONEncoder):
    """Times with their microseconds: DjangoJSONEncoder cuts them to milliseconds, and a
    backup must give back exactly what was stored."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


def stageflow_version() -> str:
    try:
        return version("stageflow")
    except PackageNotFoundError:
        return "unknown"


def backed_up_models() -> list[type[Model]]:
    """Every table the workspace keeps, many-to-many link tables included, in app order;
    models of an app whose migrations have not created their table yet are left out."""
    tables = set(connection.introspection.table_names())
    return [model for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
            and model._meta.label_lower not in SKIPPED and model._meta.db_table in tables]


def _serialised_fields(model: type[Model]) -> list[str]:
    # Many-to-many links are saved as their own tables, so rows carry only their own columns.
    return [field.name for field in model._meta.local_fields
            if getattr(field, "serialize", True)]


class _Counted:
    def __init__(self, rows: Iterable[Model]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Model]:
        for row in self.rows:
            self.count += 1
            yield row


@contextmanager
def _snapshot() -> Iterator[None]:
    """One transaction for every table, so rows that point at each other are read together."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _stored_files(media: Path) -> Iterator[tuple[str, Path]]:
    """Every regular file under MEDIA_ROOT with its archive name; links are not followed, so
    nothing outside MEDIA_ROOT ends up in a backup."""
    if not media.is_dir():
        return
    for root, directories, names in os.walk(media):
        directories.sort()
        for name in sorted(names):
            path = Path(root, name)
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(media).as_posix(), path


def backup_create(target: Path, *, report: Report | None = None) -> Outcome:
    """Write the whole workspace to the zip file `target` (replaced only once complete)."""
    say = report or (lambda line: None)
    partial = target.with_name(f".{target.name}.partial")
    counts: dict[str, int] = {}
    files: dict[str, dict[str, Any]] = {}
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED,
                             allowZip64=True) as archive:
            with _snapshot():
                for model in backed_up_models():
                    label = model._meta.label_lower
                    rows = _Counted(model._base_manager.order_by("pk").iterator(CHUNK))
                    with archive.open(f"{DATA}{label}.jsonl", "w", force_zip64=True) as raw, \
                            io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as text:
                        serializers.serialize("jsonl", rows, stream=text,
                                              fields=_serialised_fields(model),
                                              cls=_ExactEncoder)
                    counts[label] = rows.count
                    say(f"{label}: {rows.count}")
                migrations = _applied_migrations()
            for name, path in _stored_files(_media_root()):
                files[name] = _add_file(archive, f"{FILES}{name}", path)
            say(f"files: {len(files)}")
            manifest = {
                "format": FORMAT, "format_version": FORMAT_VERSION,
                "stageflow_version": stageflow_version(),
                "created_at": timezone.now().isoformat(), "database": connection.vendor,
                "migrations": migrations, "models": counts, "files": files,
            }
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return Outcome(rows=sum(counts.values()), files=len(files), manifest=manifest)


def _add_file(archive: zipfile.ZipFile, member: str, path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as source, archive.open(member, "w", force_zip64=True) as sink:
        while block := source.read(COPY_BYTES):
            digest.update(block)
            size += len(block)
            sink.write(block)
    return {"size": size, "sha256": digest.hexdigest()}


# Restore ---------------------------------------------------------------------------------------

def safe_relative_path(name: str) -> PurePosixPath:
    """A member's file name as a path below the media folder; InvalidInput for anything that
    could reach outside it (absolute, `..`, drive letters, backslashes, empty parts)."""
    parts = name.split("/")
    if (not name or "\\" in name or "\x00" in name or _DRIVE.match(name)
            or any(part in ("", ".", "..") for part in parts)):
        raise InvalidInput(f"The archive holds a file with an unsafe name: {name!r}.",
                           fields={"archive": "unsafe member name"})
    return PurePosixPath(*parts)


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, fields={"archive": message})


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    """The archive's manifest after checking that the archive is one of ours, that every
    member is one the manifest lists under a safe name, and that its format is not newer."""
    names = archive.namelist()
    if len(names) != len(set(names)):
        raise _refuse("The archive lists a member twice.")
    if MANIFEST not in names:
        raise _refuse("This is not a Stageflow backup: it has no manifest.json.")
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (ValueError, UnicodeDecodeError) as error:
        raise _refuse(f"The backup's manifest is not valid JSON: {error}.") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse("This is not a Stageflow backup: its manifest is of another kind.")
    found = manifest.get("format_version")
    if not isinstance(found, int) or found > FORMAT_VERSION:
        raise Conflict(f"The backup has format version {found!r}; this Stageflow reads up to "
                       f"{FORMAT_VERSION}. Restore it with a newer Stageflow.",
                       fields={"archive": "newer format"})
    models = manifest.get("models")
    files = manifest.get("files")
    if not isinstance(models, dict) or not isinstance(files, dict) \
            or not isinstance(manifest.get("migrations"), dict):
        raise _refuse("The backup's manifest lacks its models, files or migrations.")
    expected = {MANIFEST, *(f"{DATA}{label}.jsonl" for label in models),
                *(f"{FILES}{name}" for name in files)}
    for name in names:
        if name.startswith(FILES):
            safe_relative_path(name.removeprefix(FILES))
        if name not in expected:
            raise _refuse(f"The archive holds a member its manifest does not list: {name!r}.")
    for name in files:
        safe_relative_path(name)
    missing = sorted(expected - set(names))
    if missing:
        raise _refuse(f"The archive lacks members its manifest lists: {', '.join(missing)}.")
    return manifest


def _check_schema(manifest: dict[str, Any]) -> list[type[Model]]:
    """The models to load, after refusing an archive from a newer schema or a database that
    is not migrated."""
    loader = MigrationLoader(connection)
    known = set(loader.disk_migrations)
    archived = {(app_label, name) for app_label, names in manifest["migrations"].items()
                for name in names}
    newer = sorted(f"{app}.{name}" for app, name in archived - known)
    if newer:
        raise Conflict("The backup was made by a newer Stageflow (migrations unknown here: "
                       f"{', '.join(newer[:5])}{'…' if len(newer) > 5 else ''}). Upgrade "
                       "Stageflow, then restore.", fields={"archive": "newer schema"})
    if MigrationExecutor(connection).migration_plan(loader.graph.leaf_nodes()):
        raise Conflict("This database is not fully migrated: run `stageflow migrate` first.",
                       fields={"database": "not migrated"})
    here = {model._meta.label_lower: model for model in backed_up_models()}
    unknown = sorted(set(manifest["models"]) - set(here))
    if unknown:
        raise Conflict(f"The backup holds tables this Stageflow does not have: "
                       f"{', '.join(unknown)}.", fields={"archive": "unknown tables"})
    return [here[label] for label in manifest["models"]]


def workspace_is_empty() -> bool:
    """True when the database has no users and no customer or sales records."""
    return not any(apps.get_model(label)._base_manager.exists()
                   for label in WORKSPACE_MARKERS)


def backup_restore(source: Path, *, replace: bool = False,
                   report: Report | None = None) -> Outcome:
    """Replace the workspace by the backup `source`. Refuses (changing nothing) a database
    with a workspace unless `replace`, and any archive that does not check out."""
    say = report or (lambda line: None)
    try:
        archive = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as error:
        raise _refuse(f"{source} is not a readable zip archive: {error}.") from error
    with archive:
        manifest = read_manifest(archive)
        models = _check_schema(manifest)
        if not replace and not workspace_is_empty():
            raise Conflict("This database already holds a workspace; restore with --replace "
                           "to overwrite it.", fields={"database": "not empty"})
        media = _media_root()
        media.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=media.parent))
        try:
            _extract_files(archive, manifest["files"], staging)
            with transaction.atomic():
                rows = _replace_rows(archive, manifest, models, say)
            _move_into_place(staging, media)
        except (zipfile.BadZipFile, EOFError) as error:  # a member fails its CRC or is cut
            raise _refuse(f"The archive is damaged: {error}.") from error
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    say(f"files: {len(manifest['files'])}")
    return Outcome(rows=rows, files=len(manifest["files"]), manifest=manifest)


def _extract_files(archive: zipfile.ZipFile, files: dict[str, Any], staging: Path) -> None:
    """Every file into `staging`, checked against the manifest's size and SHA-256."""
    root = staging.resolve()
    for name, expected in files.items():
        target = root.joinpath(*safe_relative_path(name).parts)
        if not target.resolve().is_relative_to(root):
            raise _refuse(f"The archive holds a file with an unsafe name: {name!r}.")
        if not isinstance(expected, dict) \
                or archive.getinfo(f"{FILES}{name}").file_size != expected.get("size"):
            # Checked before writing a byte, so an inflated member cannot fill the disk.
            raise _refuse(f"The file {name!r} in the archive is damaged (its size differs "
                          "from the manifest).")
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        with archive.open(f"{FILES}{name}") as source, target.open("xb") as sink:
            while block := source.read(COPY_BYTES):
                digest.update(block)
                size += len(block)
                sink.write(block)
        if expected.get("size") != size or expected.get("sha256") != digest.hexdigest():
            raise _refuse(f"The file {name!r} in the archive is damaged (its size or checksum "
                          "differs from the manifest).")


def _replace_rows(archive: zipfile.ZipFile, manifest: dict[str, Any],
                  models: list[type[Model]], say: Report) -> int:
    if connection.vendor == "postgresql":
        # Rows written earlier in this transaction leave deferred foreign-key checks pending,
        # and PostgreSQL refuses to TRUNCATE a table with pending checks: run them now.
        connection.check_constraints()
    tables = connection.introspection.django_table_names(only_existing=True,
                                                         include_views=False)
    connection.ops.execute_sql_flush(
        connection.ops.sql_flush(no_style(), tables, reset_sequences=True))
    total = 0
    try:
        for model in models:
            label = model._meta.label_lower
            loaded = _load_model(archive, model)
            if loaded != manifest["models"][label]:
                raise _refuse(f"{label}: the archive holds {loaded} rows, its manifest "
                              f"says {manifest['models'][label]}.")
            say(f"{label}: {loaded}")
            total += loaded
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
        connection.check_constraints()
    except (DeserializationError, DatabaseError) as error:
        raise _refuse(f"The backup's data could not be loaded: {error}") from error
    ContentType.objects.clear_cache()
    # Models added since the backup was made still get their content types and permissions.
    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)
    return total


def _load_model(archive: zipfile.ZipFile, model: type[Model]) -> int:
    """Insert the rows as stored (ids, timestamps and all) in batches, without save()."""
    fields: list[Field[Any, Any]] = list(model._meta.local_concrete_fields)
    label = model._meta.label_lower
    count = 0
    batch: list[Model] = []
    with archive.open(f"{DATA}{label}.jsonl") as raw, \
            io.TextIOWrapper(raw, encoding="utf-8") as text:
        for item in serializers.deserialize("jsonl", text):
            if type(item.object) is not model:
                raise _refuse(f"{label}: the archive's rows belong to "
                              f"{item.object._meta.label_lower}.")
            batch.append(item.object)
            if len(batch) >= CHUNK:
                _insert(model, fields, batch)
                count += len(batch)
                batch = []
    if batch:
        _insert(model, fields, batch)
        count += len(batch)
    return count


def _insert(model: type[Model], fields: list[Field[Any, Any]], rows: list[Model]) -> None:
    # `raw` inserts the stored values as they are: auto_now fields keep their timestamps.
    size = max(1, connection.ops.bulk_batch_size(fields, rows))
    for start in range(0, len(rows), size):
        model._base_manager._insert(  # type: ignore[attr-defined]
            rows[start:start + size], fields=fields, using=connection.alias, raw=True)


def _move_into_place(staging: Path, media: Path) -> None:
    for root, _directories, names in os.walk(staging):
        for name in names:
            source = Path(root, name)
            target = media / source.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
