"""Every document page and action answers each principal of the role matrix as the policy says.

Documents of matter M are seen by whoever sees M; uploading needs a role that works on matters
(not the auditor, never a portal client); deleting needs an admin. A refusal is a 404 (hidden)
or 403 (seen but not allowed), changes nothing and is audited.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lawledger.audit.models import AuditRecord
from lawledger.documents.models import Document, DocumentVersion
from lawledger.documents.services import document_upload
from tests.access_matrix import EXPECTED_VIEW, Matrix, build_matrix
from tests.documents.builders import PDF_BYTES, RECEIPT_TEXT, storage_files
from tests.factories import OPERATOR
from tests.mfa import login as mfa_login

pytestmark = pytest.mark.django_db

UPLOADERS = {"admin", "bookkeeper", "attorney_assigned", "paralegal_assigned"}
DELETERS = {"admin"}


@pytest.fixture
def matrix() -> tuple[Matrix, str]:
    built = build_matrix()
    made = document_upload(actor=OPERATOR, kind="matter", ref=built.matter,
                           file_name="engagement.txt", data=RECEIPT_TEXT)
    return built, made["id"]


def _client(matrix: Matrix, who: str) -> Client:
    browser = Client()
    principal = matrix.principals[who]
    if principal is not None:
        mfa_login(browser, principal.label)
    return browser


def _expected(who: str, ok: int = 200, allowed: set[str] | None = None) -> int:
    if who == "anonymous":
        return 302
    if who.startswith("portal"):
        return 403  # a portal session never reaches staff pages
    if not EXPECTED_VIEW[who]:
        return 404
    return ok if allowed is None or who in allowed else 403


def _state() -> tuple[int, int]:
    return Document.objects.filter(deleted_at__isnull=True).count(), DocumentVersion.objects.count()


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_documents_follow_the_policy_for(matrix: tuple[Matrix, str], who: str,
                                         store: Path) -> None:
    built, document = matrix
    browser = _client(built, who)
    _reading(browser, built, document, who)
    _uploading(browser, built, who, store)
    _deleting(browser, document, who)
    _reporting(browser, who)


def _reading(browser: Client, built: Matrix, document: str, who: str) -> None:
    for path in (f"/documents/matter/{built.matter}/", f"/documents/d/{document}/",
                 f"/documents/d/{document}/download/", f"/documents/d/{document}/v1/download/"):
        before = AuditRecord.objects.count()
        response = browser.get(path)
        assert response.status_code == _expected(who), path
        if response.status_code == 200:
            assert AuditRecord.objects.count() == before + 1
            assert AuditRecord.objects.order_by("-seq").first().actor == built.principals[who].label
        elif who != "anonymous":
            denial = AuditRecord.objects.order_by("-seq").first()
            assert (AuditRecord.objects.count(), denial.outcome) == (before + 1, "denied")
        if response.status_code != 200:
            assert b"engagement" not in response.content


def _uploading(browser: Client, built: Matrix, who: str, store: Path) -> None:
    before = _state()
    response = browser.post(f"/documents/matter/{built.matter}/", {
        "file": SimpleUploadedFile("slip.pdf", PDF_BYTES, content_type="application/pdf")})
    assert response.status_code == _expected(who, 302, UPLOADERS)
    if who in UPLOADERS:
        assert _state() == (before[0] + 1, before[1] + 1)
        assert len(storage_files(store)) == 2
    else:
        assert _state() == before
        assert len(storage_files(store)) == 1


def _deleting(browser: Client, document: str, who: str) -> None:
    before = _state()
    response = browser.post(f"/documents/d/{document}/delete/", {"reason": "duplicate"})
    if who == "admin":
        # Allowed to try, refused by retention: back to the page, nothing deleted.
        assert (response.status_code, response["Location"]) == (302, f"/documents/d/{document}/")
    else:
        assert response.status_code == _expected(who, 302, DELETERS)
    assert _state() == before


def _reporting(browser: Client, who: str) -> None:
    readers = {"admin", "admin_walled", "bookkeeper", "auditor"}
    for path in ("/documents/missing/", "/documents/missing/csv/"):
        response = browser.get(path)
        if who == "anonymous":
            assert response.status_code == 302
        elif who.startswith("portal"):
            assert response.status_code == 403
        else:
            assert response.status_code == (200 if who in readers else 403), path
