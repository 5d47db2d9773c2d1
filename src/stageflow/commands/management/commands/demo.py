"""`stageflow demo`: create (or complete) the demo workspace and print each sign-in."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from stageflow.commands.demo_workspace import load_demo_workspace


class Command(BaseCommand):
    help = "Create the demo workspace (offices, a user per role, customers). Safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", default="demo",
                            help="Password for new demo users (default: demo).")

    def handle(self, *args: Any, **options: Any) -> None:
        sign_ins = load_demo_workspace(password=options["password"])
        self.stdout.write(self.style.SUCCESS("Demo workspace ready. Sign in with:"))
        width = max(len(s.username) for s in sign_ins)
        for sign_in in sign_ins:
            self.stdout.write(f"  {sign_in.username.ljust(width)}  {sign_in.role:<16} "
                              f"offices: {sign_in.offices}")
        self.stdout.write(f"Password for new users: {options['password']}")
