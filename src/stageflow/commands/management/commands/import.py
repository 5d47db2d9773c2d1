"""`stageflow import`: import a CSV/XLSX file of records, or undo an import, from the shell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from stageflow.core.errors import StageflowError
from stageflow.imports import services
from stageflow.imports.models import Duplicates, ImportBatch, Kind
from stageflow.people.models import User

SHOWN_PROBLEMS = 50


class Command(BaseCommand):
    help = ("Import accounts, contacts, leads or opportunities from a CSV (UTF-8) or XLSX file, "
            "or undo an import with --undo BATCH.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", nargs="?", choices=Kind.values)
        parser.add_argument("file", nargs="?", type=Path)
        parser.add_argument("--mapping", default="auto",
                            help='"auto" (remembered or guessed from the header), or JSON: a '
                                 'field per column, or {"Header": "field"}')
        parser.add_argument("--dry-run", action="store_true",
                            help="check every row and write nothing")
        parser.add_argument("--duplicates", choices=Duplicates.values, default=Duplicates.SKIP)
        parser.add_argument("--good-rows", action="store_true",
                            help="import the rows without errors (default: all or nothing)")
        parser.add_argument("--run-rules", action="store_true",
                            help="run the “created” automation rules for imported records")
        parser.add_argument("--user", help="import as this user (default: the only "
                                           "administrator account)")
        parser.add_argument("--undo", type=int, metavar="BATCH", help="undo this import")
        parser.add_argument("--keep-changed", action="store_true",
                            help="with --undo: keep records changed since, undo the rest")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options["user"])
        try:
            if options["undo"] is not None:
                self._undo(actor, options["undo"], options["keep_changed"])
            else:
                self._import(actor, options)
        except StageflowError as error:
            details = "".join(f"\n  {name}: {why}" for name, why in error.fields.items())
            raise CommandError(f"{error.message}{details}") from error

    def _actor(self, username: str | None) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"No active user {username!r}.")
            return user
        admins = list(User.objects.filter(is_superuser=True, is_active=True)[:2])
        if len(admins) != 1:
            raise CommandError("Say who imports with --user USERNAME.")
        return admins[0]

    def _import(self, actor: User, options: dict[str, Any]) -> None:
        kind, path = options["kind"], options["file"]
        if not kind or path is None:
            raise CommandError("Give the kind of record and the file, or --undo BATCH.")
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        with path.open("rb") as stream:
            upload = UploadedFile(stream, name=path.name, size=path.stat().st_size)
            batch = services.batch_create(actor=actor, kind=kind, upload=upload)
        mapping = None if options["mapping"] == "auto" else self._mapping(options["mapping"])
        batch = services.batch_set_mapping(
            actor=actor, batch=batch, mapping=mapping, duplicates=options["duplicates"],
            good_rows_only=options["good_rows"], run_rules=options["run_rules"])
        self.stdout.write(f"Import {batch.pk}: {batch.total_rows} rows of {kind}; columns: "
                          + ", ".join(f"{header} → {key or '(ignored)'}"
                                      for header, key in zip(batch.headers, batch.mapping,
                                                             strict=True)))
        with tqdm(total=batch.total_rows * (1 if options["dry_run"] else 2), unit="row",
                  file=self.stderr) as bar:
            def advance(current: ImportBatch) -> None:
                base = batch.total_rows if current.state == ImportBatch.State.WRITING else 0
                bar.update(base + current.processed_rows - bar.n)

            batch = services.batch_start(actor=actor, batch=batch, dry_run=options["dry_run"],
                                         here=True, on_progress=advance)
        self._report(batch)

    @staticmethod
    def _mapping(text: str) -> Any:
        try:
            mapping = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(f"--mapping is not JSON: {error}") from error
        if not isinstance(mapping, list | dict):
            raise CommandError("--mapping must be a list or an object.")
        return mapping

    def _report(self, batch: ImportBatch) -> None:
        self.stdout.write(f"{batch.get_state_display()}: {batch.created_count} to create, "
                          f"{batch.updated_count} to update, {batch.skipped_count} skipped, "
                          f"{batch.failed_count} failed." if batch.dry_run else
                          f"{batch.get_state_display()}: {batch.created_count} created, "
                          f"{batch.updated_count} updated, {batch.skipped_count} skipped, "
                          f"{batch.failed_count} failed.")
        for problem in batch.problems[:SHOWN_PROBLEMS]:
            column = f" [{problem['column']}]" if problem["column"] else ""
            self.stdout.write(f"  row {problem['row']}{column}: {problem['message']}")
        if len(batch.problems) > SHOWN_PROBLEMS:
            self.stdout.write(f"  … and {len(batch.problems) - SHOWN_PROBLEMS} more")
        if batch.state == ImportBatch.State.FAILED:
            raise CommandError(batch.message)
        if batch.failed_count:
            raise CommandError(f"{batch.failed_count} rows have errors"
                               + ("; the other rows were imported." if batch.state
                                  == ImportBatch.State.DONE else "."))
        if batch.state == ImportBatch.State.DONE:
            self.stdout.write(f"Undo with: stageflow import --undo {batch.pk}")

    def _undo(self, actor: User, batch_id: int, keep_changed: bool) -> None:
        batch = ImportBatch.objects.filter(pk=batch_id).first()
        if batch is None:
            raise CommandError(f"No import {batch_id}.")
        batch = services.batch_undo(actor=actor, batch=batch, keep_changed=keep_changed)
        self.stdout.write(batch.message)
