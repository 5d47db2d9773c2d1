"""Delivering outbox messages: claim with a lease, send, record the outcome; retry with back-off.

A worker first claims a message in one UPDATE (so two workers never both send it), then sends
outside any transaction, then marks it sent. A worker that dies between claiming and marking
leaves a lease that runs out; `requeue_due` hands the message to another worker. That second
attempt may repeat a send the first worker finished, so every channel carries a key derived
from the idempotency key (Message-ID, Idempotency-Key header, SMS file name) for the receiver
to drop the repeat.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django_tasks import task

from stageflow.communications.models import OutboxMessage
from stageflow.communications.outbound_http import DeliveryError, post_json
from stageflow.communications.sms import sms_backend
from stageflow.core import clock

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status
Channel = OutboxMessage.Channel

# Longer than the slowest send may take (SMTP and HTTP time out well before).
LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
BACKOFF_BASE_MINUTES = 1
BACKOFF_FACTOR = 5
# A message whose enqueue after commit was lost (the process stopped) is picked up after this.
UNQUEUED_GRACE = dt.timedelta(minutes=1)
REQUEUE_BATCH = 1000


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: 1, 5, 25, 125… minutes."""
    return dt.timedelta(minutes=BACKOFF_BASE_MINUTES * BACKOFF_FACTOR ** max(attempts - 1, 0))


def message_id_header(message: OutboxMessage) -> str:
    """The same Message-ID for every attempt at one message, so a receiver can drop repeats."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = address.rpartition("@")[2] or "stageflow.invalid"
    digest = hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


def webhook_signature(body: bytes) -> str:
    secret = settings.STAGEFLOW_WEBHOOK_SECRET.encode()
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def _send_email(message: OutboxMessage) -> None:
    email = EmailMessage(subject=message.subject, body=message.body,
                         from_email=settings.DEFAULT_FROM_EMAIL, to=[message.to],
                         headers={"Message-ID": message_id_header(message)})
    if email.send(fail_silently=False) != 1:
        raise DeliveryError("The mail server did not accept the message.")


def _send_sms(message: OutboxMessage) -> None:
    sms_backend().send(to=message.to, text=message.body,
                       idempotency_key=message.idempotency_key)


def _send_webhook(message: OutboxMessage) -> None:
    body = message.body.encode()
    headers = {"Idempotency-Key": message.idempotency_key}
    if settings.STAGEFLOW_WEBHOOK_SECRET:
        headers["X-Stageflow-Signature"] = webhook_signature(body)
    post_json(message.to, body, headers)


SENDERS = {Channel.EMAIL: _send_email, Channel.SMS: _send_sms, Channel.WEBHOOK: _send_webhook}


def claim(message_id: int, now: dt.datetime) -> OutboxMessage | None:
    """Take the message for this worker if it is due (or its last worker's lease ran out)."""
    due = Q(status=Status.PENDING) & (Q(next_attempt_at__isnull=True)
                                      | Q(next_attempt_at__lte=now))
    abandoned = Q(status=Status.SENDING, claimed_until__lt=now)
    taken = OutboxMessage.objects.filter(due | abandoned, pk=message_id).update(
        status=Status.SENDING, claimed_until=now + LEASE, attempts=F("attempts") + 1)
    return OutboxMessage.objects.get(pk=message_id) if taken else None


def _finish(message: OutboxMessage, **changes: object) -> bool:
    # Only while our lease is the current one: a worker that overran its lease must not
    # overwrite the outcome of the worker that took over.
    return bool(OutboxMessage.objects.filter(
        pk=message.pk, status=Status.SENDING, claimed_until=message.claimed_until,
    ).update(claimed_until=None, **changes))


def _schedule_retry(message_id: int, when: dt.datetime) -> None:
    deferred = deliver_message.using(run_after=when)
    if deferred.get_backend().supports_defer:
        deferred.enqueue(message_id)
    # Otherwise `requeue_due`, run by the scheduler, picks the message up when it is due.


def deliver(message_id: int) -> str:
    """Try to send one message now; returns the status it ends in (or "not_due")."""
    now = clock.now()
    message = claim(message_id, now)
    if message is None:
        return "not_due"
    try:
        SENDERS[Channel(message.channel)](message)
    except Exception as error:
        # Whatever went wrong (a refused address, a bad setting, a bug) is recorded on the
        # message and retried; a worker must never lose a message to an exception.
        reason = f"{type(error).__name__}: {error}"[:2000]
        if message.attempts >= MAX_ATTEMPTS:
            _finish(message, status=Status.FAILED, last_error=reason, next_attempt_at=None)
            logger.warning("Message %s failed for good: %s", message_id, reason)
            return Status.FAILED
        retry_at = clock.now() + backoff(message.attempts)
        if _finish(message, status=Status.PENDING, last_error=reason, next_attempt_at=retry_at):
            _schedule_retry(message_id, retry_at)
        logger.info("Message %s attempt %s failed, retry at %s: %s", message_id,
                    message.attempts, retry_at, reason)
        return Status.PENDING
    if not _finish(message, status=Status.SENT, sent_at=clock.now(), next_attempt_at=None,
                   last_error=""):
        logger.warning("Message %s was sent after its lease ran out", message_id)
    return Status.SENT


@task()
def deliver_message(message_id: int) -> str:
    """The background task: deliver one outbox message (safe to run more than once)."""
    return deliver(message_id)


def requeue_due(now: dt.datetime | None = None) -> int:
    """Queue delivery of every message that is due and not being sent; returns how many.

    Due: waiting with its retry time reached, waiting with no task for over a minute (its
    enqueue was lost), or claimed by a worker whose lease ran out.
    """
    now = now or clock.now()
    due = OutboxMessage.objects.filter(
        Q(status=Status.PENDING, next_attempt_at__lte=now)
        | Q(status=Status.PENDING, next_attempt_at__isnull=True,
            created_at__lte=now - UNQUEUED_GRACE)
        | Q(status=Status.SENDING, claimed_until__lt=now),
    ).order_by("id").values_list("pk", flat=True)[:REQUEUE_BATCH]
    message_ids = list(due)
    for message_id in message_ids:
        deliver_message.enqueue(message_id)
    return len(message_ids)
