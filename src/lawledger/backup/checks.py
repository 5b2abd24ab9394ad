"""Integrity checks and invariants I1–I8, run by SQL on a restored copy (verify, restore).

The SQL is built only from constants of this module and of `core.ledger` (hence the S608 noqa).

Each check returns the first few offending ids, so a failure names what is wrong. They read the
tables directly, never through the services: a copy is judged on what it holds, not on what the
code that wrote it believed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connections

from lawledger.backup.databases import as_default
from lawledger.core.ledger import NON_NEGATIVE_KINDS, NORMAL_SIDE, TRUST_SUBLEDGER_KINDS

LIMIT = 5
APPEND_ONLY_TABLES = ("ledger_journal_entry", "ledger_posting", "audit_record")


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail}


def _in(kinds: frozenset[Any] | tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{kind}'" for kind in sorted(str(k) for k in kinds)) + ")"


def _side_case(column: str) -> str:
    positive = [str(kind) for kind, side in NORMAL_SIDE.items() if side == 1]
    return f"(CASE WHEN {column} IN {_in(tuple(positive))} THEN 1 ELSE -1 END)"


def _offenders(alias: str, sql: str) -> list[str]:
    with connections[alias].cursor() as cursor:
        cursor.execute(f"{sql} LIMIT {LIMIT}")
        return [" ".join(str(value) for value in row) for row in cursor.fetchall()]


def _result(name: str, offenders: list[str], what: str) -> CheckResult:
    if not offenders:
        return CheckResult(name, True)
    return CheckResult(name, False, f"{what}: {', '.join(offenders)}")


SQL_CHECKS: list[tuple[str, str, str]] = [
    ("I1 every entry balances per book and currency",
     "SELECT entry_id FROM ledger_posting GROUP BY entry_id, bank_account_id, currency "
     "HAVING SUM(amount_minor) <> 0", "entries whose postings do not sum to zero"),
    ("I1 every entry has its postings",
     "SELECT e.id FROM ledger_journal_entry e LEFT JOIN ledger_posting p ON p.entry_id = e.id "
     "GROUP BY e.id HAVING COUNT(p.id) < 2", "entries with fewer than two postings"),
    ("I1 no posting without its entry (nothing half-posted)",
     "SELECT p.id FROM ledger_posting p LEFT JOIN ledger_journal_entry e ON e.id = p.entry_id "
     "WHERE e.id IS NULL", "postings of no entry"),
    ("I3 no trust sub-ledger below zero",
     f"SELECT id FROM ledger_account WHERE kind IN {_in(NON_NEGATIVE_KINDS)} "  # noqa: S608
     "AND balance_minor < 0",
     "ledger accounts below zero"),
    ("I3 no trust sub-ledger below zero at any point of its timeline",
     f"SELECT ledger_account_id, entry_id FROM (SELECT p.ledger_account_id, p.entry_id, "  # noqa: S608
     f"SUM({_side_case('la.kind')} * p.amount_minor) OVER (PARTITION BY p.ledger_account_id "
     "ORDER BY p.effective_date, p.entry_id, p.id ROWS UNBOUNDED PRECEDING) AS running "
     "FROM ledger_posting p JOIN ledger_account la ON la.id = p.ledger_account_id "
     f"WHERE la.kind IN {_in(NON_NEGATIVE_KINDS)}) timeline WHERE running < 0",
     "(ledger account, entry) points below zero"),
    ("balance rows equal the sum of their postings",
     f"SELECT la.id FROM ledger_account la LEFT JOIN (SELECT ledger_account_id, "  # noqa: S608
     "SUM(amount_minor) AS total FROM ledger_posting GROUP BY ledger_account_id) p "
     "ON p.ledger_account_id = la.id "
     f"WHERE la.balance_minor <> {_side_case('la.kind')} * COALESCE(p.total, 0)",
     "ledger accounts whose balance differs from their postings"),
    ("I4 client and firm-funds ledgers live only in trust books",
     "SELECT la.id FROM ledger_account la JOIN ledger_bank_account b ON b.id = la.bank_account_id "  # noqa: S608
     f"WHERE la.kind IN {_in(TRUST_SUBLEDGER_KINDS | {'trust_bank'})} AND b.kind <> 'trust'",
     "trust ledgers in a non-trust book"),
    ("I5 each trust bank equals the sum of its sub-ledgers",
     "SELECT b.name FROM ledger_bank_account b JOIN ledger_account bank "  # noqa: S608
     "ON bank.bank_account_id = b.id AND bank.kind = 'trust_bank' "
     "LEFT JOIN (SELECT bank_account_id, SUM(balance_minor) AS total FROM ledger_account "
     f"WHERE kind IN {_in(TRUST_SUBLEDGER_KINDS)} GROUP BY bank_account_id) sub "
     "ON sub.bank_account_id = b.id WHERE bank.balance_minor <> COALESCE(sub.total, 0)",
     "trust accounts out of agreement"),
    ("I6 no entry recorded inside a signed-off period",
     "SELECT e.id FROM ledger_journal_entry e JOIN ledger_period_lock l "
     "ON l.bank_account_id = e.bank_account_id AND e.effective_date <= l.through_date "
     "AND e.recorded_at > l.locked_at", "entries recorded into a locked period"),
    ("I7 an idempotency key applies once",
     "SELECT scope, key FROM ledger_idempotency_key GROUP BY scope, key HAVING COUNT(*) > 1",
     "keys used twice"),
]


def append_only_backstops(alias: str) -> CheckResult:
    """I2: the triggers that refuse UPDATE/DELETE of posted rows and audit records are there."""
    from lawledger.backup.inventory import trigger_names

    present = set(trigger_names(alias))
    if connections[alias].vendor == "sqlite":
        wanted = {f"{t}_no_{op}" for t in APPEND_ONLY_TABLES for op in ("update", "delete")}
    else:
        wanted = {f"{t}.{t}_append_only" for t in APPEND_ONLY_TABLES}
    missing = sorted(wanted - present)
    return _result("I2 posted entries and audit records are append-only (triggers present)",
                   missing, "missing triggers")


def sqlite_integrity(alias: str) -> CheckResult:
    with connections[alias].cursor() as cursor:
        cursor.execute("PRAGMA integrity_check")
        problems = [str(row[0]) for row in cursor.fetchall() if row[0] != "ok"]
        cursor.execute("PRAGMA foreign_key_check")
        problems += [f"foreign key {row[0]} row {row[1]} → {row[2]}" for row in cursor.fetchall()]
    return _result("database integrity (PRAGMA integrity_check, foreign_key_check)",
                   problems[:LIMIT], "problems")


def audit_chain(alias: str) -> CheckResult:
    """The hash chain in full; its keyed checkpoints too where this machine has the master key
    (an offline verifier has only the backup identity, by design)."""
    from lawledger.audit.verify import verify_chain
    from lawledger.crypto.master import MasterKeyError, load_master_key

    try:
        load_master_key()
        keyed = True
    except MasterKeyError:
        keyed = False
    with as_default(alias):
        result = verify_chain(keyed=keyed)
    name = "I8 the audit chain verifies"
    if result.ok:
        note = "" if keyed else " (keyed checkpoints not checked: no master key here)"
        return CheckResult(name, True, f"{result.records} records, head #{result.head_seq}{note}")
    return CheckResult(name, False, result.problem)


def run_all(alias: str) -> list[CheckResult]:
    results = []
    if connections[alias].vendor == "sqlite":
        results.append(sqlite_integrity(alias))
    results.append(append_only_backstops(alias))
    results += [_result(name, _offenders(alias, sql), what) for name, sql, what in SQL_CHECKS]
    results.append(audit_chain(alias))
    return results


def master_key_opens_data_keys(alias: str) -> CheckResult:
    """Do the copy's wrapped data keys open with the master key this machine has? (F7)"""
    from lawledger.core.errors import DecryptionFailed
    from lawledger.crypto.keyring import KEYRING
    from lawledger.crypto.master import MasterKeyError, load_master_key

    name = "the data keys open with this machine's master key"
    try:
        load_master_key()
    except MasterKeyError:
        return CheckResult(name, True, "skipped: no master key here (the restored firm needs it)")
    with as_default(alias):
        try:
            KEYRING.primary_key_id()
        except DecryptionFailed as exc:
            return CheckResult(name, False, exc.message)
    return CheckResult(name, True)
