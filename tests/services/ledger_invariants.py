"""The ledger's invariants checked from the raw tables, with plain SQL that trusts no model code.

Used by the concurrency, crash and stateful tests, on Django's connection (`django_query`) or on
a bare sqlite3/psycopg connection to a fresh firm's database (`firm_database`); a `query` runs one
parameterless SELECT and returns its rows. Each check returns a list of problems, so a failure
names every broken row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

Query = Callable[[str], Sequence[Sequence[Any]]]

# The normal side of each ledger kind (lawledger.core.ledger.NORMAL_SIDE), written out again here
# so that a mistake there cannot hide itself.
NORMAL_SIDE = {"trust_bank": 1, "operating_bank": 1, "client": -1, "firm_funds": -1,
               "interest": -1, "unidentified": -1, "fee_income": -1}
NON_NEGATIVE = {"trust_bank", "client", "firm_funds", "interest", "unidentified"}
TRUST_SUBLEDGERS = {"client", "firm_funds", "interest", "unidentified"}


class FirmLike(Protocol):
    home: Path
    env: dict[str, str]


def django_query(sql: str) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


@contextmanager
def firm_database(firm: FirmLike) -> Iterator[tuple[Query, Any]]:
    """A bare connection to a fresh firm's database (tests/cli.py): its query and the connection.

    On PostgreSQL every check runs in one snapshot: a COMMIT that a killed process had already
    sent may still land while the checks run, and must not fall between two of them.
    """
    url = firm.env.get("DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url) as pg:
            pg.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            yield (lambda sql: pg.execute(sql).fetchall()), pg
        return
    import sqlite3

    lite = sqlite3.connect(firm.home / "lawledger.sqlite3", isolation_level=None)
    try:
        yield (lambda sql: lite.execute(sql).fetchall()), lite
    finally:
        lite.close()


def unbalanced_entries(query: Query) -> list[str]:
    """I1: every entry's postings sum to zero per book and currency, and it has two or more."""
    problems = [f"entry {entry_id}: book {book} {currency} sums to {total}" for
                entry_id, book, currency, total in query(
                    "SELECT entry_id, bank_account_id, currency, SUM(amount_minor) "
                    "FROM ledger_posting GROUP BY entry_id, bank_account_id, currency "
                    "HAVING SUM(amount_minor) <> 0")]
    problems += [f"entry {entry_id}: {count} posting(s)" for entry_id, count in query(
        "SELECT e.id, COUNT(p.id) FROM ledger_journal_entry e "
        "LEFT JOIN ledger_posting p ON p.entry_id = e.id GROUP BY e.id HAVING COUNT(p.id) < 2")]
    problems += [f"posting {posting_id}: no entry {entry_id}" for posting_id, entry_id in query(
        "SELECT p.id, p.entry_id FROM ledger_posting p "
        "LEFT JOIN ledger_journal_entry e ON e.id = p.entry_id WHERE e.id IS NULL")]
    return problems


Point = tuple[str, int, int, int, int]


def _timelines(query: Query) -> dict[int, list[Point]]:
    """Per ledger account, in (effective_date, entry_id) order: the date, entry id, posting id,
    natural delta and stored balance_after_minor of each posting."""
    rows = query("SELECT p.ledger_account_id, la.kind, p.effective_date, p.entry_id, p.id, "
                 "p.amount_minor, p.balance_after_minor FROM ledger_posting p "
                 "JOIN ledger_account la ON la.id = p.ledger_account_id")
    out: dict[int, list[Point]] = defaultdict(list)
    for account_id, kind, day, entry_id, posting_id, amount, after in rows:
        out[account_id].append((str(day), entry_id, posting_id, NORMAL_SIDE[kind] * amount, after))
    return {account_id: sorted(points) for account_id, points in out.items()}


def balance_problems(query: Query) -> list[str]:
    """Balance rows equal the sum of their postings; I3 on every timeline; I5 per trust book."""
    problems = []
    accounts = {row[0]: row for row in query(
        "SELECT id, kind, bank_account_id, balance_minor, version FROM ledger_account")}
    timelines = _timelines(query)
    for account_id, (_, kind, _, balance, version) in accounts.items():
        points = timelines.get(account_id, [])
        total = sum(point[3] for point in points)
        if total != balance:
            problems.append(f"ledger {account_id} ({kind}): balance row {balance}, postings {total}")
        if len({point[1] for point in points}) != version:
            problems.append(f"ledger {account_id} ({kind}): version {version}, "
                            f"{len({point[1] for point in points})} entries")
        running = 0
        for day, entry_id, _, delta, _ in points:  # effective-date timeline (I3)
            running += delta
            if kind in NON_NEGATIVE and running < 0:
                problems.append(f"ledger {account_id} ({kind}) is {running} after entry "
                                f"{entry_id} on {day}")
        running = 0
        for _, entry_id, _, delta, after in sorted(points, key=lambda p: (p[1], p[2])):
            running += delta  # recording order: the balance after each posting as it was stored
            if running != after:
                problems.append(f"ledger {account_id}: entry {entry_id} stored balance_after "
                                f"{after}, recomputed {running}")
    books: dict[int, dict[str, int]] = defaultdict(lambda: {"bank": 0, "subledgers": 0})
    for _, kind, book, balance, _ in accounts.values():
        if kind == "trust_bank":
            books[book]["bank"] += balance
        elif kind in TRUST_SUBLEDGERS:
            books[book]["subledgers"] += balance
    problems += [f"book {book}: trust bank {sums['bank']} != sub-ledgers {sums['subledgers']}"
                 for book, sums in books.items() if sums["bank"] != sums["subledgers"]]
    return problems


def audit_problems(query: Query) -> list[str]:
    """The chain is linear (seq 1..n, each prev_hash its predecessor's hash); every entry audited."""
    problems = []
    rows = query("SELECT seq, prev_hash, hash FROM audit_record ORDER BY seq")
    previous = "0" * 64
    for expected, (seq, prev_hash, digest) in enumerate(rows, start=1):
        if seq != expected:
            problems.append(f"audit seq {seq} where {expected} was expected")
            break
        if prev_hash != previous:
            problems.append(f"audit #{seq} does not follow #{seq - 1}")
        previous = digest
    if len({row[1] for row in rows}) != len(rows):
        problems.append("two audit records share a predecessor (the chain forked)")
    problems += [f"entry {public_id} has no audit record" for (public_id,) in query(
        "SELECT e.public_id FROM ledger_journal_entry e WHERE NOT EXISTS ("
        "SELECT 1 FROM audit_record a WHERE a.event = 'trust.entry_posted' "
        "AND a.object_id = e.public_id)")]
    return problems


def all_problems(query: Query) -> list[str]:
    return unbalanced_entries(query) + balance_problems(query) + audit_problems(query)


def state_snapshot(query: Query) -> tuple[Any, ...]:
    """Everything a refused command must leave as it was (the audit head included)."""
    return (
        tuple(query("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM ledger_journal_entry")),
        tuple(query("SELECT COUNT(*), COALESCE(SUM(amount_minor * id), 0) FROM ledger_posting")),
        tuple(query("SELECT id, balance_minor, version, last_entry_date FROM ledger_account "
                    "ORDER BY id")),
        tuple(query("SELECT COUNT(*) FROM ledger_idempotency_key")),
        tuple(query("SELECT seq, hash FROM audit_head")),
    )
