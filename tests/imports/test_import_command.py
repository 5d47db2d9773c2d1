"""`stageflow import`: the same import from the shell, failing loudly with the rows at fault."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from stageflow.accounts.models import Account
from stageflow.imports.models import ImportBatch

CSV = "Name;Email\nAcme;info@acme.example\nBeta;broken\n"


def _call(*args: str) -> str:
    out = io.StringIO()
    call_command("import", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_a_dry_run_with_bad_rows_prints_them_and_fails(admin, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text(CSV, encoding="utf-8")
    out = io.StringIO()

    with pytest.raises(CommandError, match="1 rows have errors"):
        call_command("import", "account", str(path), "--dry-run", "--user", "admin",
                     stdout=out, stderr=io.StringIO())

    assert "row 3 [Email]: Enter a valid email address." in out.getvalue()
    assert Account.objects.count() == 0


def test_import_with_a_mapping_then_undo(admin, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text(CSV, encoding="utf-8")

    printed = _call("account", str(path), "--user", "admin",
                    "--mapping", json.dumps({"Name": "name"}))

    batch = ImportBatch.objects.get()
    assert "Imported: 2 created, 0 updated, 0 skipped, 0 failed." in printed
    assert sorted(Account.objects.values_list("name", flat=True)) == ["Acme", "Beta"]
    assert _call("--undo", str(batch.pk), "--user", "admin").strip() == "Undone."
    assert Account.objects.count() == 0


def test_an_unreadable_file_fails_with_its_reason(admin, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_bytes("Name\nCafé\n".encode("latin-1"))

    with pytest.raises(CommandError, match="not UTF-8 text"):
        _call("account", str(path), "--user", "admin")
