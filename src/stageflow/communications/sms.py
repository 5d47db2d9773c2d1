"""Text message backends, chosen by settings.SMS_BACKEND: "console", "file" or "http"."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Protocol

from django.conf import settings

from stageflow.communications.outbound_http import DeliveryError, post_json


class SmsBackend(Protocol):
    def send(self, *, to: str, text: str, idempotency_key: str) -> None: ...


def key_digest(idempotency_key: str) -> str:
    """A file-name-safe stand-in for an idempotency key (keys hold ":" and user text)."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]


class ConsoleSmsBackend:
    """Prints each message: for development, like Django's console email backend."""

    def send(self, *, to: str, text: str, idempotency_key: str) -> None:
        sys.stdout.write(f"SMS from {settings.SMS_SENDER} to {to} [{idempotency_key}]\n"
                         f"{text}\n{'-' * 40}\n")
        sys.stdout.flush()


class FileSmsBackend:
    """One JSON file per message; a re-send overwrites its file instead of adding one."""

    def send(self, *, to: str, text: str, idempotency_key: str) -> None:
        folder = Path(settings.SMS_FILE_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{key_digest(idempotency_key)}.json"
        partial = target.with_suffix(".part")
        partial.write_text(json.dumps({"to": to, "from": settings.SMS_SENDER, "text": text,
                                       "idempotency_key": idempotency_key}, ensure_ascii=False))
        os.replace(partial, target)


class HttpSmsBackend:
    """A JSON POST to an SMS gateway; the Idempotency-Key lets it drop a repeat."""

    def send(self, *, to: str, text: str, idempotency_key: str) -> None:
        url = settings.SMS_HTTP_URL
        if not url:
            raise DeliveryError("SMS_HTTP_URL is not set.")
        body = json.dumps({"to": to, "from": settings.SMS_SENDER, "text": text}).encode()
        headers = {"Idempotency-Key": idempotency_key}
        if settings.SMS_HTTP_TOKEN:
            headers["Authorization"] = f"Bearer {settings.SMS_HTTP_TOKEN}"
        post_json(url, body, headers)


BACKENDS: dict[str, type[SmsBackend]] = {"console": ConsoleSmsBackend, "file": FileSmsBackend,
                                         "http": HttpSmsBackend}


def sms_backend() -> SmsBackend:
    backend = BACKENDS.get(settings.SMS_BACKEND)
    if backend is None:
        raise DeliveryError(f"Unknown SMS_BACKEND {settings.SMS_BACKEND!r}: use "
                            f"{', '.join(BACKENDS)}.")
    return backend()
