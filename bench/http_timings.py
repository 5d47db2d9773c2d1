"""Signing in over HTTP and timing GET requests: the server's own time and the client's."""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field

import requests
from timing import percentile

SERVER_TIMING = re.compile(r"\bapp;dur=([0-9.]+)")
REQUEST_TIMEOUT_SECONDS = 60.0


class BenchError(RuntimeError):
    """A request that did not succeed: the benchmark stops rather than report nonsense."""


@dataclass(frozen=True)
class Visitor:
    """One signed-in person: a browser session for pages and a bearer token for the API."""

    who: str
    browser: requests.Session
    api: requests.Session


@dataclass(frozen=True)
class Endpoint:
    """What to request; `paths` are taken in turn (e.g. a different account each time).
    `headers` are sent with each request, e.g. htmx's for a fragment the page loads lazily."""

    name: str
    paths: tuple[str, ...]
    target_ms: float | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Measurement:
    endpoint: Endpoint
    who: str
    server_ms: list[float] = field(default_factory=list)
    client_ms: list[float] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.server_ms)

    @property
    def p95_ms(self) -> float:
        return percentile(self.server_ms, 95)

    @property
    def client_p95_ms(self) -> float:
        return percentile(self.client_ms, 95)

    @property
    def meets_target(self) -> bool | None:
        if self.endpoint.target_ms is None:
            return None
        return self.p95_ms < self.endpoint.target_ms


def _checked(response: requests.Response, expected: int, what: str) -> requests.Response:
    if response.status_code != expected:
        body = " ".join(response.text.split())[:200]
        raise BenchError(f"{what}: HTTP {response.status_code} (expected {expected}): {body}")
    return response


def sign_in(base_url: str, who: str, username: str, password: str) -> Visitor:
    """Sign in through the /login/ form (with its CSRF token) and get an API token."""
    browser = requests.Session()
    _checked(browser.get(f"{base_url}/login/", timeout=REQUEST_TIMEOUT_SECONDS), 200,
             f"{who}: GET /login/")
    csrf_token = browser.cookies.get("csrftoken")
    if not csrf_token:
        raise BenchError(f"{who}: the sign-in page set no csrftoken cookie")
    response = browser.post(
        f"{base_url}/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": csrf_token},
        headers={"Referer": f"{base_url}/login/"},
        allow_redirects=False, timeout=REQUEST_TIMEOUT_SECONDS,
    )
    _checked(response, 302, f"{who}: POST /login/ (a 200 means the sign-in was refused)")
    if "sessionid" not in browser.cookies:
        raise BenchError(f"{who}: signed in but got no session cookie")

    api = requests.Session()
    response = api.post(f"{base_url}/api/v1/auth/token",
                        json={"username": username, "password": password, "name": "bench"},
                        timeout=REQUEST_TIMEOUT_SECONDS)
    token = _checked(response, 201, f"{who}: POST /api/v1/auth/token").json()["token"]
    api.headers["Authorization"] = f"Bearer {token}"
    return Visitor(who=who, browser=browser, api=api)


def _timed_get(session: requests.Session, base_url: str, path: str, who: str,
               headers: dict[str, str]) -> tuple[float, float]:
    """One GET: (server ms from the Server-Timing header, client wall-clock ms)."""
    started = time.perf_counter()
    response = session.get(f"{base_url}{path}", headers=headers, allow_redirects=False,
                           timeout=REQUEST_TIMEOUT_SECONDS)
    client_ms = (time.perf_counter() - started) * 1000
    _checked(response, 200, f"{who}: GET {path}")
    match = SERVER_TIMING.search(response.headers.get("Server-Timing", ""))
    if match is None:
        raise BenchError(f"{who}: GET {path} has no 'Server-Timing: app;dur=' header")
    return float(match.group(1)), client_ms


@dataclass(frozen=True)
class Plan:
    """How many requests per endpoint, bounded by count and by time."""

    requests: int = 200
    warm_up: int = 5
    min_requests: int = 20
    budget_seconds: float = 8.0


def measure(session: requests.Session, base_url: str, endpoint: Endpoint, who: str,
            plan: Plan) -> Measurement:
    """Warm up, then time up to `plan.requests` requests (fewer once the time budget is spent,
    but never fewer than `plan.min_requests`)."""
    paths, headers = endpoint.paths, dict(endpoint.headers)
    for n in range(plan.warm_up):  # with enough paths, not ones timed below
        _timed_get(session, base_url, paths[(plan.requests + n) % len(paths)], who, headers)
    measurement = Measurement(endpoint=endpoint, who=who)
    deadline = time.monotonic() + plan.budget_seconds
    for n in range(plan.requests):
        if n >= plan.min_requests and time.monotonic() > deadline:
            break
        server_ms, client_ms = _timed_get(session, base_url, paths[n % len(paths)], who,
                                          headers)
        measurement.server_ms.append(server_ms)
        measurement.client_ms.append(client_ms)
    return measurement
