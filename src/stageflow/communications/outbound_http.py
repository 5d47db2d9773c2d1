"""POSTing JSON to other systems (SMS gateways, webhooks) with the standard library only."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings


class DeliveryError(Exception):
    """The receiving side did not take the message; worth trying again later."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would re-send (or silently drop) a POST body somewhere the sender never named.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post_json(url: str, body: bytes, headers: Mapping[str, str]) -> int:
    """POST `body` to an http(s) URL; DeliveryError unless the answer is 2xx."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryError(f"Not an http(s) address: {url}")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        url, data=body, method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "Stageflow",
                 **headers})
    try:
        with _OPENER.open(request, timeout=settings.STAGEFLOW_HTTP_TIMEOUT) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        detail = error.read(500).decode("utf-8", "replace")
        raise DeliveryError(f"HTTP {error.code} from {url}: {detail}".strip()) from error
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        raise DeliveryError(f"Could not reach {url}: {error}") from error
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status} from {url}")
    return status
