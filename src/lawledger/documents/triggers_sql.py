"""Database backstops of the documents tables, in each engine's SQL.

Versions are append-only (`make_append_only`). A document row is never deleted, its subject never
changes, and once marked deleted it stays so: the record that a document existed cannot be
rewritten from any client, raw SQL included.
"""

from __future__ import annotations

TABLE = "documents_document"
FROZEN = ("public_id", "subject_kind", "subject_ref", "matter_id", "client_id", "created_at",
          "created_by")


def sqlite_sql() -> list[str]:
    changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in FROZEN)
    return [
        f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} "  # noqa: S608 (constants)
        "WHEN NOT EXISTS (SELECT 1 FROM lawledger_maintenance WHERE mode = 'purge') "
        f"BEGIN SELECT RAISE(ABORT, 'lawledger: {TABLE} rows are never deleted'); END",
        f"CREATE TRIGGER {TABLE}_frozen BEFORE UPDATE ON {TABLE} "
        f"WHEN OLD.deleted_at IS NOT NULL OR {changed} "
        f"BEGIN SELECT RAISE(ABORT, 'lawledger: {TABLE}: a document''s subject is fixed and a "
        "deleted document stays deleted'); END",
    ]


def postgresql_sql() -> list[str]:
    changed = " OR ".join(f"NEW.{column} IS DISTINCT FROM OLD.{column}" for column in FROZEN)
    return [
        f"""CREATE OR REPLACE FUNCTION {TABLE}_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF coalesce(current_setting('lawledger.maintenance', true), '') = 'purge' THEN RETURN OLD; END IF;
    RAISE EXCEPTION 'lawledger: {TABLE} rows are never deleted' USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.deleted_at IS NOT NULL OR {changed} THEN
    RAISE EXCEPTION 'lawledger: {TABLE}: a document''s subject is fixed and a deleted document stays deleted'
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;""",
        f"CREATE TRIGGER {TABLE}_guard BEFORE UPDATE OR DELETE ON {TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_guard()",
        f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
        "FOR EACH STATEMENT EXECUTE FUNCTION lawledger_append_only()",
    ]


def reverse_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {TABLE}_guard ON {TABLE}",
                f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
                f"DROP FUNCTION IF EXISTS {TABLE}_guard()"]
    return [f"DROP TRIGGER IF EXISTS {TABLE}_no_delete", f"DROP TRIGGER IF EXISTS {TABLE}_frozen"]


HOLD = ("EXISTS (SELECT 1 FROM privacy_legal_hold h WHERE h.matter_id = NEW.matter_id "
        "AND h.released_at IS NULL)")
HOLD_MESSAGE = "lawledger: legal_hold: the matter of this document is under legal hold: no deletion"


def hold_sql(vendor: str) -> list[str]:
    """A document of a matter under legal hold cannot be marked deleted."""
    if vendor == "postgresql":
        return [f"""CREATE OR REPLACE FUNCTION {TABLE}_hold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL AND {HOLD} THEN
    RAISE EXCEPTION '{HOLD_MESSAGE}' USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;""",
                f"CREATE TRIGGER {TABLE}_hold BEFORE UPDATE ON {TABLE} "
                f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_hold()"]
    return [f"CREATE TRIGGER {TABLE}_hold BEFORE UPDATE ON {TABLE} "
            f"WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL AND {HOLD} "
            f"BEGIN SELECT RAISE(ABORT, '{HOLD_MESSAGE}'); END"]


def hold_reverse_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {TABLE}_hold ON {TABLE}",
                f"DROP FUNCTION IF EXISTS {TABLE}_hold()"]
    return [f"DROP TRIGGER IF EXISTS {TABLE}_hold"]
