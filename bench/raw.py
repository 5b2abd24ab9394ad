"""The physical limits the service and the bulk path are compared with: plain driver SQL.

`raw_postings`: per posting, one durable transaction on the same database (same file or cluster,
same schema with its triggers and indexes, same durability: WAL + synchronous=FULL on SQLite,
fsync and synchronous_commit on PostgreSQL) that locks and reads the two balances, inserts the
two postings and the entry, and updates the balances. No rules, no audit record, no encryption.

`dump_rows` / `insert_rows`: exactly the rows the bulk path wrote, inserted again with plain
`executemany` in batches of the same size, one transaction per batch.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import time
from typing import Any

from bench.generator import TRUST_ACCOUNT


def connect() -> tuple[Any, str]:
    """A plain driver connection to the database Django is configured for (autocommit)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        import sqlite3

        conn = sqlite3.connect(db["NAME"], isolation_level=None, timeout=30)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON",
                       "busy_timeout=30000"):
            conn.execute(f"PRAGMA {pragma}")
        return conn, "sqlite"
    import psycopg

    conn = psycopg.connect(host=db["HOST"] or None, port=db["PORT"] or None, dbname=db["NAME"],
                           user=db["USER"] or None, password=db["PASSWORD"] or None,
                           autocommit=True)
    return conn, "postgresql"


def _mark(vendor: str, sql: str) -> str:
    return sql.replace("%s", "?") if vendor == "sqlite" else sql


def _ledgers(matters: list[str]) -> tuple[int, int, list[int]]:
    """(bank account id, trust bank ledger id, client ledger ids), created through lawledger."""
    from django.db import transaction

    from lawledger.core.ledger import AccountKind
    from lawledger.firm.models import Matter
    from lawledger.ledger.accounts import client_ledger, firm_ledger, get_bank_account

    bank = get_bank_account(TRUST_ACCOUNT)
    with transaction.atomic():
        clients = [client_ledger(bank, Matter.objects.get(number=number), create=True)
                   for number in matters]
    return bank.pk, firm_ledger(bank, AccountKind.TRUST_BANK).pk, [c.pk for c in clients if c]


