"""Database backstop of legal holds: no DELETE of a held matter or of its trust postings."""

from __future__ import annotations

_MESSAGE = "lawledger: legal_hold: the matter is under legal hold: nothing of it may be purged"
_CHECKS = {
    "firm_matter": "EXISTS (SELECT 1 FROM privacy_legal_hold h WHERE h.matter_id = OLD.id "
                   "AND h.released_at IS NULL)",
    "ledger_posting": "EXISTS (SELECT 1 FROM ledger_account la JOIN privacy_legal_hold h "
                      "ON h.matter_id = la.matter_id WHERE la.id = OLD.ledger_account_id "
                      "AND h.released_at IS NULL)",
}


def sqlite_sql() -> list[str]:
    statements = []
    for table, condition in _CHECKS.items():
        name = f"privacy_hold_{table}"
        statements += [f'DROP TRIGGER IF EXISTS "{name}"',
                       f'CREATE TRIGGER "{name}" BEFORE DELETE ON "{table}" WHEN {condition} '
                       f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"]
    return statements


def postgresql_sql() -> list[str]:
    statements = []
    for table, condition in _CHECKS.items():
        name = f"privacy_hold_{table}"
        statements += [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n  IF {condition} THEN\n    RAISE EXCEPTION '{_MESSAGE}' USING ERRCODE = "
            "'restrict_violation';\n  END IF;\n  RETURN OLD;\nEND $$;",
            f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"',
            f'CREATE TRIGGER "{name}" BEFORE DELETE ON "{table}" FOR EACH ROW '
            f"EXECUTE FUNCTION {name}()",
        ]
    return statements


def reverse_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f'DROP TRIGGER IF EXISTS "privacy_hold_{table}" ON "{table}"' for table in _CHECKS]
    return [f'DROP TRIGGER IF EXISTS "privacy_hold_{table}"' for table in _CHECKS]
