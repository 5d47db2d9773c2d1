"""Fixtures for the automation screens: signed-in clients, presets, rules and log lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from stageflow.automation.models import Firing, Rule
from stageflow.automation.services import rule_save
from stageflow.core.models import Via
from stageflow.people.models import User
from stageflow.pipelines.services import preset_install


@pytest.fixture
def browser_as(db: None) -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def as_admin(browser_as: Callable[[User], Client], admin: User) -> Client:
    return browser_as(admin)


@pytest.fixture
def recruitment(admin: User) -> None:
    """The recruitment preset: two pipelines and four rules from their files."""
    preset_install(actor=admin, via=Via.WEB, key="recruitment")


@pytest.fixture
def make_rule(admin: User) -> Callable[..., Rule]:
    def make(name: str = "Tag new opportunities", **values: Any) -> Rule:
        return rule_save(actor=admin, values={
            "name": name, "key": values.pop("key", name.lower().replace(" ", "_")),
            "event": "opportunity.created",
            "actions": [{"action": "add_tag", "params": {"tag": "Quote"}}], **values})

    return make


@pytest.fixture
def make_firing(db: None) -> Callable[..., Firing]:
    def make(rule: Rule | None, **values: Any) -> Firing:
        defaults: dict[str, Any] = {
            "source": f"rule:{rule.key}" if rule else "transition:win",
            "name": rule.name if rule else "Win", "event": "opportunity.created",
            "record_type": "opportunity", "record_id": 1, "outcome": Firing.Outcome.DONE,
            "results": [{"action": "add_tag", "result": "tag Quote added to Acme"}],
            "duration_ms": 2.5, "at": timezone.now() - dt.timedelta(minutes=5)}
        return Firing.objects.create(rule=rule, **{**defaults, **values})

    return make

