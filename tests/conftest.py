"""Shared test fixtures: offices, users with built-in roles, and API clients acting as them.

Django is imported inside the fixtures so that tests/engine runs without Django installed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from stageflow.accounts.models import Account, Contact
    from stageflow.people.models import Office, User

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing() -> Any:
    """Argon2 costs about a second per hash on a busy CI machine, paid at every user created
    and every sign-in; the tests check who may do what, not the strength of the hash."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def north(db: None) -> Office:
    from stageflow.people.models import Office

    return Office.objects.create(name="North", code="N")


@pytest.fixture
def south(db: None) -> Office:
    from stageflow.people.models import Office

    return Office.objects.create(name="South", code="S")


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    from stageflow.people.services import user_create

    def make(username: str, role: str, *offices: Office, **extra: Any) -> User:
        return user_create(username=username, password=PASSWORD, role_keys=[role],
                           offices=offices, email=f"{username}@example.com",
                           first_name=username.capitalize(), **extra)

    return make


@pytest.fixture
def admin(make_user: Callable[..., User], north: Office, south: Office) -> User:
    return make_user("admin", "administrator", north, south)


@pytest.fixture
def sales_north(make_user: Callable[..., User], north: Office) -> User:
    return make_user("sales_n", "salesperson", north)


@pytest.fixture
def sales_south(make_user: Callable[..., User], south: Office) -> User:
    return make_user("sales_s", "salesperson", south)


@pytest.fixture
def office_north(make_user: Callable[..., User], north: Office) -> User:
    return make_user("office_n", "office", north)


class ApiClient:
    """Talks JSON to /api/v1 as one user, with a bearer token (or anonymously)."""

    def __init__(self, token: str | None) -> None:
        from django.test import Client

        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None,
                content_type: str = "application/json") -> Any:
        url = "/api/v1" + path
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.generic(method, url, "" if body is None else data,
                                   content_type=content_type,
                                   headers={**self.headers, **(headers or {})})

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get("/api/v1" + path, params, headers=self.headers)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("PATCH", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("PUT", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.request("DELETE", path, None, **kw)


@pytest.fixture
def api_as(db: None) -> Callable[[User | None], ApiClient]:
    from stageflow.people.services import api_token_create

    def make(user: User | None) -> ApiClient:
        if user is None:
            return ApiClient(None)
        _token, secret = api_token_create(user=user, name="tests")
        return ApiClient(secret)

    return make


@pytest.fixture
def make_account(db: None) -> Callable[..., Account]:
    from stageflow.accounts import services as account_services
    from stageflow.core.models import Via

    def make(actor: User, name: str = "Acme", **values: Any) -> Account:
        return account_services.account_create(actor=actor, via=Via.CLI,
                                               values={"name": name, **values})

    return make


@pytest.fixture
def make_contact(db: None) -> Callable[..., Contact]:
    from stageflow.accounts import services as account_services
    from stageflow.core.models import Via

    def make(actor: User, last_name: str = "Stone", **values: Any) -> Contact:
        return account_services.contact_create(actor=actor, via=Via.CLI,
                                               values={"last_name": last_name, **values})

    return make


TRAINING_FILE = "engine/fixtures/training_opportunity.yaml"


@pytest.fixture
def training(admin: User) -> Any:
    """S3's training workflow, live and the default for opportunities."""
    from pathlib import Path

    from stageflow.core.models import Via
    from stageflow.pipelines.services import pipeline_import

    text = (Path(__file__).parent / TRAINING_FILE).read_text()
    return pipeline_import(actor=admin, via=Via.CLI, text=text, file_format="yaml",
                           publish=True).pipeline


@pytest.fixture
def insurance(admin: User) -> None:
    """S5's insurance agency lead and opportunity pipelines."""
    from stageflow.core.models import Via
    from stageflow.pipelines.services import preset_install

    preset_install(actor=admin, via=Via.CLI, key="insurance_agency")
