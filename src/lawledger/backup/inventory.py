"""What a database holds, in figures: the body of a backup's manifest, and what verify compares.

`take(alias)` reads, from one consistent view of a database: the schema (applied migrations and
the names of the triggers that hold the rules), the row count of every table, the balances per
bank account and per ledger kind, the signed-off (reconciled) periods, the audit chain head and
the data key ids. The same function runs on the snapshot when a backup is made and on the
restored copy when it is verified, so "equal to the manifest" is a plain comparison.
"""

from __future__ import annotations

from typing import Any

from django.db import connections

BANK_KINDS = ("trust_bank", "operating_bank")


def _rows(alias: str, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params or [])
        return [tuple(row) for row in cursor.fetchall()]


def table_names(alias: str) -> list[str]:
    connection = connections[alias]
    if connection.vendor == "sqlite":
        rows = _rows(alias, "SELECT name FROM sqlite_master WHERE type = 'table' "
                            "AND name NOT LIKE 'sqlite_%'")
    else:
        rows = _rows(alias, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return sorted(str(name) for (name,) in rows)


def trigger_names(alias: str) -> list[str]:
    if connections[alias].vendor == "sqlite":
        rows = _rows(alias, "SELECT name FROM sqlite_master WHERE type = 'trigger'")
    else:
        rows = _rows(alias, "SELECT c.relname || '.' || t.tgname FROM pg_trigger t "
                            "JOIN pg_class c ON c.oid = t.tgrelid "
                            "JOIN pg_namespace n ON n.oid = c.relnamespace "
                            "WHERE NOT t.tgisinternal AND n.nspname = current_schema()")
    return sorted(str(name) for (name,) in rows)


def applied_migrations(alias: str) -> list[str]:
    return sorted(f"{app}.{name}" for app, name in _rows(
        alias, "SELECT app, name FROM django_migrations"))


def row_counts(alias: str) -> dict[str, int]:
    quote = connections[alias].ops.quote_name
    counts = {}
    for table in table_names(alias):
        ((count,),) = _rows(alias, f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 (our names)
        counts[table] = int(count)
    return counts


def balances(alias: str) -> list[dict[str, Any]]:
    """Per bank account: its book's balance and, per ledger kind, the sum and number of ledgers."""
    accounts: dict[str, dict[str, Any]] = {}
    for name, public_id, kind, currency in _rows(
            alias, "SELECT name, public_id, kind, currency FROM ledger_bank_account ORDER BY name"):
        accounts[str(public_id)] = {"account": str(name), "public_id": str(public_id),
                                    "kind": str(kind), "currency": str(currency),
                                    "balance_minor": 0, "ledgers": {}}
    for public_id, kind, currency, total, count in _rows(
            alias, "SELECT b.public_id, la.kind, la.currency, SUM(la.balance_minor), COUNT(*) "
                   "FROM ledger_account la JOIN ledger_bank_account b ON b.id = la.bank_account_id "
                   "GROUP BY b.public_id, la.kind, la.currency ORDER BY b.public_id, la.kind"):
        account = accounts[str(public_id)]
        account["ledgers"][f"{kind}:{currency}"] = {"balance_minor": int(total),
                                                    "count": int(count)}
        if kind in BANK_KINDS:
            account["balance_minor"] += int(total)
    return list(accounts.values())


def reconciled_periods(alias: str) -> list[dict[str, str]]:
    """Signed-off periods (each reconciliation sign-off locks its account through a date)."""
    return [{"account": str(name), "through_date": str(through), "reference": str(reference)}
            for name, through, reference in _rows(
                alias, "SELECT b.name, l.through_date, l.reference FROM ledger_period_lock l "
                       "JOIN ledger_bank_account b ON b.id = l.bank_account_id "
                       "ORDER BY b.name, l.through_date, l.id")]


def audit_head(alias: str) -> dict[str, Any]:
    head = _rows(alias, "SELECT seq, hash FROM audit_head WHERE id = 1")
    ((records,),) = _rows(alias, "SELECT COUNT(*) FROM audit_record")
    seq, digest = head[0] if head else (0, "0" * 64)
    return {"head_seq": int(seq), "head_hash": str(digest), "records": int(records)}


def data_keys(alias: str) -> list[dict[str, Any]]:
    return [{"key_id": str(key_id), "is_primary": bool(primary), "retired": retired is not None}
            for key_id, primary, retired in _rows(
                alias, "SELECT key_id, is_primary, retired_at FROM crypto_datakey ORDER BY key_id")]


def take(alias: str) -> dict[str, Any]:
    """Everything above, read on one connection (the caller holds one snapshot open)."""
    return {
        "schema": {"migrations": applied_migrations(alias), "triggers": trigger_names(alias)},
        "tables": row_counts(alias),
        "balances": balances(alias),
        "reconciled_periods": reconciled_periods(alias),
        "audit": audit_head(alias),
        "data_keys": data_keys(alias),
    }


def differences(expected: dict[str, Any], found: dict[str, Any], path: str = "") -> list[str]:
    """Where `found` differs from `expected`, as readable paths (`tables.ledger_posting: 10 ≠ 9`)."""
    if isinstance(expected, dict) and isinstance(found, dict):
        out = []
        for key in sorted(set(expected) | set(found)):
            where = f"{path}.{key}" if path else str(key)
            if key not in found:
                out.append(f"{where}: missing (manifest has {expected[key]!r})")
            elif key not in expected:
                out.append(f"{where}: not in the manifest (found {found[key]!r})")
            else:
                out += differences(expected[key], found[key], where)
        return out
    if expected != found:
        return [f"{path}: manifest {expected!r} ≠ restored {found!r}"]
    return []
