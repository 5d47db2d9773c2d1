"""Pipelines installed for the sales tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from stageflow.core.models import Via
from stageflow.pipelines.services import pipeline_import, preset_install

TRAINING = (Path(__file__).parent.parent / "engine" / "fixtures" /
            "training_opportunity.yaml").read_text()


@pytest.fixture
def training(admin):
    """S3's training workflow, live and the default for opportunities."""
    return pipeline_import(actor=admin, via=Via.CLI, text=TRAINING, file_format="yaml",
                           publish=True).pipeline


@pytest.fixture
def insurance(admin):
    """S5's insurance agency lead and opportunity pipelines."""
    preset_install(actor=admin, via=Via.CLI, key="insurance_agency")
