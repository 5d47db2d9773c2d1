"""Fixtures for the engine tests. No Django here: these tests run with `-p no:django`."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
if str(SRC) not in sys.path:
    # Lets the engine tests run from a bare checkout, without installing the project.
    sys.path.insert(0, str(SRC))

from stageflow.engine import PipelineDefinition, loads  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
TRAINING_FILE = FIXTURES / "training_opportunity.yaml"

# The smallest valid opportunity pipeline in simple mode (no steps, no transitions).
SIMPLE_OPPORTUNITY: dict[str, Any] = {
    "key": "simple",
    "record_type": "opportunity",
    "name": "Simple",
    "stages": [
        {"key": "new", "names": {"en": "New", "nl": "Nieuw"}, "position": 10, "is_default": True},
        {"key": "proposal", "names": {"en": "Proposal"}, "position": 20},
        {"key": "won", "names": {"en": "Won"}, "position": 30, "status": "won"},
        {"key": "lost", "names": {"en": "Lost"}, "position": 40, "status": "lost"},
    ],
}


@pytest.fixture
def training_text() -> str:
    return TRAINING_FILE.read_text(encoding="utf-8")


@pytest.fixture
def training(training_text: str) -> PipelineDefinition:
    return loads(training_text)


@pytest.fixture
def simple_data() -> dict[str, Any]:
    """A fresh, mutable copy of SIMPLE_OPPORTUNITY for tests that adjust it."""
    return copy.deepcopy(SIMPLE_OPPORTUNITY)
