"""`stageflow backup FILE`: the whole workspace (every table and stored file) in one zip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from stageflow.commands.backup import backup_create


class Command(BaseCommand):
    help = ("Back up the whole workspace (every record, user and setting, and every uploaded "
            "file) into one zip archive; `stageflow restore FILE` brings it back.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The archive to write (e.g. backup.zip).")

    def handle(self, *args: Any, **options: Any) -> None:
        report = self.stdout.write if options["verbosity"] > 1 else None
        outcome = backup_create(options["file"], report=report)
        self.stdout.write(self.style.SUCCESS(
            f"Backed up {outcome.rows} rows and {outcome.files} files to {options['file']}."))
