"""The one place where errors become API responses: `{"error": {code, message, fields}}`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from stageflow.core.errors import StageflowError

_HTTP_CODES = {400: "malformed", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid"}


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _field_path(location: list[Any]) -> str:
    # Pydantic locations start with where the value came from ("body", "query", the schema).
    parts = [str(part) for part in location if part not in ("body", "query", "path", "payload")]
    return ".".join(parts) or "body"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(StageflowError)
    def stageflow_error(request: HttpRequest, error: StageflowError) -> HttpResponse:
        return api.create_response(request, error_body(error.code, error.message, error.fields),
                                   status=error.http_status)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
        fields: dict[str, str] = {}
        for problem in error.errors:
            fields.setdefault(_field_path(list(problem.get("loc", []))), str(problem.get("msg")))
        return api.create_response(
            request, error_body("malformed", "The request is not valid.", fields), status=400)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request, error_body("not_authenticated", "Sign in or send a bearer token."),
            status=401)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
        code = _HTTP_CODES.get(error.status_code, "error")
        return api.create_response(request, error_body(code, str(error)),
                                   status=error.status_code)
