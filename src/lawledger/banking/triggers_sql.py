"""Database backstops of the banking state machines, in SQLite and PostgreSQL dialects.

Matches, their items and bank-only proposals are never deleted, and an update may only move the
status forward (proposed → confirmed → undone; proposed → posted | dismissed) while every other
column that says what the row *is* stays as written. The declared maintenance windows of
`lawledger.db.maintenance` are honoured: 'purge' may delete, 'rekey' may re-encrypt.
Statements, lines, saved profiles and reconciliations are plainly append-only (`make_append_only`).
"""

from __future__ import annotations

from dataclasses import dataclass

from lawledger.db.triggers import MAINTENANCE_TABLE


@dataclass(frozen=True)
class StateMachine:
    table: str
    fixed_columns: tuple[str, ...]
    transitions: tuple[tuple[str, tuple[str, ...]], ...]
    # columns written once, when the status first leaves `from_status`
    stamped_once: tuple[tuple[str, tuple[str, ...]], ...] = ()


MACHINES = (
    StateMachine(
        "banking_match",
        ("public_id", "bank_account_id", "method", "confidence", "settled_on", "note",
         "created_by", "created_at"),
        (("proposed", ("confirmed", "undone")), ("confirmed", ("undone",))),
        (("confirmed", ("confirmed_by", "confirmed_at")),)),
    StateMachine(
        "banking_match_item",
        ("match_id", "bank_line_id", "entry_id", "amount_minor"),
        (("proposed", ("confirmed", "undone")), ("confirmed", ("undone",)))),
    StateMachine(
        "banking_bank_only_proposal",
        ("public_id", "bank_account_id", "bank_line_id", "entry_kind", "amount_minor",
         "effective_date", "counterparty", "proposed_by", "proposed_at"),
        (("proposed", ("posted", "dismissed")),)),
)


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _refusal_condition(machine: StateMachine, distinct: str) -> str:
    changed = [f"NEW.{column} {distinct} OLD.{column}" for column in machine.fixed_columns]
    allowed = [f"(OLD.status = '{old}' AND NEW.status IN ({_quoted(new)}))"
               for old, new in machine.transitions]
    for status, columns in machine.stamped_once:
        for column in columns:
            changed.append(f"(OLD.status = '{status}' AND NEW.{column} {distinct} OLD.{column})")
    return f"({' OR '.join(changed)}) OR NOT ({' OR '.join(allowed)})"


def sqlite_sql() -> list[str]:
    statements: list[str] = []
    for machine in MACHINES:
        table = machine.table
        # Trigger DDL built only from the constants of this module (no outside input): S608 is moot.
        update_guard = (f"NOT EXISTS (SELECT 1 FROM {MAINTENANCE_TABLE} "  # noqa: S608
                        f"WHERE mode = 'rekey') AND ({_refusal_condition(machine, 'IS NOT')})")
        delete_guard = f"NOT EXISTS (SELECT 1 FROM {MAINTENANCE_TABLE} WHERE mode = 'purge')"  # noqa: S608
        for name, timing, guard, message in (
                (f"{table}_forward_only", "BEFORE UPDATE", update_guard,
                 f"lawledger: {table}: the status only moves forward and the row keeps what it is"),
                (f"{table}_no_delete", "BEFORE DELETE", delete_guard,
                 f"lawledger: {table} is append-only: DELETE refused")):
            statements += [
                f'DROP TRIGGER IF EXISTS "{name}"',
                f'CREATE TRIGGER "{name}" {timing} ON "{table}" WHEN {guard} '
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
            ]
    return statements


def postgresql_sql() -> list[str]:
    statements: list[str] = []
    for machine in MACHINES:
        table = machine.table
        function = f"{table}_forward_only"
        statements += [
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "DECLARE\n"
            "  mode text := coalesce(current_setting('lawledger.maintenance', true), '');\n"
            "BEGIN\n"
            "  IF TG_OP = 'DELETE' THEN\n"
            "    IF mode = 'purge' THEN RETURN OLD; END IF;\n"
            f"    RAISE EXCEPTION 'lawledger: {table} is append-only: DELETE refused'\n"
            "      USING ERRCODE = 'restrict_violation';\n"
            "  END IF;\n"
            f"  IF mode <> 'rekey' AND ({_refusal_condition(machine, 'IS DISTINCT FROM')}) THEN\n"
            f"    RAISE EXCEPTION 'lawledger: {table}: the status only moves forward and the row "
            "keeps what it is' USING ERRCODE = 'restrict_violation';\n"
            "  END IF;\n"
            "  RETURN NEW;\n"
            "END $$;",
            f'DROP TRIGGER IF EXISTS "{function}" ON "{table}"',
            f'CREATE TRIGGER "{function}" BEFORE UPDATE OR DELETE ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION {function}()",
            f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}"',
            f'CREATE TRIGGER "{table}_no_truncate" BEFORE TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION lawledger_append_only()",
        ]
    return statements


def reverse_sql(vendor: str) -> list[str]:
    statements: list[str] = []
    for machine in MACHINES:
        table = machine.table
        if vendor == "postgresql":
            statements += [f'DROP TRIGGER IF EXISTS "{table}_forward_only" ON "{table}"',
                           f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}"',
                           f"DROP FUNCTION IF EXISTS {table}_forward_only()"]
        else:
            statements += [f'DROP TRIGGER IF EXISTS "{table}_forward_only"',
                           f'DROP TRIGGER IF EXISTS "{table}_no_delete"']
    return statements
