"""Append-only tables on SQLite and PostgreSQL, written for migrations.

A table made append-only refuses UPDATE, DELETE (and TRUNCATE on PostgreSQL) from any client,
including raw SQL. The only way past is a declared maintenance window inside one transaction
(`maintenance.window`): 'purge' for retention deletes, 'rekey' for re-encrypting sealed columns,
each written to the audit chain by the code that opens it.
"""

from __future__ import annotations

from typing import Any

MAINTENANCE_TABLE = "lawledger_maintenance"

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION lawledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  mode text := coalesce(current_setting('lawledger.maintenance', true), '');
BEGIN
  IF (TG_OP IN ('DELETE', 'TRUNCATE') AND mode = 'purge') OR (TG_OP = 'UPDATE' AND mode = 'rekey')
  THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; ELSIF TG_OP = 'UPDATE' THEN RETURN NEW; END IF;
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'lawledger: % is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation';
END $$;
"""


def append_only_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            PG_FUNCTION,
            f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"',
            f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION lawledger_append_only()",
            f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}"',
            f'CREATE TRIGGER "{table}_no_truncate" BEFORE TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION lawledger_append_only()",
        ]
    if vendor == "sqlite":
        statements = []
        for op, mode in (("UPDATE", "rekey"), ("DELETE", "purge")):
            name = f"{table}_no_{op.lower()}"
            statements += [
                f'DROP TRIGGER IF EXISTS "{name}"',
                f'CREATE TRIGGER "{name}" BEFORE {op} ON "{table}" '
                f"WHEN NOT EXISTS (SELECT 1 FROM {MAINTENANCE_TABLE} WHERE mode = '{mode}') "
                f"BEGIN SELECT RAISE(ABORT, 'lawledger: {table} is append-only: {op} refused'); END",
            ]
        return statements
    raise NotImplementedError(f"no append-only triggers for {vendor}")


def drop_append_only_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"',
                f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}"']
    return [f'DROP TRIGGER IF EXISTS "{table}_no_update"',
            f'DROP TRIGGER IF EXISTS "{table}_no_delete"']


def make_append_only(*tables: str) -> Any:
    """A RunPython pair for a migration that makes `tables` append-only on the current engine."""
    from django.db import migrations

    def forward(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        for table in tables:
            for sql in append_only_sql(vendor, table):
                schema_editor.execute(sql, params=None)

    def backward(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        for table in tables:
            for sql in drop_append_only_sql(vendor, table):
                schema_editor.execute(sql, params=None)

    return migrations.RunPython(forward, backward)


def run_sql(sql_by_vendor: dict[str, list[str]], reverse_by_vendor: dict[str, list[str]]) -> Any:
    """A RunPython that executes the SQL written for the current engine."""
    from django.db import migrations

    def forward(apps: Any, schema_editor: Any) -> None:
        for sql in sql_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    def backward(apps: Any, schema_editor: Any) -> None:
        for sql in reverse_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return migrations.RunPython(forward, backward)
