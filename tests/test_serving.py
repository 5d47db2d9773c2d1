"""Start-up work of a server process: templates compiled, long-lived objects frozen."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from stageflow.core.serving import PACKAGE_DIR, _compile_own_templates, prepare_for_requests


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_every_own_template_compiles() -> None:
    own = [p for p in PACKAGE_DIR.rglob("templates/**/*") if p.suffix in {".html", ".txt"}]
    assert _compile_own_templates() == len(own) > 100


def test_start_up_freezes_what_is_alive(unfrozen: None) -> None:
    assert gc.get_freeze_count() == 0
    prepare_for_requests()
    assert gc.get_freeze_count() > 10_000
