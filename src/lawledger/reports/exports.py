"""Export a trust report as CSV or PDF: fetch it through the policy, render it, audit the export.

The report is read by its query in `ledger.queries` (which checks the access policy and audits
the read in the same transaction). Rendering happens outside any transaction, so a long PDF never
holds SQLite's write lock; then one EXPORT_CREATED record per file (with the file's sha256) is
committed before any byte is handed to the caller. If that audit record cannot be written the
caller gets an error and no file (fail closed, F2).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.db import transaction

from lawledger.audit.events import Event
from lawledger.audit.services import record
from lawledger.core import clock
from lawledger.core.access import Principal
from lawledger.core.errors import InvalidInput
from lawledger.firm.queries import firm_settings, firm_today, firm_zone
from lawledger.reports import tables
from lawledger.reports.csv_safe import write_csv
from lawledger.reports.pdf import PageHeader, render_pdf


class ReportKind(StrEnum):
    CLIENT_LEDGER = "client_ledger"
    TRUST_JOURNAL = "trust_journal"
    TRUST_LISTING = "trust_listing"
    INACTIVE_BALANCES = "inactive_balances"
    EARNED_FEES_LEFT = "earned_fees_left_in_trust"  # billing's report, rendered the same way


class ExportFormat(StrEnum):
    CSV = "csv"
    PDF = "pdf"


CONTENT_TYPES = {ExportFormat.CSV: "text/csv; charset=utf-8", ExportFormat.PDF: "application/pdf"}
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class ReportFile:
    kind: ReportKind
    fmt: ExportFormat
    filename: str
    content_type: str
    body: bytes


@dataclass
class Exported:
    document: dict[str, Any]
    files: dict[ExportFormat, ReportFile] = field(default_factory=dict)


def parse_format(value: str, *, param: str = "format") -> ExportFormat:
    try:
        return ExportFormat((value or "").strip().lower())
    except ValueError:
        raise InvalidInput(f"{param}: {value!r} is not csv or pdf", param=param) from None


def safe_filename(*parts: str) -> str:
    """A file name of letters, digits, '.', '_' and '-' only: safe in any header and any shell."""
    cleaned = [_UNSAFE_IN_NAME.sub("-", part).strip("-.") for part in parts if part]
    return "-".join(part for part in cleaned if part)[:120] or "report"


def _fetch(principal: Principal, kind: ReportKind, params: dict[str, Any]) -> tuple[
        dict[str, Any], tables.ReportTable, str]:
    from lawledger.ledger import queries

    date_to: dt.date | None = params.get("date_to")
    if kind is ReportKind.CLIENT_LEDGER:
        document = queries.client_ledger_report(principal, params["matter"], params.get("account"),
                                                date_from=params.get("date_from"), date_to=date_to)
        as_of = (date_to or firm_today()).isoformat()
        return (document, tables.client_ledger_table(document, as_of),
                safe_filename("client-ledger", document["matter"], document["account"] or "", as_of))
    if kind is ReportKind.TRUST_JOURNAL:
        document = queries.trust_journal_report(principal, params["account"],
                                                date_from=params.get("date_from"), date_to=date_to)
        as_of = (date_to or firm_today()).isoformat()
        return (document, tables.trust_journal_table(document, as_of),
                safe_filename("journal", document["account"], as_of))
    if kind is ReportKind.TRUST_LISTING:
        document = queries.trust_listing_report(principal, params.get("account"),
                                                include_zero=bool(params.get("include_zero")))
        return (document, tables.trust_listing_table(document),
                safe_filename("client-trust-listing", params.get("account") or "",
                              document["as_of"]))
    if kind is ReportKind.EARNED_FEES_LEFT:
        from lawledger.billing.queries import earned_fees_left_in_trust

        document = earned_fees_left_in_trust(principal, date_to)
        return (document, tables.earned_fees_table(document),
                safe_filename("earned-fees-left-in-trust", document["as_of"]))
    document = queries.inactive_balances_report(principal, params.get("months"))
    return (document, tables.inactive_balances_table(document),
            safe_filename("inactive-balances", f"{document['months']}-months", document["as_of"]))


def export_report(principal: Principal, kind: ReportKind, formats: Sequence[ExportFormat],
                  **params: Any) -> Exported:
    """The report's document and one audited file per format.

    params: matter, account, date_from, date_to (ledger, journal); account, include_zero
    (listing); months (inactive balances); date_to (earned fees left in trust, as of).
    """
    if not formats:
        raise InvalidInput("format: name csv or pdf", param="format")
    document, table, stem = _fetch(principal, kind, params)
    settings_row = firm_settings()
    header = PageHeader(
        firm_name=settings_row.name, title=table.title, as_of=table.as_of,
        generated_by=principal.label,
        generated_at=clock.now().astimezone(firm_zone()).strftime("%Y-%m-%d %H:%M %Z"),
        jurisdiction=settings_row.jurisdiction)
    exported = Exported(document)
    for fmt in dict.fromkeys(formats):
        body = (write_csv(table.csv_columns, table.rows) if fmt is ExportFormat.CSV
                else render_pdf(table, header))
        exported.files[fmt] = ReportFile(kind, fmt, f"{stem}.{fmt.value}", CONTENT_TYPES[fmt], body)
    with transaction.atomic():
        for report_file in exported.files.values():
            record(principal, Event.EXPORT_CREATED, object_type="report", object_id=kind.value,
                   matter_ref=str(document.get("matter") or "") if kind is ReportKind.CLIENT_LEDGER
                   else "",
                   client_ref=str(document.get("client", {}).get("number") or "")
                   if kind is ReportKind.CLIENT_LEDGER else "",
                   details={"format": report_file.fmt.value, "filename": report_file.filename,
                            "rows": len(table.rows), "bytes": len(report_file.body),
                            "sha256": hashlib.sha256(report_file.body).hexdigest()})
    return exported


def check_report_target(target: str, *, param: str) -> Path:
    """The path a report may be written to, checked before anything is read or audited."""
    path = Path(target).expanduser()
    if not target.strip() or path.is_dir():
        raise InvalidInput(f"{param}: {target!r} is a directory; name a file", param=param)
    if not path.parent.is_dir():
        raise InvalidInput(f"{param}: the directory {path.parent} does not exist", param=param)
    return path


def write_report_file(target: str, body: bytes, *, param: str) -> Path:
    """Write `body` to `target` whole or not at all (temp file, fsync, rename), readable by the
    owner only: a report holds client data."""
    path = check_report_target(target, param=param)
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                             suffix=".part")
        with os.fdopen(handle, "wb") as stream:
            stream.write(body)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise InvalidInput(f"{param}: cannot write {target}: {exc.strerror or exc}",
                           param=param) from None
    return path
