"""`stageflow optimize`: refresh the database's statistics so it plans queries well.

Run it after a large import and from time to time (the worker does so nightly once scheduled);
SQLite in particular picks slow plans for scoped lists without statistics.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = "Refresh the query planner's statistics (ANALYZE)."

    def handle(self, *args: Any, **options: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA optimize")
        self.stdout.write(self.style.SUCCESS("Database statistics refreshed."))
