"""`stageflow workflow validate|import|export|graph`."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from stageflow.pipelines.models import Pipeline

TRAINING = Path(__file__).parent.parent / "engine" / "fixtures" / "training_opportunity.yaml"


def _run(*args: str) -> str:
    out = StringIO()
    call_command("workflow", *args, stdout=out)
    return out.getvalue()


def test_validate_reports_ok_for_a_clean_file(db):
    assert "ok (0 error(s), 0 warning(s))" in _run("validate", str(TRAINING))


def test_validate_lists_every_problem_and_fails(db, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(TRAINING.read_text().replace("to: qualified", "to: qaulified", 1))

    with pytest.raises(CommandError, match="validation failed"):
        _run("validate", str(broken))


def test_unreadable_file_names_the_line(db, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("key: x\nstages: [\n")

    with pytest.raises(CommandError, match="line"):
        _run("validate", str(bad))


def test_import_publish_export_round_trip_and_graph(admin, tmp_path):
    printed = _run("import", "--publish", str(TRAINING))
    exported = tmp_path / "out.yaml"
    _run("export", "training-sale", "-o", str(exported))
    svg = _run("graph", "training-sale", "--step", "qualified")

    assert "training-sale version 1 (published)" in printed
    assert Pipeline.objects.get().live_version is not None
    original = yaml.safe_load(TRAINING.read_text())
    original.pop("version")
    assert yaml.safe_load(exported.read_text()) == original
    assert svg.lstrip().startswith("<svg")


def test_import_needs_an_administrator(db):
    with pytest.raises(CommandError, match="No administrator"):
        _run("import", str(TRAINING))
