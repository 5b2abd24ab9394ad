"""Importing a bank statement file: one database transaction per file, all or nothing.

The file is size-checked, parsed by `lawledger.core.formats.detect.parse_statement` (pure), and
each statement in it is checked against the bank account: the account number on the statement must
be this account's (normalised digits, or the last four when the bank masks the rest) and the
currency must be the account's. Lines are deduplicated per account by a fingerprint — the bank's
own id for the line when the format has one, else the date, amount, check number and the line's
occurrence among identical lines — so re-importing a file, or an overlapping one, adds nothing
twice. Any bad line refuses the whole file, naming the line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from lawledger.access.policy import require
from lawledger.audit.services import record
from lawledger.banking.errors import (
    StatementAccountMismatch,
    StatementCurrencyMismatch,
    StatementTooLarge,
)
from lawledger.banking.events import BankingEvent
from lawledger.banking.models import BankLine, BankStatement, SavedCsvProfile
from lawledger.core import clock
from lawledger.core.access import Action, Principal
from lawledger.core.errors import InvalidInput, LawLedgerError
from lawledger.core.formats.statement import Statement, StatementLine, StatementMalformed
from lawledger.core.money import MAX_AMOUNT_MINOR, format_minor
from lawledger.ledger.accounts import get_bank_account
from lawledger.ledger.models import BankAccount

# A month of a very busy trust account is a few MB; SECURITY.md C5 refuses 50 MB before parsing.
MAX_STATEMENT_BYTES = 25 * 1024 * 1024
FORMATS = ("auto", "ofx", "csv", "camt053", "bai2", "mt940")
_BATCH = 2000
_LOOKUP_CHUNK = 900
_MAX_TEXT = 4000


@dataclass
class ImportResult:
    account: str
    currency: str
    file_sha256: str
    format: str = ""
    statements: list[str] = field(default_factory=list)
    new_lines: int = 0
    duplicate_lines: int = 0
    ignored_lines: int = 0
    skipped_statements: int = 0
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    closing_balance_minor: int | None = None
    closing_balance_date: dt.date | None = None
    already_imported: bool = False
    proposed_matches: int = 0
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        closing = self.closing_balance_minor
        return {
            "account": self.account, "currency": self.currency, "format": self.format,
            "file_sha256": self.file_sha256, "statements": self.statements,
            "new": self.new_lines, "duplicate": self.duplicate_lines,
            "ignored": self.ignored_lines, "skipped_statements": self.skipped_statements,
            "period": {"start": _iso(self.period_start), "end": _iso(self.period_end)},
            "closing_balance": format_minor(closing, self.currency) if closing is not None
            else None,
            "closing_balance_date": _iso(self.closing_balance_date),
            "already_imported": self.already_imported,
            "proposed_matches": self.proposed_matches, "warnings": self.warnings,
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def check_statement_size(size_bytes: int) -> None:
    if size_bytes > MAX_STATEMENT_BYTES:
        raise StatementTooLarge(
            f"file: {size_bytes:,} bytes is more than the {MAX_STATEMENT_BYTES // (1024 * 1024)} MB "
            "a statement may have; export a shorter period", param="file")


def csv_profile(name: str) -> Any:
    """A saved CSV profile by name, else a built-in one (lawledger.core.formats.csv_builtin)."""
    from lawledger.core.formats.csv_builtin import builtin_profile
    from lawledger.core.formats.csv_profiles import CsvProfile

    saved = SavedCsvProfile.objects.filter(name=(name or "").strip()).first()
    if saved is not None:
        return CsvProfile.from_dict(saved.definition)
    return builtin_profile((name or "").strip())  # refuses an unknown name, listing the known


def parse_file(data: bytes, file_format: str, profile: Any,
               default_currency: str | None = None) -> list[Statement]:
    """The statements of a file, or a clear InvalidInput; never a half-read file.

    `default_currency` (the account's) is the currency of a file that names none (some BAI2 and
    OFX files); a file that names another is still refused by the currency check."""
    check_statement_size(len(data))
    if not data.strip():
        raise StatementMalformed("file: the file is empty", param="file")
    try:
        from lawledger.core.formats.detect import parse_statement
    except ImportError:
        raise InvalidInput(f"format: no reader for {file_format} statements is installed",
                           param="format") from None
    try:
        return list(parse_statement(data, format=file_format, profile=profile,
                                    default_currency=default_currency))
    except LawLedgerError:
        raise
    except (RecursionError, MemoryError):
        raise StatementMalformed("file: the file nests or repeats too deeply to be a statement",
                                 param="file") from None
    except Exception as exc:  # any reader failure means the file is not a statement we can take
        raise StatementMalformed(f"file: not a readable {file_format} statement "
                                 f"({type(exc).__name__})", param="file") from None


def statement_import(*, actor: Principal, account: str, data: bytes, file_format: str = "auto",
                     profile: str | None = None, file_name: str = "") -> ImportResult:
    """`lawledger bank import`: parse, check, deduplicate and store one file, then propose matches."""
    require(actor, Action.RECORD_DEPOSIT)
    chosen_format = (file_format or "auto").strip().lower()
    if chosen_format not in FORMATS:
        raise InvalidInput(f"format: {file_format!r} is not one of {', '.join(FORMATS)}",
                           param="format")
    check_statement_size(len(data))
    bank = get_bank_account(account)
    profile_value = None
    if profile:
        if chosen_format not in ("auto", "csv"):
            raise InvalidInput("profile: a profile is for CSV files only", param="profile")
        profile_value = csv_profile(profile)
    statements = parse_file(data, chosen_format, profile_value, default_currency=bank.currency)
    result = import_statements(actor=actor, bank=bank, statements=statements,
                               file_sha256=hashlib.sha256(data).hexdigest(),
                               file_size_bytes=len(data), file_name=file_name)
    if result.new_lines:
        from lawledger.banking.matching import auto_match

        # Its own transaction: the import stands even if proposing fails, and can be re-run.
        result.proposed_matches = auto_match(actor=actor, account=bank.name).proposed
    return result


def import_statements(*, actor: Principal, bank: BankAccount, statements: Sequence[Statement],
                      file_sha256: str, file_size_bytes: int, file_name: str = "") -> ImportResult:
    """Store parsed statements of one file in one transaction (also used by tests and the bench)."""
    require(actor, Action.RECORD_DEPOSIT)
    result = ImportResult(account=bank.name, currency=bank.currency, file_sha256=file_sha256)
    if not statements:
        raise StatementMalformed("file: holds no bank statement", param="file")
    with transaction.atomic():
        chosen = _statements_for(bank, statements, result)
        result.format = chosen[0][1].format
        if BankStatement.objects.filter(bank_account=bank, file_sha256=file_sha256).exists():
            result.already_imported = True
            result.duplicate_lines = sum(len(s.lines) for _, s in chosen)
            _summarise(result, [s for _, s in chosen])
            record(actor, BankingEvent.STATEMENT_DUPLICATE, object_type="account",
                   object_id=bank.public_id,
                   details={"account": bank.name, "sha256": file_sha256})
            return result
        occurrences: dict[tuple[Any, ...], int] = {}
        seen_references: dict[str, StatementLine] = {}
        for sequence, statement in chosen:
            _store_statement(actor, bank, statement, sequence, result, occurrences=occurrences,
                             seen_references=seen_references, file_sha256=file_sha256,
                             file_size_bytes=file_size_bytes, file_name=file_name)
        _summarise(result, [s for _, s in chosen])
        record(actor, BankingEvent.STATEMENT_IMPORTED, object_type="account",
               object_id=bank.public_id,
               details={"account": bank.name, "format": result.format, "sha256": file_sha256,
                        "statements": result.statements, "new": result.new_lines,
                        "duplicate": result.duplicate_lines, "ignored": result.ignored_lines,
                        "bytes": file_size_bytes})
    return result


def _summarise(result: ImportResult, statements: list[Statement]) -> None:
    starts = [s.period_start or min((ln.posted_on for ln in s.lines), default=None)
              for s in statements]
    ends = [s.period_end or max((ln.posted_on for ln in s.lines), default=None)
            for s in statements]
    result.period_start = min((d for d in starts if d), default=None)
    result.period_end = max((d for d in ends if d), default=None)
    closing = [s for s in statements if s.closing_balance_minor is not None]
    if closing:
        last = max(closing, key=lambda s: s.closing_balance_date or s.period_end or dt.date.min)
        result.closing_balance_minor = last.closing_balance_minor
        result.closing_balance_date = last.closing_balance_date or last.period_end


# ---------------------------------------------------------------------------------------------
# which statements of the file belong to this account


def normalise_account_number(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def _is_iban(number: str) -> bool:
    return len(number) >= 15 and number[:2].isalpha() and number[2:4].isdigit()


def account_numbers_agree(ours: str, theirs: str) -> bool:
    """Whether a statement's account number is this account's, allowing for masking and IBANs."""
    mine, other = normalise_account_number(ours), normalise_account_number(theirs)
    if not mine or not other:
        return True
    if "*" in theirs or "XXX" in theirs.upper():
        digits_mine = "".join(ch for ch in mine if ch.isdigit())
        digits_other = "".join(ch for ch in other if ch.isdigit())
        return len(digits_other) >= 4 and digits_mine[-4:] == digits_other[-4:]
    if mine.lstrip("0") == other.lstrip("0"):
        return True
    for full, part in ((mine, other.lstrip("0")), (other, mine.lstrip("0"))):
        if _is_iban(full) and len(part) >= 6 and full.endswith(part):
            return True
    return False


def _statements_for(bank: BankAccount, statements: Sequence[Statement],
                    result: ImportResult) -> list[tuple[int, Statement]]:
    ours = bank.account_number or ""
    chosen: list[tuple[int, Statement]] = []
    refused: list[Statement] = []
    for sequence, statement in enumerate(statements):
        if ours and not account_numbers_agree(ours, statement.account_number):
            refused.append(statement)
        else:
            chosen.append((sequence, statement))
    if not chosen:
        last4 = normalise_account_number(refused[0].account_number)[-4:]
        raise StatementAccountMismatch(
            f"file: this is a statement of account …{last4}, not of {bank.name} "
            f"(…{bank.account_number_last4 or '?'})", param="account")
    result.skipped_statements = len(refused)
    if refused:
        result.warnings.append(f"{len(refused)} statement(s) of other accounts in the file were "
                               "left out")
    if not ours and any(s.account_number for _, s in chosen):
        result.warnings.append(f"{bank.name} has no account number on file: the statement's "
                               "account could not be checked")
    for _, statement in chosen:
        if (statement.currency or "").upper() != bank.currency:
            raise StatementCurrencyMismatch(
                f"file: the statement is in {statement.currency or 'no currency'}, "
                f"{bank.name} is kept in {bank.currency}", param="currency")
    return chosen


# ---------------------------------------------------------------------------------------------
# lines


def _clean_text(value: str, limit: int = _MAX_TEXT) -> str:
    cleaned = "".join(ch if ch.isprintable() else " " for ch in (value or "")).strip()
    return cleaned[:limit]


def _identifier(value: str, *, line: int, name: str, limit: int) -> str:
    cleaned = _clean_text(value, limit + 1)
    if len(cleaned) > limit:
        raise StatementMalformed(f"line {line}: {name} is longer than {limit} characters",
                                 param="file")
    return cleaned


def _checked_line(line: StatementLine) -> None:
    where = f"line {line.line_number}"
    if type(line.amount_minor) is not int:
        raise StatementMalformed(f"{where}: amount is not a whole number of minor units",
                                 param="file")
    if abs(line.amount_minor) > MAX_AMOUNT_MINOR:
        raise StatementMalformed(f"{where}: amount is larger than any amount lawledger accepts",
                                 param="file")
    if not isinstance(line.posted_on, dt.date) or not 1970 <= line.posted_on.year <= 2200:
        raise StatementMalformed(f"{where}: the date is missing or out of range", param="file")


def fingerprint(line: StatementLine, reference: str, occurrence: int) -> str:
    """The bank's id when it gives one, else the content and its occurrence among its twins."""
    if reference:
        payload = f"ref|{reference}"
    else:
        payload = (f"content|{line.posted_on.isoformat()}|{line.amount_minor}|"
                   f"{line.check_number.strip()}|{occurrence}")
    return hashlib.sha256(payload.encode()).hexdigest()


