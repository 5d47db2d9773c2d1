"""Signing in for a token, using and revoking tokens, and the session with CSRF."""

from __future__ import annotations

import json

from django.test import Client, override_settings

from stageflow.people.models import ApiToken
from stageflow.people.signin import hash_token
from tests.conftest import PASSWORD


def test_token_endpoint_returns_a_working_token(api_as, sales_north):
    response = api_as(None).post("/auth/token", {"username": "sales_n", "password": PASSWORD})

    assert response.status_code == 201
    token = response.json()["token"]
    stored = ApiToken.objects.get(user=sales_north)
    assert stored.key_hash == hash_token(token)
    assert token not in {stored.key_hash, stored.prefix}
    me = Client().get("/api/v1/me/tokens", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert [t["name"] for t in me.json()] == ["API sign-in"]


def test_wrong_password_is_401_with_the_error_envelope(api_as, sales_north):
    response = api_as(None).post("/auth/token", {"username": "sales_n", "password": "nope"})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_credentials"
    assert not ApiToken.objects.exists()


@override_settings(STAGEFLOW_SIGNIN_MAX_FAILURES=3)
def test_repeated_failures_lock_the_user_name_even_for_the_right_password(api_as, sales_north):
    client = api_as(None)
    for _attempt in range(3):
        client.post("/auth/token", {"username": "sales_n", "password": "nope"})

    response = client.post("/auth/token", {"username": "sales_n", "password": PASSWORD})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "locked"
    assert not ApiToken.objects.exists()


def test_no_credentials_is_401(api_as, db):
    response = api_as(None).get("/accounts")

    assert response.status_code == 401
    assert response.json() == {"error": {"code": "not_authenticated",
                                         "message": "Sign in or send a bearer token.",
                                         "fields": {}}}


def test_revoked_token_no_longer_works(api_as, sales_north):
    client = api_as(sales_north)
    token_id = client.get("/me/tokens").json()[0]["id"]

    assert client.delete(f"/me/tokens/{token_id}").status_code == 204
    assert client.get("/accounts").status_code == 401


def test_users_cannot_revoke_each_others_tokens(api_as, sales_north, sales_south):
    theirs = api_as(sales_south)
    token_id = theirs.get("/me/tokens").json()[0]["id"]

    response = api_as(sales_north).delete(f"/me/tokens/{token_id}")

    assert response.status_code == 404
    assert theirs.get("/accounts").status_code == 200


def test_token_needs_a_name(api_as, sales_north):
    response = api_as(sales_north).post("/me/tokens", {"name": "  "})

    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"name": "required"}


def test_session_writes_need_the_csrf_token(sales_north):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sales_north)
    body = json.dumps({"name": "Via browser"})

    refused = client.post("/api/v1/accounts", body, content_type="application/json")
    client.get("/accounts/")  # the page sets the CSRF cookie, as in the browser
    accepted = client.post("/api/v1/accounts", body, content_type="application/json",
                           headers={"X-CSRFToken": client.cookies["csrftoken"].value})

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert accepted.status_code == 201


def test_openapi_document_and_docs_are_served(client):
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/accounts" in paths
    assert "/api/v1/auth/token" in paths
    assert client.get("/api/docs").status_code == 200
