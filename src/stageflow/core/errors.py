"""Error types with a stable `code`; the API and the web map them to responses in one place each."""

from __future__ import annotations

from collections.abc import Mapping


class StageflowError(Exception):
    """Base error: a stable machine `code`, a human `message` and per-field reasons."""

    code = "error"
    http_status = 400

    def __init__(self, message: str, *, fields: Mapping[str, str] | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, str] = dict(fields or {})
        if code is not None:
            self.code = code


class InvalidInput(StageflowError):
    """The request is well formed but a value breaks a rule of its field."""

    code = "invalid"
    http_status = 422


class MalformedRequest(StageflowError):
    code = "malformed"
    http_status = 400


class NotSignedIn(StageflowError):
    code = "not_authenticated"
    http_status = 401


class NotAllowed(StageflowError):
    code = "forbidden"
    http_status = 403


class NotFound(StageflowError):
    """Unknown, or outside the caller's scope: the two are never told apart."""

    code = "not_found"
    http_status = 404


class StaleVersion(StageflowError):
    code = "stale"
    http_status = 409


class Conflict(StageflowError):
    code = "conflict"
    http_status = 409


class RuleRefused(StageflowError):
    code = "refused"
    http_status = 422
