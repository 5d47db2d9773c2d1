"""The scenarios of SCENARIOS.md, replayed through the HTTP API as the people they name.

Set-up goes through the API too (users, pipelines, templates), so a scenario proves what an
administrator can really configure, not what a fixture can poke into the database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import PASSWORD, ApiClient

# The browser fixtures, so each scenario's main path can also run in chromium.
from tests.web.conftest import app_url, browser_type_launch_args, sign_in  # noqa: F401


class Workspace:
    """The administrator's API client, and clients for the users a scenario creates."""

    def __init__(self, admin_api: ApiClient, api_as: Callable[[Any], ApiClient]) -> None:
        self.admin = admin_api
        self._api_as = api_as
        self.users: dict[str, Any] = {}

    def add_user(self, username: str, role: str, offices: list[int] | None = None) -> ApiClient:
        from stageflow.people.models import User

        response = self.admin.post("/users", {
            "username": username, "password": PASSWORD, "email": f"{username}@example.com",
            "first_name": username.capitalize(), "roles": [role], "offices": offices or []})
        assert response.status_code == 201, response.content
        user = User.objects.get(username=username)
        self.users[username] = user
        return self._api_as(user)

    def anonymous(self) -> ApiClient:
        """A client with no sign-in, such as the customer opening a public link."""
        return self._api_as(None)


@pytest.fixture
def workspace(admin: Any, api_as: Callable[[Any], ApiClient]) -> Workspace:
    return Workspace(api_as(admin), api_as)


def ok(response: Any, status: int = 200) -> Any:
    """The JSON of a response that must have `status`; its body in the failure message."""
    assert response.status_code == status, (response.status_code, response.content[:2000])
    return response.json() if response.content else None
