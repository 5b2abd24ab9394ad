"""Database backstops of second approval (SECURITY.md D7), in SQLite and PostgreSQL dialects.

- A request's identity (what is to be paid, from where, asked by whom) never changes.
- Its status moves once, from pending to approved, rejected or withdrawn; a decided request keeps
  its decision, decider and entry. (Encrypted columns may still be re-sealed by key rotation.)
- A request is never deleted (it is part of the record of who asked and who approved), except in
  a declared 'purge' maintenance window, as for the append-only tables (`db.triggers`).
The CHECK constraints on the model hold approver ≠ requester and one entry per approved request.
"""

from __future__ import annotations

from lawledger.db.triggers import MAINTENANCE_TABLE

TABLE = "ledger_approval_request"

_IDENTITY = ["kind", "matter_id", "bank_account_id", "effective_date", "amount_minor", "currency",
             "method", "check_number", "reference", "override_uncleared", "requested_by",
             "requested_by_user_id", "requested_at", "idempotency_key", "fingerprint"]
_DECISION = ["status", "decided_by", "decided_by_user_id", "decided_at", "entry_id"]


def _changed(columns: list[str], distinct: str) -> str:
    return " OR ".join(f"NEW.{c} {distinct} OLD.{c}" for c in columns)


def _checks(distinct: str) -> list[tuple[str, str]]:
    return [
        (_changed(_IDENTITY, distinct),
         "lawledger: an approval request keeps what it asks for and who asked"),
        (f"OLD.status <> 'pending' AND ({_changed(_DECISION, distinct)})",
         "lawledger: approval_decided: a decided approval request keeps its decision"),
    ]


def sqlite_sql() -> list[str]:
    statements: list[str] = []
    for number, (condition, message) in enumerate(_checks("IS NOT")):
        name = f"{TABLE}_check_{number}"
        statements += [f'DROP TRIGGER IF EXISTS "{name}"',
                       f'CREATE TRIGGER "{name}" BEFORE UPDATE ON "{TABLE}" WHEN {condition} '
                       f"BEGIN SELECT RAISE(ABORT, '{message}'); END"]
    statements += [f'DROP TRIGGER IF EXISTS "{TABLE}_no_delete"',
                   f'CREATE TRIGGER "{TABLE}_no_delete" BEFORE DELETE ON "{TABLE}" '  # noqa: S608 - constants
                   f"WHEN NOT EXISTS (SELECT 1 FROM {MAINTENANCE_TABLE} WHERE mode = 'purge') "
                   "BEGIN SELECT RAISE(ABORT, 'lawledger: approval requests are never deleted'); "
                   "END"]
    return statements


_PG_DELETE = """  IF TG_OP = 'DELETE' THEN
    IF coalesce(current_setting('lawledger.maintenance', true), '') = 'purge' THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'lawledger: approval requests are never deleted'
      USING ERRCODE = 'restrict_violation';
  END IF;"""


def postgresql_sql() -> list[str]:
    body = "\n".join(
        f"  IF {condition} THEN\n    RAISE EXCEPTION '{message}' USING ERRCODE = "
        "'restrict_violation';\n  END IF;" for condition, message in _checks("IS DISTINCT FROM"))
    return [
        "CREATE OR REPLACE FUNCTION ledger_approval_checks() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n{_PG_DELETE}\n{body}\n  RETURN NEW;\nEND $$;",
        f"DROP TRIGGER IF EXISTS ledger_approval_checks ON {TABLE}",
        f"CREATE TRIGGER ledger_approval_checks BEFORE UPDATE OR DELETE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION ledger_approval_checks()",
    ]


def reverse_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS ledger_approval_checks ON {TABLE}",
                "DROP FUNCTION IF EXISTS ledger_approval_checks()"]
    return [f'DROP TRIGGER IF EXISTS "{TABLE}_check_{n}"' for n in range(2)] + [
        f'DROP TRIGGER IF EXISTS "{TABLE}_no_delete"']
