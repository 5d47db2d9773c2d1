"""Recognising an uploaded file by its content, never by the name it arrived with."""

from __future__ import annotations

import zipfile
from io import BytesIO

# What people attach to sales records: documents, spreadsheets, images, plain text.
SIGNATURES: list[tuple[bytes, str, str]] = [
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
]
OFFICE_TYPES = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",
             "pptx"),
}


def sniff(head: bytes, whole: bytes) -> tuple[str, str] | None:
    """(content type, extension) of an allowed file, or None when it is not one we accept."""
    for signature, content_type, extension in SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    if head.startswith(b"PK\x03\x04"):
        return _office(whole)
    try:
        text = whole.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    return "text/plain", "txt"


def _office(data: bytes) -> tuple[str, str] | None:
    try:
        names = zipfile.ZipFile(BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, found in OFFICE_TYPES.items():
        if any(name.startswith(prefix) for name in names):
            return found
    return None
