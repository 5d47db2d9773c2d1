"""`stageflow backup` and `stageflow restore`: a workspace round-trips every row and file, and
a restore that is refused or fails leaves the database and the files as they were."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core import serializers
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from stageflow.accounts.models import Account
from stageflow.activities.services import attachment_upload
from stageflow.commands.backup import backed_up_models
from stageflow.core.models import Via
from stageflow.people.models import User


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def every_row() -> dict[str, list[dict[str, Any]]]:
    """Every backed-up table, serialised with Python values (so timestamps compare exactly)."""
    return {model._meta.label_lower: serializers.serialize(
                "python", model._base_manager.order_by("pk"))
            for model in backed_up_models()}


def every_file(media: Path) -> dict[str, bytes]:
    return {path.relative_to(media).as_posix(): path.read_bytes()
            for path in sorted(media.rglob("*")) if path.is_file()}


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def wipe_database() -> None:
    """A freshly migrated, empty database: what a restore onto a new server starts from."""
    if connection.vendor == "postgresql":
        connection.check_constraints()  # flush cannot TRUNCATE with checks still pending
    call_command("flush", interactive=False, verbosity=0)


def rewrite(source: Path, target: Path, *,
            change: Callable[[dict[str, bytes]], None]) -> Path:
    """A copy of the archive with its members (name → bytes) changed by `change`."""
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    change(members)
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def edit_manifest(members: dict[str, bytes], edit: Callable[[dict[str, Any]], None]) -> None:
    manifest = json.loads(members["manifest.json"])
    edit(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()


@pytest.fixture
def small_backup(admin: User, make_account: Any, media_root: Path, tmp_path: Path) -> Path:
    account = make_account(admin, "Acme")
    attachment_upload(actor=admin, via=Via.CLI, parent=account,
                      upload=SimpleUploadedFile("plan.txt", b"the plan\n"))
    target = tmp_path / "small.zip"
    run("backup", str(target))
    return target


def test_a_demo_workspace_round_trips_every_row_and_file(db, media_root, tmp_path):
    run("demo", "--password", "demo-pass")
    admin = User.objects.get(username="admin")
    account = Account.objects.order_by("pk").first()
    attachment_upload(actor=admin, via=Via.CLI, parent=account,
                      upload=SimpleUploadedFile("notes.txt", "café ✓\n".encode()))
    rows, files = every_row(), every_file(media_root)
    archive = tmp_path / "workspace.zip"

    printed = run("backup", str(archive))
    wipe_database()
    for path in media_root.rglob("*"):
        if path.is_file():
            path.unlink()
    restored = run("restore", str(archive))

    assert printed.startswith("Backed up ")
    assert "1 files" in printed
    assert restored.startswith("Restored ")
    assert every_row() == rows
    assert every_file(media_root) == files
    assert len(files) == 1
    assert User.objects.get(username="sales1").check_password("demo-pass")
    manifest = json.loads(zipfile.ZipFile(archive).read("manifest.json"))
    assert manifest["format_version"] == 1
    assert manifest["models"]["accounts.account"] == Account.objects.count()
    assert "0001_initial" in manifest["migrations"]["sales"]
    # New rows get fresh ids after ids were loaded explicitly (sequences were reset).
    newer = Account.objects.create(name="After the restore")
    assert newer.pk > max(row["pk"] for row in rows["accounts.account"])


def test_restore_refuses_a_database_with_a_workspace_unless_replacing(small_backup, admin,
                                                                     make_account, media_root):
    make_account(admin, "Made after the backup")
    rows, files = every_row(), every_file(media_root)

    with pytest.raises(CommandError, match="already holds a workspace"):
        run("restore", str(small_backup))
    assert every_row() == rows

    run("restore", str(small_backup), "--replace")
    assert list(Account.objects.values_list("name", flat=True)) == ["Acme"]
    assert every_file(media_root) == files


@pytest.mark.parametrize("member", ["files/../evil", "../evil", "files//etc/evil",
                                    "files/C:/evil", "files/a\\..\\..\\evil"])
def test_a_member_name_that_could_escape_is_refused(small_backup, tmp_path, media_root,
                                                    member):
    def add_evil(members: dict[str, bytes]) -> None:
        members[member] = b"pwned"
        if member.startswith("files/"):
            edit_manifest(members, lambda m: m["files"].update(
                {member.removeprefix("files/"): {"size": 5, "sha256": "x"}}))

    tampered = rewrite(small_backup, tmp_path / "tampered.zip", change=add_evil)
    rows, files = every_row(), every_file(media_root)

    with pytest.raises(CommandError, match=r"unsafe name|does not list"):
        run("restore", str(tampered), "--replace")

    assert every_row() == rows
    assert every_file(media_root) == files
    assert not list(tmp_path.rglob("evil"))


def test_an_archive_from_a_newer_schema_or_format_is_refused(small_backup, tmp_path):
    newer_schema = rewrite(small_backup, tmp_path / "schema.zip", change=lambda members:
                           edit_manifest(members, lambda m: m["migrations"]["sales"].append(
                               "9999_from_the_future")))
    newer_format = rewrite(small_backup, tmp_path / "format.zip", change=lambda members:
                           edit_manifest(members, lambda m: m.update(format_version=2)))

    with pytest.raises(CommandError, match=r"newer Stageflow.*sales\.9999_from_the_future"):
        run("restore", str(newer_schema), "--replace")
    with pytest.raises(CommandError, match="format version 2"):
        run("restore", str(newer_format), "--replace")


def test_a_failed_restore_leaves_the_database_and_files_as_they_were(small_backup, tmp_path,
                                                                     admin, make_account,
                                                                     media_root):
    def break_accounts(members: dict[str, bytes]) -> None:
        members["data/accounts.account.jsonl"] += b'{"model": "accounts.account", "pk": 1}\n'

    broken = rewrite(small_backup, tmp_path / "broken.zip", change=break_accounts)
    make_account(admin, "Still here")
    rows, files = every_row(), every_file(media_root)

    with pytest.raises(CommandError, match="could not be loaded"):
        run("restore", str(broken), "--replace")

    assert every_row() == rows
    assert every_file(media_root) == files
    assert Account.objects.filter(name="Still here").exists()


def test_a_damaged_file_or_a_non_archive_is_refused(small_backup, tmp_path, media_root):
    def damage(members: dict[str, bytes]) -> None:
        name = next(n for n in members if n.startswith("files/"))
        members[name] = b"not the plan\n"

    damaged = rewrite(small_backup, tmp_path / "damaged.zip", change=damage)
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("hello")
    files = every_file(media_root)

    with pytest.raises(CommandError, match="damaged"):
        run("restore", str(damaged), "--replace")
    with pytest.raises(CommandError, match="not a readable zip archive"):
        run("restore", str(not_zip), "--replace")
    assert every_file(media_root) == files
