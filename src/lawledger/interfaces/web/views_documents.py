"""Document pages: attach, list, see versions, download (as an attachment only), delete, and the
report of trust entries that lack a supporting document.

Downloads are always `Content-Disposition: attachment` with `X-Content-Type-Options: nosniff`
and a sanitised RFC 6266 file name, under the content type detected at upload, and never cached.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lawledger.core.access import Action, Principal, decide, role_allows
from lawledger.core.errors import (
    InvalidInput,
    LawLedgerError,
    NotFound,
    PermissionDenied,
    RuleViolation,
)
from lawledger.interfaces.errors import audit_refusal
from lawledger.interfaces.web.views import staff_view

# The multipart envelope around the file (boundaries, headers, the CSRF token field).
_MULTIPART_SLACK_BYTES = 64 * 1024


def _upload_data(request: HttpRequest) -> tuple[str, bytes]:
    """The uploaded file's name and bytes, refused by size before the body is read where possible."""
    from lawledger.documents.services import check_size, max_upload_bytes

    limit = max_upload_bytes()
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > limit + _MULTIPART_SLACK_BYTES:
        check_size(declared)  # C5: refused before Django parses (or spools) the body
    upload = request.FILES.get("file")
    if upload is None:
        raise InvalidInput("file: choose a file to attach", param="file")
    check_size(upload.size or 0)
    return upload.name or "", upload.read(limit + 1)


def _refused(request: HttpRequest, principal: Principal, error: LawLedgerError) -> int:
    audit_refusal(principal, error, request.path)
    return error.http_status if error.http_status in (413, 403) else 400


def _upload_refused(request: HttpRequest, principal: Principal, error: LawLedgerError) -> int:
    """A refused upload is audited with its reason: a hostile file is worth knowing about."""
    from lawledger.documents.services import record_refused_upload

    if not isinstance(error, RuleViolation):  # audit_refusal already records rule refusals
        record_refused_upload(principal, error, request.path)
    return _refused(request, principal, error)


@require_http_methods(["GET", "POST"])
@staff_view
def subject(request: HttpRequest, principal: Principal, kind: str, ref: str) -> HttpResponse:
    from lawledger.documents.queries import documents_for
    from lawledger.documents.services import document_upload

    status = 200
    error = None
    if request.method == "POST":
        try:
            name, data = _upload_data(request)
            made = document_upload(actor=principal, kind=kind, ref=ref, file_name=name, data=data)
            messages.success(request, f"Attached {made['file_name']} ({made['id']}).")
            return redirect("documents:subject", kind=made["subject"]["kind"],
                            ref=made["subject"]["ref"])
        except (NotFound, PermissionDenied):
            raise
        except LawLedgerError as refused:
            status, error = _upload_refused(request, principal, refused), refused
    listing = documents_for(principal, kind, ref)
    return render(request, "documents/subject.html",
                  {"listing": listing, "error": error, "nav": "documents"}, status=status)


@require_http_methods(["GET", "POST"])
@staff_view
def detail(request: HttpRequest, principal: Principal, document: str) -> HttpResponse:
    from lawledger.documents.queries import document_detail
    from lawledger.documents.services import document_upload

    status = 200
    error = None
    if request.method == "POST":
        try:
            name, data = _upload_data(request)
            made = document_upload(actor=principal, document=document, file_name=name, data=data)
            messages.success(request, f"Added version {made['version']}.")
            return redirect("documents:detail", document=made["id"])
        except (NotFound, PermissionDenied):
            raise
        except LawLedgerError as refused:
            status, error = _upload_refused(request, principal, refused), refused
    return render(request, "documents/detail.html", {
        "document": document_detail(principal, document), "error": error, "nav": "documents",
        "may_delete": role_allows(principal, Action.MANAGE_FIRM)}, status=status)


@require_GET
@staff_view
def download(request: HttpRequest, principal: Principal, document: str,
             version: int | None = None) -> HttpResponse:
    from lawledger.documents.queries import document_download

    found = document_download(principal, document, version)
    response = HttpResponse(found.data, content_type=found.content_type)
    response["Content-Disposition"] = content_disposition_header(True, found.file_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
@staff_view
def delete(request: HttpRequest, principal: Principal, document: str) -> HttpResponse:
    from lawledger.documents.services import document_delete

    try:
        document_delete(actor=principal, document=document,
                        reason=request.POST.get("reason", "")[:500])
    except (NotFound, PermissionDenied):
        raise
    except LawLedgerError as refused:
        _refused(request, principal, refused)
        messages.error(request, f"{refused.code}: {refused.message}")
        return redirect("documents:detail", document=document)
    messages.success(request, f"Deleted {document}.")
    return redirect("documents:home")


@require_GET
@staff_view
def home(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.documents.queries import recent_documents
    from lawledger.documents.services import max_upload_bytes

    return render(request, "documents/home.html", {
        "documents": recent_documents(principal), "nav": "documents",
        "may_report": decide(principal, Action.VIEW_FIRM_REPORTS, None),
        "may_manage": role_allows(principal, Action.MANAGE_FIRM),
        "max_upload_bytes": max_upload_bytes()})


@require_POST
@staff_view
def upload_limit(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.documents.services import documents_settings_set

    try:
        documents_settings_set(actor=principal, key="max_upload_bytes",
                               value=request.POST.get("max_upload_bytes", ""))
    except PermissionDenied:
        raise
    except LawLedgerError as refused:
        _refused(request, principal, refused)
        messages.error(request, f"{refused.code}: {refused.message}")
    else:
        messages.success(request, "Saved the upload limit.")
    return redirect("documents:home")


@require_GET
@staff_view
def missing(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.documents.queries import missing_documents_report

    return render(request, "documents/missing.html",
                  {"report": missing_documents_report(principal), "nav": "documents",
                   "csv_url": reverse("documents:missing_csv")})


MISSING_COLUMNS: list[tuple[str, str, bool]] = [
    ("account", "Account", False), ("date", "Date", False), ("id", "Entry", False),
    ("kind", "Kind", False), ("matter", "Matter", False), ("amount", "Amount", True),
    ("currency", "Currency", False)]


@require_GET
@staff_view
def missing_csv(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.documents.queries import missing_documents_report
    from lawledger.reports.csv_safe import write_csv
    from lawledger.reports.tables import CellKind, Column

    report = missing_documents_report(principal)
    columns = [Column(key, heading, CellKind.NUMBER if numeric else CellKind.TEXT)
               for key, heading, numeric in MISSING_COLUMNS]
    rows: list[dict[str, Any]] = [
        {**row, "matter": "restricted (ethical wall)" if row["restricted"] else row["matter"] or ""}
        for row in report["entries"]]
    response = HttpResponse(write_csv(columns, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, "entries-without-documents.csv")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
