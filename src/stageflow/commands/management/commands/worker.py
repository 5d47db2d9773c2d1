"""`stageflow worker`: deliver queued messages and run the timed automation scans.

With the database queue (the default) one process does both: it drains the task queue, and
every `--scan-every` seconds scans timed rules, re-queues messages due for a retry, marks sent
estimates past their validity date as expired, and once a day refreshes the database
statistics. With REDIS_URL set, tasks run in an RQ worker and this
process's scan loop runs beside it. `--once` does one scan and drains the queue, for cron or
tests.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from stageflow.automation.scheduler import run_scans
from stageflow.core import clock
from stageflow.quotes.services import estimates_expire_due

logger = logging.getLogger(__name__)
DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"
# RQ must run jobs with the Tasks API's job class, which calls the task function.
RQ_JOB_CLASS = "django_tasks_rq.backend.Job"


def drain_database_queue() -> None:
    """Run every task waiting in the database queue, then return."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(queue_names=["*"], interval=0, batch=True, backend_name="default",
           startup_delay=False, max_tasks=None, worker_id=f"stageflow-{os.getpid()}",
           excluded_queue_names=[]).run()


class Command(BaseCommand):
    help = "Deliver queued messages and run timed automation rules."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true",
                            help="Scan once, run the queued tasks, and stop.")
        parser.add_argument("--interval", type=float, default=2.0,
                            help="Seconds between looks at the task queue (default 2).")
        parser.add_argument("--scan-every", type=float, default=60.0,
                            help="Seconds between timed-rule scans (default 60).")

    def handle(self, *args: Any, **options: Any) -> None:
        uses_database_queue = settings.TASKS["default"]["BACKEND"] == DATABASE_BACKEND
        if options["once"]:
            self._scan()
            if uses_database_queue:
                drain_database_queue()
            else:
                call_command("rqworker", "default", burst=True, job_class=RQ_JOB_CLASS)
            return
        if not uses_database_queue:
            threading.Thread(target=self._scan_forever, args=(options["scan_every"],),
                             daemon=True).start()
            call_command("rqworker", "default", job_class=RQ_JOB_CLASS)
            return
        self.stdout.write("Worker started: delivering messages and scanning timed rules.")
        next_scan = 0.0
        last_optimize: dt.date | None = None
        while True:
            if time.monotonic() >= next_scan:
                self._scan()
                next_scan = time.monotonic() + options["scan_every"]
                if last_optimize != clock.now().date():
                    call_command("optimize", verbosity=0)
                    last_optimize = clock.now().date()
            drain_database_queue()
            time.sleep(options["interval"])

    def _scan(self) -> None:
        report = run_scans()
        if report.fired or report.messages_requeued:
            self.stdout.write(f"Timed rules: {report.fired} fired ({report.failed} failed); "
                              f"{report.messages_requeued} message(s) queued for retry.")
        expired = estimates_expire_due(clock.now())
        if expired:
            self.stdout.write(f"{expired} estimate(s) expired.")

    def _scan_forever(self, every: float) -> None:
        while True:
            close_old_connections()
            try:
                self._scan()
            except Exception:  # the scan loop must outlive one bad scan
                logger.exception("Timed-rule scan failed")
            time.sleep(every)
