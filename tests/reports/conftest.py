"""Fixtures of the report tests: the `deals` pipeline and its fixed history (dataset.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.reports.dataset import DEALS, History, import_pipeline, recorded_history


@pytest.fixture
def deals(admin: Any) -> Any:
    return import_pipeline(admin, DEALS)


@pytest.fixture
def history(deals: Any, admin: Any, sales_north: Any, sales_south: Any) -> Iterator[History]:
    with recorded_history(admin, sales_north, sales_south) as recorded:
        yield recorded
