"""With REDIS_URL set, messages go through RQ: `stageflow worker --once` runs them there.

Runs when a Redis server answers (always in CI, where one is required), like PostgreSQL.
"""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from stageflow.communications.services import outbox_enqueue

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_queue(settings, tmp_path):
    if not _redis_answers():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI but {REDIS_TEST_URL} does not answer.")
        pytest.skip(f"no Redis server at {REDIS_TEST_URL}")
    import redis

    redis.Redis.from_url(REDIS_TEST_URL).flushdb()
    with override_settings(
            TASKS={"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
            RQ_QUEUES={"default": {"URL": REDIS_TEST_URL}},
            INSTALLED_APPS=[*settings.INSTALLED_APPS, "django_rq"],
            # RQ runs each job in a child process: mail is written to files the test reads.
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(tmp_path)):
        yield tmp_path


@pytest.mark.django_db(transaction=True)
def test_a_message_queued_with_redis_is_delivered_by_the_worker(redis_queue):
    with transaction.atomic():
        message = outbox_enqueue(channel="email", to="office@pool.test", subject="Quote accepted",
                                 body="Book the first visit.", idempotency_key="redis-1")

    call_command("worker", "--once")

    message.refresh_from_db()
    written = [path.read_text() for path in redis_queue.iterdir()]
    assert message.status == "sent"
    assert len(written) == 1
    assert "Subject: Quote accepted" in written[0]
