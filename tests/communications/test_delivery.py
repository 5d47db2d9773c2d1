"""Delivery to real servers on loopback: SMTP (aiosmtpd), an SMS gateway and a webhook receiver.

Time is moved through the `core.clock` seam rather than by patching the whole process, so the
server threads keep their own clocks.
"""

from __future__ import annotations

import datetime as dt
import email
import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from stageflow.communications import delivery, services
from stageflow.communications.delivery import claim, deliver_message, requeue_due
from stageflow.communications.models import OutboxMessage
from stageflow.communications.sms import key_digest
from stageflow.core import clock

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
SECRET = "webhook-secret"


@dataclass
class Clock:
    now: dt.datetime

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moment = Clock(START)
    monkeypatch.setattr(clock, "now", lambda: moment.now)
    return moment


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mailbox:
    def __init__(self) -> None:
        self.received: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                               EMAIL_HOST="127.0.0.1", EMAIL_PORT=port, EMAIL_USE_TLS=False,
                               EMAIL_USE_SSL=False, EMAIL_HOST_USER="",
                               EMAIL_HOST_PASSWORD="",
                               DEFAULT_FROM_EMAIL="Acme <sales@acme.example>"):
            yield mailbox
    finally:
        controller.stop()


@dataclass
class Receiver:
    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    # Answers to give, in order; 200 once they run out.
    answers: list[int] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    received = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.requests.append({"path": self.path, "headers": self.headers,
                                      "body": body})
            status = received.answers.pop(0) if received.answers else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    received.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()


def _email(key: str = "mail-1") -> OutboxMessage:
    return services.outbox_enqueue(channel="email", to="jane@example.com",
                                   subject="Your course “Intro”", body="Dear Jane,\nSee you.",
                                   idempotency_key=key)


def _webhook(url: str, key: str = "hook-1") -> OutboxMessage:
    return services.outbox_enqueue(channel="webhook", to=url + "/hooks/won",
                                   payload={"json": {"event": "won", "id": 7}},
                                   idempotency_key=key)


def _reload(message: OutboxMessage) -> OutboxMessage:
    message.refresh_from_db()
    return message


# --- email -----------------------------------------------------------------------------------

def test_email_reaches_a_real_smtp_server_with_a_stable_message_id(db, smtp_server, frozen):
    message = _email()

    outcome = deliver_message.call(message.pk)

    assert outcome == "sent"
    assert len(smtp_server.received) == 1
    envelope = smtp_server.received[0]
    parsed = email.message_from_bytes(envelope.content, policy=policy.default)
    digest = hashlib.sha256(b"mail-1").hexdigest()[:40]
    assert envelope.rcpt_tos == ["jane@example.com"]
    assert envelope.mail_from == "sales@acme.example"
    assert parsed["Subject"] == "Your course “Intro”"
    assert parsed["Message-ID"] == f"<{digest}@acme.example>"
    assert parsed.get_content().replace("\r\n", "\n").strip() == "Dear Jane,\nSee you."
    message = _reload(message)
    assert (message.status, message.sent_at, message.attempts, message.claimed_until) == (
        "sent", START, 1, None)


def test_a_sent_message_is_never_sent_again(db, smtp_server, frozen):
    message = _email()
    deliver_message.call(message.pk)
    frozen.advance(hours=1)

    again = deliver_message.call(message.pk)
    requeued = requeue_due()

    assert (again, requeued) == ("not_due", 0)
    assert len(smtp_server.received) == 1


def test_an_unreachable_mail_server_is_retried_later(db, frozen):
    message = _email()

    with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                           EMAIL_HOST="127.0.0.1", EMAIL_PORT=_free_port(), EMAIL_TIMEOUT=2):
        outcome = deliver_message.call(message.pk)

    message = _reload(message)
    assert outcome == "pending"
    assert (message.attempts, message.next_attempt_at) == (1, START + dt.timedelta(minutes=1))
    assert "ConnectionRefusedError" in message.last_error


# --- text messages ---------------------------------------------------------------------------

def test_sms_through_the_http_gateway(db, receiver, settings, frozen):
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = receiver.url + "/messages"
    settings.SMS_HTTP_TOKEN = "gateway-token"
    settings.SMS_SENDER = "Acme"
    message = services.outbox_enqueue(channel="sms", to="+31 6 12345678",
                                      body="See you at 9, Jane", idempotency_key="sms-1")

    outcome = deliver_message.call(message.pk)

    assert outcome == "sent"
    [request] = receiver.requests
    assert request["path"] == "/messages"
    assert request["headers"]["Authorization"] == "Bearer gateway-token"
    assert request["headers"]["Idempotency-Key"] == "sms-1"
    assert request["headers"]["Content-Type"] == "application/json"
    assert json.loads(request["body"]) == {"to": "+31612345678", "from": "Acme",
                                           "text": "See you at 9, Jane"}


def test_a_resent_sms_file_replaces_the_first(db, settings, frozen):
    message = services.outbox_enqueue(channel="sms", to="+31612345678", body="Hi",
                                      idempotency_key="sms-file")
    deliver_message.call(message.pk)
    # A worker that died after writing the file sends the message a second time.
    OutboxMessage.objects.filter(pk=message.pk).update(status="pending")
    deliver_message.call(message.pk)

    files = list(Path(settings.SMS_FILE_DIR).iterdir())
    assert [f.name for f in files] == [f"{key_digest('sms-file')}.json"]
    assert json.loads(files[0].read_text())["text"] == "Hi"


