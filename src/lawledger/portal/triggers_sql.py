# ruff: noqa: S608  -- the SQL here is built only from constants of this module
"""Database backstops of the portal's rules, in SQLite and PostgreSQL dialects.

- portal_invitation: a spent (accepted) or revoked invitation never changes again, so a link is
  used at most once even by raw SQL; invitations are never deleted (they are the record of who
  was let in).
- portal_message: a message never changes once written, except that `read_at` is set once;
  messages are never deleted.

Updates re-sealing encrypted columns ('rekey') and retention deletes ('purge') pass, as they do
on every append-only table (lawledger.db.triggers).
"""

from __future__ import annotations

from lawledger.db.triggers import MAINTENANCE_TABLE

# (name, event, table, condition, message, maintenance mode that may pass)
_RULES: list[tuple[str, str, str, str, str, str]] = [
    ("portal_invitation_spent", "UPDATE", "portal_invitation",
     "OLD.accepted_at IS NOT NULL OR OLD.revoked_at IS NOT NULL",
     "lawledger: invitation_not_usable: a used or revoked invitation never changes", "rekey"),
    ("portal_invitation_kept", "DELETE", "portal_invitation", "1 = 1",
     "lawledger: portal_invitation is append-only: DELETE refused", "purge"),
    ("portal_message_frozen", "UPDATE", "portal_message",
     "OLD.read_at IS NOT NULL OR NEW.read_at IS NULL OR NEW.subject {distinct} OLD.subject "
     "OR NEW.body {distinct} OLD.body OR NEW.matter_id {distinct} OLD.matter_id "
     "OR NEW.author_id {distinct} OLD.author_id OR NEW.direction {distinct} OLD.direction "
     "OR NEW.sent_at {distinct} OLD.sent_at OR NEW.public_id {distinct} OLD.public_id",
     "lawledger: portal_message is append-only: only marking it read once is allowed", "rekey"),
    ("portal_message_kept", "DELETE", "portal_message", "1 = 1",
     "lawledger: portal_message is append-only: DELETE refused", "purge"),
]
TABLES = ("portal_invitation", "portal_message")


def sqlite_sql() -> list[str]:
    statements: list[str] = []
    for name, event, table, condition, message, bypass in _RULES:
        when = (f"({condition.format(distinct='IS NOT')}) AND NOT EXISTS "
                f"(SELECT 1 FROM {MAINTENANCE_TABLE} WHERE mode = '{bypass}')")
        statements += [
            f'DROP TRIGGER IF EXISTS "{name}"',
            f'CREATE TRIGGER "{name}" BEFORE {event} ON "{table}" '
            f"WHEN {when} BEGIN SELECT RAISE(ABORT, '{message}'); END",
        ]
    return statements


def postgresql_sql() -> list[str]:
    statements: list[str] = []
    for name, event, table, condition, message, bypass in _RULES:
        when = (f"({condition.format(distinct='IS DISTINCT FROM')}) AND "
                f"coalesce(current_setting('lawledger.maintenance', true), '') <> '{bypass}'")
        returns = "OLD" if event == "DELETE" else "NEW"
        statements += [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n  IF {when} THEN\n    RAISE EXCEPTION '{message}' USING ERRCODE = "
            f"'restrict_violation';\n  END IF;\n  RETURN {returns};\nEND $$;",
            f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"',
            f'CREATE TRIGGER "{name}" BEFORE {event} ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    for table in TABLES:
        statements += [
            f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}"',
            f'CREATE TRIGGER "{table}_no_truncate" BEFORE TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION lawledger_append_only()",
        ]
    return statements


def reverse_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        statements = [f'DROP TRIGGER IF EXISTS "{rule[0]}" ON "{rule[2]}"' for rule in _RULES]
        statements += [f"DROP FUNCTION IF EXISTS {rule[0]}()" for rule in _RULES]
        return statements + [f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}"'
                             for table in TABLES]
    return [f'DROP TRIGGER IF EXISTS "{rule[0]}"' for rule in _RULES]
