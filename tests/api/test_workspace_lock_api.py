"""Settings the system owner (a superuser) locks: administrators see them but cannot change
them, nor the list of locked settings; everything else stays theirs."""

from __future__ import annotations

from typing import Any

import pytest

from stageflow.communications.services import workspace_settings_save
from stageflow.core import workspace
from stageflow.core.models import HistoryEntry, Via


@pytest.fixture
def owner(make_user: Any, north: Any) -> Any:
    return make_user("owner", "administrator", north, is_superuser=True)


@pytest.fixture
def locked(api_as: Any, owner: Any) -> Any:
    response = api_as(owner).patch("/workspace", {
        "registration_number": "AG-117", "locked_settings": ["registration_number"]})
    assert response.status_code == 200
    return response.json()


def test_the_owner_locks_a_setting_and_an_administrator_cannot_change_it(
        api_as: Any, admin: Any, locked: Any) -> None:
    client = api_as(admin)

    refused = client.patch("/workspace", {"registration_number": "AG-000", "days_out": 9})
    unlock = client.patch("/workspace", {"locked_settings": []})
    allowed = client.patch("/workspace", {"days_out": 5})

    assert locked["locked_settings"] == ["registration_number"]
    assert (refused.status_code, refused.json()["error"]["fields"]) == (
        403, {"registration_number": "Locked by the system owner."})
    assert unlock.status_code == 403
    assert allowed.status_code == 200
    settings = workspace.current()
    assert (settings.registration_number, settings.days_out, settings.locked_settings) == (
        "AG-117", 5, ["registration_number"])


def test_sending_a_locked_setting_unchanged_is_not_a_change(admin: Any, locked: Any) -> None:
    # The settings page posts every field, locked ones included, as they are.
    saved = workspace_settings_save(actor=admin, via=Via.WEB, values={
        "registration_number": "AG-117", "company_name": "Harbour Agency"})

    assert (saved.company_name, saved.registration_number) == ("Harbour Agency", "AG-117")


def test_only_known_settings_can_be_locked(api_as: Any, owner: Any) -> None:
    response = api_as(owner).patch("/workspace", {"locked_settings": ["nope",
                                                                      "locked_settings"]})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["locked_settings"]
    assert workspace.current().locked_settings == []
    assert not HistoryEntry.objects.exists()
