"""SECURITY.md C3 (path traversal and type confusion in uploads) and C5 (oversized uploads)
against the document pages: every attack fails, nothing lands outside the store, and what is
stored is served only as an attachment with nosniff and a safe RFC 6266 file name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from lawledger.audit.models import AuditRecord
from lawledger.core.access import Role
from lawledger.documents.models import Document, DocumentVersion
from lawledger.documents.services import documents_settings_set
from lawledger.documents.storage import STORAGE_ID
from tests import factories
from tests.documents.builders import (
    HTML_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    POLYGLOT_BYTES,
    RECEIPT_TEXT,
    SVG_BYTES,
    storage_files,
)
from tests.factories import OPERATOR
from tests.mfa import login as mfa_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def bookkeeper() -> tuple[Client, str]:
    matter = factories.trust_firm()["matter"]
    principal = factories.user(Role.BOOKKEEPER, email="books@firm.example")
    browser = Client()
    mfa_login(browser, principal.label)
    return browser, matter


BOUNDARY = "lawledgerBoundary7MA4YWxk"


def _post(browser: Client, matter: str, name: str, data: bytes) -> Any:
    """A multipart body written by hand, so the file name reaches the server exactly as given."""
    body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n").encode(
                "utf-8", "surrogateescape") + data + f"\r\n--{BOUNDARY}--\r\n".encode()
    return browser.post(f"/documents/matter/{matter}/", data=body,
                        content_type=f"multipart/form-data; boundary={BOUNDARY}")


HOSTILE_NAMES = {
    "../../settings.py": "settings_py.pdf",
    "..\\..\\x": "x.pdf",
    "/etc/passwd": "passwd.pdf",
    "evil\x00.pdf": "evil.pdf",
    "%2e%2e/%2e%2e/secret.pdf": "secret.pdf",
    "a" * 300 + ".pdf": "a" * 120 + ".pdf",
    "<script>alert(1)</script>.pdf": "script.pdf",
}


def test_hostile_file_names_are_stored_only_under_a_server_generated_id(
        bookkeeper: tuple[Client, str], store: Path, tmp_path: Path) -> None:
    browser, matter = bookkeeper
    for name in HOSTILE_NAMES:
        response = _post(browser, matter, name, PDF_BYTES)
        assert response.status_code == 302, name
    kept = sorted(version.file_name for version in DocumentVersion.objects.all())
    assert kept == sorted(HOSTILE_NAMES.values())
    files = storage_files(store)
    assert len(files) == len(HOSTILE_NAMES)
    for path in files:
        assert path.parent.parent == store and STORAGE_ID.match(path.name)
        assert path.parent.name == path.name[:2]
    # Nothing was written anywhere else under the test's directory tree.
    assert sorted(path for path in tmp_path.rglob("*") if path.is_file()) == files
    for where in (store, tmp_path, tmp_path.parent):
        assert not any((where / name).exists() for name in ("settings.py", "x", "passwd"))


def test_a_download_is_an_attachment_with_nosniff_and_a_safe_file_name(
        bookkeeper: tuple[Client, str]) -> None:
    browser, matter = bookkeeper
    _post(browser, matter, "../quoted\tX-Injected: 1.pdf", PDF_BYTES)
    document = Document.objects.get()
    response = browser.get(f"/documents/d/{document.public_id}/download/")
    assert response.status_code == 200
    assert response.content == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'attachment; filename="quotedX-Injected_1.pdf"'
    assert response["Cache-Control"] == "no-store"
    assert "X-Injected" not in {key for key, _ in response.items()}


def test_a_unicode_name_is_served_with_an_rfc_6266_extended_file_name(
        bookkeeper: tuple[Client, str]) -> None:
    browser, matter = bookkeeper
    _post(browser, matter, "Quittung Müller.txt", RECEIPT_TEXT)
    response = browser.get(f"/documents/d/{Document.objects.get().public_id}/download/")
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Quittung%20M%C3%BCller.txt")


@pytest.mark.parametrize(("name", "data", "says"), [
    ("invoice.pdf", HTML_BYTES, "markup (HTML, SVG or XML) is not an allowed type"),
    ("receipt.pdf", SVG_BYTES, "markup (HTML, SVG or XML) is not an allowed type"),
    ("receipt.pdf", POLYGLOT_BYTES, "PDF file carries HTML/SVG markup at its start"),
    ("receipt.pdf", PNG_BYTES, "the content is PNG but the name says .pdf"),
    ("receipt.svg", PNG_BYTES, ".svg files are not accepted"),
    ("page.html", RECEIPT_TEXT, ".html files are not accepted"),
    ("program.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64), "not a PDF, PNG, JPEG, TIFF"),
    ("truncated.pdf", PDF_BYTES[:40], "the PDF is truncated"),
    ("empty.txt", b"", "the file is empty"),
])
def test_it_refuses_a_file_whose_bytes_are_not_an_allowed_type(
        bookkeeper: tuple[Client, str], store: Path, name: str, data: bytes, says: str) -> None:
    browser, matter = bookkeeper
    before_seq = AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first()
    response = _post(browser, matter, name, data)
    assert response.status_code == 400
    assert says in response.content.decode()
    assert (Document.objects.count(), storage_files(store)) == (0, [])
    refusal = AuditRecord.objects.filter(seq__gt=before_seq, event="document.upload_refused").get()
    assert refusal.details["code"] == "document_type_refused"


def test_it_refuses_an_oversized_upload_with_413_and_stores_nothing(
        bookkeeper: tuple[Client, str], store: Path) -> None:
    browser, matter = bookkeeper
    documents_settings_set(actor=OPERATOR, key="max_upload_bytes", value="4096")
    response = _post(browser, matter, "big.txt", b"a" * 5000)
    assert response.status_code == 413
    assert "limit of 4096 bytes" in response.content.decode()
    response = _post(browser, matter, "huge.txt", b"a" * 200_000)  # refused before parsing
    assert response.status_code == 413
    assert (Document.objects.count(), storage_files(store)) == (0, [])
