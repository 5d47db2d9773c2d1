"""The training workflow file, for tests that change it."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import TRAINING_FILE

TRAINING = (Path(__file__).parent.parent / TRAINING_FILE).read_text()
