"""`stageflow serve`: the production WSGI server (waitress) on one address."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from waitress import serve

from stageflow.wsgi import application


class Command(BaseCommand):
    help = "Serve Stageflow over HTTP with waitress (static files included)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Stageflow is serving on http://{options['host']}:{options['port']}/ "
                          "(Ctrl+C stops it)")
        serve(application, host=options["host"], port=options["port"],
              threads=options["threads"], ident="stageflow")