def raw_postings(count: int, matters: list[str], *, start_at: float | None = None) -> dict[str, Any]:
    from django.db import connection as django_connection

    bank_id, bank_ledger, clients = _ledgers(matters)
    django_connection.close()
    conn, vendor = connect()
    begin = "BEGIN IMMEDIATE" if vendor == "sqlite" else "BEGIN"
    lock = _mark(vendor, "SELECT id, balance_minor FROM ledger_account WHERE id IN (%s, %s) "
                 "ORDER BY id" + (" FOR UPDATE" if vendor == "postgresql" else ""))
    next_id = ("SELECT COALESCE(MAX(id), 0) + 1 FROM ledger_journal_entry" if vendor == "sqlite"
               else "SELECT nextval('ledger_journal_entry_id_seq')")
    posting = _mark(vendor, "INSERT INTO ledger_posting (entry_id, ledger_account_id, "
                    "bank_account_id, effective_date, amount_minor, currency, balance_after_minor) "
                    "VALUES (%s, %s, %s, %s, %s, 'USD', %s)")
    entry = _mark(vendor, "INSERT INTO ledger_journal_entry (id, public_id, kind, effective_date, "
                  "recorded_at, recorded_by, bank_account_id, matter_id, amount_minor, currency, "
                  "method, reference, invoice_ref, payor, is_uncleared_override) VALUES (%s, %s, "
                  "%s, %s, %s, 'raw', %s, NULL, %s, 'USD', 'check', '', '', %s, %s)")
    update = _mark(vendor, "UPDATE ledger_account SET balance_minor = balance_minor + %s, "
                   "version = version + 1, last_entry_date = %s WHERE id = %s")
    first_day = dt.date(2026, 1, 5)
    payor = "enc1:k1:" + "x" * 60  # the size of a sealed short text, stored as is
    if start_at:
        time.sleep(max(0.0, float(start_at) - time.time()))
    started = time.perf_counter()
    for n in range(count):
        client = clients[(n // 2) % len(clients)]
        amount = 250_000 if n % 2 == 0 else -1_000  # debit of the bank: deposit, then a payment
        cursor = conn.cursor()
        cursor.execute(begin)
        balances = dict(cursor.execute(lock, (min(bank_ledger, client), max(bank_ledger, client)))
                        .fetchall())
        entry_id = cursor.execute(next_id).fetchone()[0]
        day = (first_day + dt.timedelta(days=n // (2 * len(clients)))).isoformat()
        if vendor == "postgresql":
            day = dt.date.fromisoformat(day)
        cursor.executemany(posting, [(entry_id, bank_ledger, bank_id, day, amount,
                                      balances[bank_ledger] + amount),
                                     (entry_id, client, bank_id, day, -amount,
                                      balances[client] + amount)])
        recorded = "2026-01-05 12:00:00" if vendor == "sqlite" else dt.datetime.now(dt.UTC)
        cursor.execute(entry, (entry_id, f"je_raw{os.getpid()}x{n:010d}", "deposit", day,
                               recorded, bank_id, abs(amount), payor, False))
        cursor.executemany(update, [(amount, day, bank_ledger), (amount, day, client)])
        cursor.execute("COMMIT")
    finished = time.perf_counter()
    conn.close()
    return {"postings": count, "seconds": finished - started,
            "started": time.time() - (finished - started), "finished": time.time()}


_TABLES = ("ledger_account", "ledger_posting", "ledger_journal_entry")


def dump_rows(path: str) -> None:
    """Save the rows of the ledger tables (after the bulk path ran) for `insert_rows`."""
    from django.db import connection

    dumped: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for table in _TABLES:
            cursor.execute(f"SELECT * FROM {table} ORDER BY id")
            dumped[table] = ([column[0] for column in cursor.description], cursor.fetchall())
    with open(path, "wb") as handle:
        pickle.dump(dumped, handle)


def insert_rows(path: str, batch: int) -> dict[str, Any]:
    """Insert the dumped rows with executemany, `batch` entries per transaction (timed)."""
    from django.db import connection as django_connection

    with open(path, "rb") as handle:
        dumped = pickle.load(handle)
    django_connection.close()
    conn, vendor = connect()
    columns, accounts = dumped["ledger_account"]
    cursor = conn.cursor()
    existing = {row[0] for row in cursor.execute("SELECT id FROM ledger_account").fetchall()}
    marks = ", ".join(["%s"] * len(columns))
    fresh = {"balance_minor": 0, "version": 0, "last_entry_date": None}  # as the bulk path found them
    new_accounts = [tuple(fresh.get(name, value) for name, value in zip(columns, row, strict=True))
                    for row in accounts if row[0] not in existing]
    cursor.executemany(_mark(vendor, f"INSERT INTO ledger_account ({', '.join(columns)}) "
                                     f"VALUES ({marks})"), new_accounts)
    posting_columns, postings = dumped["ledger_posting"]
    entry_columns, entries = dumped["ledger_journal_entry"]
    by_entry: dict[int, list[Any]] = {}
    entry_index = posting_columns.index("entry_id")
    for row in postings:
        by_entry.setdefault(row[entry_index], []).append(row)
    posting_sql = _insert_sql(vendor, "ledger_posting", posting_columns)
    entry_sql = _insert_sql(vendor, "ledger_journal_entry", entry_columns)
    update = _mark(vendor, "UPDATE ledger_account SET balance_minor = balance_minor + %s, "
                   "version = version + %s WHERE id = %s")
    begin = "BEGIN IMMEDIATE" if vendor == "sqlite" else "BEGIN"
    account_index = posting_columns.index("ledger_account_id")
    amount_index = posting_columns.index("amount_minor")
    started = time.perf_counter()
    for start in range(0, len(entries), batch):
        part = entries[start:start + batch]
        rows = [p for entry in part for p in by_entry[entry[0]]]
        cursor.execute(begin)
        cursor.executemany(posting_sql, rows)
        cursor.executemany(entry_sql, part)
        cursor.executemany(update, _balance_changes(rows, account_index, amount_index, accounts,
                                                    columns))
        cursor.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return {"entries": len(entries), "seconds": seconds}


def _insert_sql(vendor: str, table: str, columns: list[str]) -> str:
    marks = ", ".join(["%s"] * len(columns))
    return _mark(vendor, f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})")


def _balance_changes(rows: list[Any], account_index: int, amount_index: int, accounts: list[Any],
                     columns: list[str]) -> list[tuple[int, int, int]]:
    kinds = {row[0]: row[columns.index("kind")] for row in accounts}
    debit_normal = {"trust_bank", "operating_bank"}
    changes: dict[int, list[int]] = {}
    for row in rows:
        account = row[account_index]
        side = 1 if kinds[account] in debit_normal else -1
        change = changes.setdefault(account, [0, 0])
        change[0] += side * row[amount_index]
        change[1] += 1
    return [(total, count, account) for account, (total, count) in changes.items()]
