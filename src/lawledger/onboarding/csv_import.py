"""`lawledger import clients FILE [--dry-run]`: clients, matters and opening trust balances from
another system's CSV, checked in full before anything is written.

Each row is applied through the same services as a person typing it (client_add, matter_open,
trust_deposit_record), inside one transaction and a savepoint per row, so every rule the books
keep is checked the one way it is always checked, and every bad row is reported with its line and
field, not only the first. If any row is bad, or on a dry run, the whole transaction rolls back:
nothing is half-imported (I12). Only a clean, real run commits.

Columns (a header row; names as below, order free; unknown columns are refused):
client (name), client_number, matter_title, matter_number, responsible (an e-mail),
opening_balance, account (the trust account), date (of the opening balance).
A row reuses a client by `client_number` if it exists, or one made by an earlier row of the
file with the same name; otherwise it adds one.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import transaction

from lawledger.access.policy import require
from lawledger.audit.services import record
from lawledger.core.access import Action, Principal
from lawledger.core.errors import InvalidInput, LawLedgerError

COLUMNS = ("client", "client_number", "matter_title", "matter_number", "responsible",
           "opening_balance", "account", "date")
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
OPENING_PAYOR = "Opening balance (migrated)"


class ImportEvent(StrEnum):
    CLIENTS_IMPORTED = "onboarding.clients_imported"
    CLIENTS_CHECKED = "onboarding.clients_checked"


@dataclass
class ImportReport:
    rows: int = 0
    clients: list[str] = field(default_factory=list)
    matters: list[str] = field(default_factory=list)
    opening_entries: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def written(self) -> bool:
        return not self.dry_run and not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "clients": self.clients, "matters": self.matters,
                "opening_entries": self.opening_entries, "problems": self.problems,
                "valid": not self.problems, "dry_run": self.dry_run, "written": self.written}


class _RollBack(Exception):
    """Leaves the transaction of a dry run or of a file with bad rows, undoing everything."""


def _rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"file: larger than {MAX_BYTES} bytes", param="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"file: not UTF-8 (byte {error.start})", param="file") from None
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    unknown = [name for name in header if name not in COLUMNS]
    if unknown or "client" not in header or "matter_title" not in header:
        raise InvalidInput(f"line 1: the header must name client and matter_title, and only "
                           f"{', '.join(COLUMNS)} (unknown: {', '.join(unknown) or 'none'})",
                           param="line 1")
    reader.fieldnames = header
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for row in reader:
            if None in row:
                raise InvalidInput(f"line {reader.line_num}: more cells than the header",
                                   param=f"line {reader.line_num}")
            rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items()}))
            if len(rows) > MAX_ROWS:
                raise InvalidInput(f"file: more than {MAX_ROWS} rows", param="file")
    except csv.Error as error:
        raise InvalidInput(f"line {reader.line_num}: {error}",
                           param=f"line {reader.line_num}") from None
    return rows


def _apply(actor: Principal, row: dict[str, str], made: dict[str, str],
           report: ImportReport) -> None:
    from lawledger.firm import services as firm_services
    from lawledger.firm.queries import clients_for
    from lawledger.ledger import services as ledger_services

    number = row.get("client_number", "")
    if number and clients_for(actor).filter(number=number).exists():
        client = number
    elif not number and row["client"] in made:
        client = made[row["client"]]
    else:
        client = firm_services.client_add(actor=actor, name=row["client"],
                                          number=number or None).number
        made[row["client"]] = client
        report.clients.append(client)
    matter = firm_services.matter_open(actor=actor, client=client, title=row["matter_title"],
                                       number=row.get("matter_number") or None,
                                       responsible=row.get("responsible") or None).number
    report.matters.append(matter)
    balance = row.get("opening_balance", "")
    if balance and balance.strip("0.,") != "":
        for needed in ("account", "date"):
            if not row.get(needed):
                raise InvalidInput(f"{needed}: required with an opening balance", param=needed)
        posted = ledger_services.trust_deposit_record(
            actor=actor, matter=matter, amount=balance, account=row["account"],
            date=row["date"], payor=OPENING_PAYOR, reference="migration",
            memo="opening balance migrated from the previous system")
        report.opening_entries.append(posted.entry.public_id)


def clients_import(*, actor: Principal, data: bytes, dry_run: bool = False) -> ImportReport:
    """Check every row; write them all (one transaction) only if all pass and not a dry run."""
    require(actor, Action.RECORD_DEPOSIT)
    require(actor, Action.OPEN_MATTER)
    rows = _rows(data)
    report = ImportReport(rows=len(rows), dry_run=dry_run)
    try:
        with transaction.atomic():
            made: dict[str, str] = {}
            for line, row in rows:
                try:
                    with transaction.atomic():
                        _apply(actor, row, made, report)
                except LawLedgerError as error:
                    report.problems.append({"line": line, "field": error.param,
                                            "code": error.code, "message": error.message})
            if report.problems or dry_run:
                raise _RollBack
            record(actor, ImportEvent.CLIENTS_IMPORTED, object_type="import",
                   object_id="clients", details={"rows": len(rows),
                                                 "clients": len(report.clients),
                                                 "matters": len(report.matters),
                                                 "opening_entries": len(report.opening_entries)})
    except _RollBack:
        with transaction.atomic():
            record(actor, ImportEvent.CLIENTS_CHECKED, object_type="import", object_id="clients",
                   outcome="ok" if not report.problems else "refused",
                   details={"rows": len(rows), "problems": len(report.problems),
                            "dry_run": dry_run})
    return report
