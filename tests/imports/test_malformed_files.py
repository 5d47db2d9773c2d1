"""Files that cannot be imported get a clear error naming the problem, and nothing is kept."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from stageflow.core.errors import InvalidInput
from stageflow.imports import services
from stageflow.imports.models import ImportBatch


def _refusal(admin, upload) -> str:
    with pytest.raises(InvalidInput) as refused:
        services.batch_create(actor=admin, kind="account", upload=upload)
    assert ImportBatch.objects.count() == 0
    assert refused.value.fields == {"file": refused.value.message}
    return refused.value.message


@pytest.mark.parametrize(("name", "data", "message"), [
    ("latin1.csv", "Name\nCafé Noir\n".encode("latin-1"),
     "The file is not UTF-8 text (line 2): save it as “CSV UTF-8” and upload it again."),
    ("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
     "This is not a text file: upload a CSV (UTF-8) or an XLSX workbook."),
    ("empty.csv", b"", "The file is empty."),
    ("blank.csv", b"\n \n,,\n", "The file is empty."),
    ("header.csv", b"Name,Email\r\n", "The file has a header row but no data rows."),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
     "This is an old Excel (.xls) file: save it as .xlsx or CSV first."),
    ("fake.xlsx", b"Name\nAcme\n", "This file is not a valid XLSX workbook."),
    ("broken.xlsx", b"PK\x03\x04garbage", "This file is not a valid XLSX workbook."),
])
def test_a_malformed_file_is_refused_with_a_clear_error(admin, name, data, message):
    assert _refusal(admin, SimpleUploadedFile(name, data)) == message


class _CountingUpload(TemporaryUploadedFile):
    bytes_read = 0

    def read(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        data = super().read(*args, **kwargs)
        self.bytes_read += len(data)
        return data


def test_a_50_mb_file_is_refused_without_being_read(admin):
    size = 50 * 2**20
    upload = _CountingUpload("big.csv", "text/csv", size, "utf-8")
    # A sparse file on disk: 50 MB long without 50 MB being written or held in memory.
    upload.file.truncate(size)

    message = _refusal(admin, upload)

    assert message == "The file is larger than 25 MB; split it into smaller files."
    assert upload.bytes_read == 0
    upload.close()
