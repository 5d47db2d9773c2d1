"""`stageflow worker --once`: one scan of the timed rules, then every queued message delivered."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from stageflow.automation.services import rule_save
from stageflow.communications.models import OutboxMessage
from stageflow.communications.services import template_save
from stageflow.core import clock
from stageflow.core.models import Via
from stageflow.pipelines.services import preset_install
from stageflow.sales import services as sales
from stageflow.sales.models import Lead


@pytest.mark.django_db(transaction=True)
def test_worker_once_scans_timed_rules_and_delivers_the_messages(admin, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    preset_install(actor=admin, via=Via.CLI, key="recruitment")
    template_save(actor=admin, values={"key": "nudge", "kind": "email", "names": {"en": "Nudge"},
                                       "subject": "Still there, {{ record.title }}?",
                                       "body": "Two weeks without news."})
    rule_save(actor=admin, values={
        "key": "nudge", "name": "Nudge after 14 days", "event": "lead.last_modified_older_than",
        "conditions": {"days": 14}, "actions": [
            {"action": "send_email", "params": {"template": "nudge", "to": "sales@example.com"}}]})
    start = clock.now()
    lead = sales.record_create(actor=admin, via=Via.API, kind="lead", values={"title": "Quiet"})

    with time_machine.travel(start + dt.timedelta(days=15)):
        call_command("worker", "--once")
        call_command("worker", "--once")

    message = OutboxMessage.objects.get(record_id=lead.pk)
    assert message.status == "sent"
    assert [(sent.to, sent.subject) for sent in mail.outbox] == [
        (["sales@example.com"], "Still there, Quiet?")]
    assert Lead.objects.get(pk=lead.pk).stage == "l_dorm"