def _usable_reference(value: str, *, line: int) -> str:
    reference = _identifier(value, line=line, name="bank reference", limit=255)
    return "" if reference.upper() in {"NONREF", "NOTPROVIDED", "NONE"} else reference


def _store_statement(actor: Principal, bank: BankAccount, statement: Statement, sequence: int,
                     result: ImportResult, *, occurrences: dict[tuple[Any, ...], int],
                     seen_references: dict[str, StatementLine], file_sha256: str,
                     file_size_bytes: int, file_name: str) -> None:
    prepared: list[tuple[StatementLine, str, str]] = []
    for line in statement.lines:
        _checked_line(line)
        if line.amount_minor == 0:
            result.ignored_lines += 1
            continue
        reference = _usable_reference(line.bank_reference, line=line.line_number)
        if reference:
            twin = seen_references.get(reference)
            if twin is not None:
                if (twin.posted_on, twin.amount_minor) != (line.posted_on, line.amount_minor):
                    raise StatementMalformed(
                        f"line {line.line_number}: bank reference {reference!r} is also on line "
                        f"{twin.line_number} with another date or amount", param="file")
                result.duplicate_lines += 1
                continue
            seen_references[reference] = line
        key = (line.posted_on, line.amount_minor, line.check_number.strip())
        occurrence = occurrences.get(key, 0)
        occurrences[key] = occurrence + 1
        prepared.append((line, reference, fingerprint(line, reference, occurrence)))
    existing = _existing_fingerprints(bank, [fp for _, _, fp in prepared])
    fresh = [item for item in prepared if item[2] not in existing]
    result.duplicate_lines += len(prepared) - len(fresh)
    row = BankStatement(
        bank_account=bank, format=statement.format[:16], file_sha256=file_sha256,
        sequence_in_file=sequence, file_name=_clean_text(file_name, 255) or None,
        file_size_bytes=file_size_bytes,
        statement_ref=_identifier(statement.statement_id, line=0, name="statement id",
                                  limit=128),
        currency=bank.currency, period_start=statement.period_start,
        period_end=statement.period_end,
        opening_balance_minor=statement.opening_balance_minor,
        closing_balance_minor=statement.closing_balance_minor,
        closing_balance_date=statement.closing_balance_date, line_count=len(statement.lines),
        new_line_count=len(fresh), duplicate_line_count=len(statement.lines) - len(fresh),
        imported_by=actor.label, imported_by_user_id=actor.user_id, imported_at=clock.now())
    row.save(force_insert=True)
    result.statements.append(row.public_id)
    lines = [BankLine(
        statement=row, bank_account=bank, line_number=line.line_number, posted_on=line.posted_on,
        value_date=line.value_date, amount_minor=line.amount_minor, currency=bank.currency,
        kind=str(line.kind)[:16], bank_reference=reference,
        end_to_end_id=_identifier(line.end_to_end_id, line=line.line_number,
                                  name="end-to-end id", limit=255),
        check_number=_identifier(line.check_number, line=line.line_number, name="check number",
                                 limit=32),
        counterparty=_clean_text(line.counterparty) or None,
        description=_clean_text(line.description) or None, fingerprint=print_)
        for line, reference, print_ in fresh]
    try:
        with transaction.atomic():
            for start in range(0, len(lines), _BATCH):
                BankLine.objects.bulk_create(lines[start:start + _BATCH])
    except IntegrityError:
        # A concurrent import of an overlapping file committed first: this file is refused whole
        # and can simply be imported again (its lines are then recognised as duplicates).
        raise StatementMalformed("file: another import of the same lines ran at the same time; "
                                 "import the file again", param="file") from None
    result.new_lines += len(lines)


def _existing_fingerprints(bank: BankAccount, prints: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(prints), _LOOKUP_CHUNK):
        chunk = prints[start:start + _LOOKUP_CHUNK]
        found.update(BankLine.objects.filter(bank_account=bank, fingerprint__in=chunk)
                     .values_list("fingerprint", flat=True))
    return found
