"""Browser tests: Playwright drives Debian's chromium against the app on a free loopback port."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

# The live server runs in a thread beside Playwright's event loop; the ORM calls made by the
# tests themselves are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


@pytest.fixture
def app_url(live_server: Any, settings: Any) -> str:
    # The live server speaks plain HTTP, so cookies must not be marked Secure.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    return str(live_server.url)


@pytest.fixture
def sign_in(app_url: str) -> Callable[..., None]:
    from tests.conftest import PASSWORD

    def do(page: Any, username: str) -> None:
        page.goto(f"{app_url}/login/")
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{app_url}/")

    return do
