"""GET /healthz checks the database."""

from __future__ import annotations

from unittest import mock

from django.db import DatabaseError


def test_healthz_is_200_when_the_database_answers(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_does_not_answer(client, db):
    with mock.patch("stageflow.web.health.connection.cursor", side_effect=DatabaseError("down")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_responses_carry_server_timing_and_security_headers(client, db):
    response = client.get("/healthz")

    assert response["Server-Timing"].startswith("app;dur=")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