# --- webhooks --------------------------------------------------------------------------------

def test_a_webhook_is_signed_with_hmac(db, receiver, settings, frozen):
    settings.STAGEFLOW_WEBHOOK_SECRET = SECRET
    message = _webhook(receiver.url)

    deliver_message.call(message.pk)

    [request] = receiver.requests
    expected = hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
    assert request["path"] == "/hooks/won"
    assert json.loads(request["body"]) == {"event": "won", "id": 7}
    assert request["headers"]["X-Stageflow-Signature"] == f"sha256={expected}"
    assert request["headers"]["Idempotency-Key"] == "hook-1"
    assert request["headers"]["Content-Type"] == "application/json"
    assert _reload(message).status == "sent"


def test_a_failing_receiver_is_retried_with_back_off(db, receiver, frozen):
    receiver.answers = [500, 500, 500]
    message = _webhook(receiver.url)
    waits = []

    for _attempt in range(3):
        assert deliver_message.call(message.pk) == "pending"
        message = _reload(message)
        waits.append(message.next_attempt_at - frozen.now)
        assert deliver_message.call(message.pk) == "not_due"  # too early: nothing is sent
        frozen.advance(seconds=(message.next_attempt_at - frozen.now).total_seconds())
    final = deliver_message.call(message.pk)

    message = _reload(message)
    assert waits == [dt.timedelta(minutes=1), dt.timedelta(minutes=5),
                     dt.timedelta(minutes=25)]
    assert (final, message.status, message.attempts) == ("sent", "sent", 4)
    assert len(receiver.requests) == 4
    assert message.last_error == ""


def test_after_five_attempts_the_message_fails_with_the_last_error(db, receiver, frozen):
    receiver.answers = [503] * 5
    message = _webhook(receiver.url)

    outcomes = []
    for _attempt in range(5):
        outcomes.append(deliver_message.call(message.pk))
        frozen.advance(days=1)
    late = deliver_message.call(message.pk)

    message = _reload(message)
    assert outcomes == ["pending"] * 4 + ["failed"]
    assert late == "not_due"
    assert (message.status, message.attempts, message.next_attempt_at) == ("failed", 5, None)
    assert message.last_error.startswith("DeliveryError: HTTP 503 from ")
    assert len(receiver.requests) == 5


def test_the_due_retries_are_requeued(db, receiver, frozen):
    receiver.answers = [500]
    message = _webhook(receiver.url)
    deliver_message.call(message.pk)

    before = requeue_due()
    frozen.advance(minutes=1)
    after = requeue_due()

    assert (before, after) == (0, 1)


# --- a worker that dies ----------------------------------------------------------------------

def test_a_killed_worker_s_message_is_delivered_exactly_once(db, smtp_server, frozen):
    message = _email()
    # A worker claims the message, then dies before sending or marking it.
    assert claim(message.pk, frozen.now) is not None
    assert deliver_message.call(message.pk) == "not_due"  # its lease still holds

    frozen.advance(seconds=delivery.LEASE.total_seconds() + 1)
    requeued = requeue_due()
    outcome = deliver_message.call(message.pk)
    again = deliver_message.call(message.pk)

    message = _reload(message)
    assert (requeued, outcome, again) == (1, "sent", "not_due")
    assert (message.status, message.attempts) == ("sent", 2)
    assert len(smtp_server.received) == 1


def test_a_message_whose_task_was_lost_is_requeued_after_a_minute(db, frozen):
    message = _email()  # the on-commit enqueue never runs in this test: as if it was lost
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=START)

    assert requeue_due(START + dt.timedelta(seconds=30)) == 0
    assert requeue_due(START + dt.timedelta(seconds=61)) == 1


def test_a_worker_past_its_lease_does_not_overwrite_the_new_outcome(db, smtp_server, frozen):
    message = _email()
    slow = claim(message.pk, frozen.now)
    assert slow is not None
    frozen.advance(minutes=10)
    deliver_message.call(message.pk)

    # The slow worker finally fails: its outcome must not replace "sent".
    assert delivery._finish(slow, status="pending", last_error="late") is False
    assert _reload(message).status == "sent"


def test_each_sms_backend_is_registered_and_an_unknown_one_is_a_delivery_error(db, settings,
                                                                             frozen):
    from stageflow.communications.sms import BACKENDS

    settings.SMS_BACKEND = "carrier-pigeon"
    message = services.outbox_enqueue(channel="sms", to="+31612345678", body="Hi",
                                      idempotency_key="sms-unknown")

    outcome = deliver_message.call(message.pk)

    assert set(BACKENDS) == {"console", "file", "http"}
    assert outcome == "pending"
    assert _reload(message).last_error.startswith(
        "DeliveryError: Unknown SMS_BACKEND 'carrier-pigeon'")


def test_the_console_backend_prints_the_text(db, settings, frozen, capsys):
    settings.SMS_BACKEND = "console"
    message = services.outbox_enqueue(channel="sms", to="+31612345678", body="Hello there",
                                      idempotency_key="sms-console")

    deliver_message.call(message.pk)

    assert "Hello there" in capsys.readouterr().out
    assert _reload(message).status == "sent"
