"""`stageflow restore FILE [--replace]`: bring back a workspace saved by `stageflow backup`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stageflow.commands.backup import backup_restore
from stageflow.core.errors import StageflowError


class Command(BaseCommand):
    help = ("Restore a backup made by `stageflow backup` into a migrated database. Refuses a "
            "database that already holds a workspace unless --replace; all or nothing.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The archive `stageflow backup` wrote.")
        parser.add_argument("--replace", action="store_true",
                            help="Delete the workspace in this database and put the backup's "
                                 "in its place.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = self.stdout.write if options["verbosity"] > 1 else None
        try:
            outcome = backup_restore(options["file"], replace=options["replace"],
                                     report=report)
        except StageflowError as error:
            raise CommandError(error.message) from error
        made = outcome.manifest
        self.stdout.write(self.style.SUCCESS(
            f"Restored {outcome.rows} rows and {outcome.files} files from {options['file']} "
            f"(made {made.get('created_at')} by Stageflow {made.get('stageflow_version')})."))
