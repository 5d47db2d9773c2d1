"""`stageflow demo` builds the demo workspace once, however often it runs."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from stageflow.accounts.models import Account, AccountContact, Contact
from stageflow.core.models import HistoryEntry
from stageflow.packs.training.models import Course
from stageflow.people.models import Office, User
from stageflow.pipelines.models import Pipeline, PipelineVersion
from stageflow.queues.models import WorkQueue
from stageflow.quotes.models import Estimate, PriceBookItem
from stageflow.scheduling.models import Appointment


def _counts() -> tuple[int, ...]:
    return (Office.objects.count(), User.objects.count(), Account.objects.count(),
            Contact.objects.count(), AccountContact.objects.count(),
            HistoryEntry.objects.count(), PipelineVersion.objects.count(),
            Estimate.objects.count(), Appointment.objects.count(), Course.objects.count())


def test_demo_creates_a_user_per_role_and_customers_and_prints_sign_ins(db):
    out = StringIO()

    call_command("demo", "--password", "s3cret-demo", stdout=out)

    printed = out.getvalue()
    roles = set(User.objects.filter(is_automation=False).values_list("roles__key", flat=True))
    assert roles == {"administrator", "sales_manager", "salesperson", "office", "marketing",
                     "service_manager", "technician"}
    assert "sales1" in printed
    assert "s3cret-demo" in printed
    assert User.objects.get(username="sales1").check_password("s3cret-demo")
    assert Account.objects.filter(parent__isnull=False).exists()
    assert Office.objects.count() == 2
    live = Pipeline.objects.filter(live_version__isnull=False)
    assert live.count() == 8
    assert set(Pipeline.objects.filter(is_default=True).values_list("record_type", flat=True)) \
        == {"lead", "opportunity"}


def test_demo_has_sales_work_on_every_screen(db):
    call_command("demo", stdout=StringIO())

    assert PriceBookItem.objects.filter(code="FR-FURN-60K").exists()
    assert sorted(Estimate.objects.values_list("status", flat=True)) == ["draft", "sent"]
    assert sorted(Appointment.objects.values_list("status", flat=True)) == [
        "scheduled", "scheduled", "unassigned"]
    assert Course.objects.count() == 2
    assert set(WorkQueue.objects.values_list("name", flat=True)) >= {
        "Quote", "Sales Followup", "Schedule"}


def test_running_demo_twice_duplicates_nothing(db):
    call_command("demo", stdout=StringIO())
    before = _counts()

    call_command("demo", stdout=StringIO())

    assert _counts() == before


def test_optimize_refreshes_statistics(db):
    out = StringIO()

    call_command("optimize", stdout=out)

    assert "refreshed" in out.getvalue()
