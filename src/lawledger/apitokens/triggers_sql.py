"""Database backstops for API tokens, in SQLite and PostgreSQL dialects.

Once written, a token's owner, secret hash, scopes, client allow-list and expiry never change (so
no UPDATE can widen a token), a revocation is final, and a token row is never deleted outside a
declared 'purge' maintenance window. Only `last_used_at` and a first revocation may be written.
"""

from __future__ import annotations

from lawledger.db.triggers import MAINTENANCE_TABLE

TABLE = "apitokens_api_token"
_FIXED = ("public_id", "lookup_prefix", "secret_hash", "name", "user_id", "scopes", "all_clients",
          "client_ids", "created_at", "created_by", "expires_at")
_CHANGED = " OR ".join(f"NEW.{column} IS DISTINCT FROM OLD.{column}" for column in _FIXED)
_UNREVOKED = ("(OLD.revoked_at IS NOT NULL AND (NEW.revoked_at IS DISTINCT FROM OLD.revoked_at "
              "OR NEW.revoked_by IS DISTINCT FROM OLD.revoked_by))")
_UPDATE_MESSAGE = "lawledger: api tokens cannot be widened, changed or un-revoked"
_DELETE_MESSAGE = "lawledger: api tokens are kept: DELETE refused"


def sqlite_sql() -> list[str]:
    return [
        'DROP TRIGGER IF EXISTS "apitokens_token_fixed"',
        # Built from this module's constants only, never from input.
        f'CREATE TRIGGER "apitokens_token_fixed" BEFORE UPDATE ON "{TABLE}" '
        f"WHEN {_CHANGED} OR {_UNREVOKED} "
        f"BEGIN SELECT RAISE(ABORT, '{_UPDATE_MESSAGE}'); END",
        'DROP TRIGGER IF EXISTS "apitokens_token_kept"',
        # Built from this module's constants only, never from input.
        f'CREATE TRIGGER "apitokens_token_kept" BEFORE DELETE ON "{TABLE}" '  # noqa: S608
        f"WHEN NOT EXISTS (SELECT 1 FROM {MAINTENANCE_TABLE} WHERE mode = 'purge') "
        f"BEGIN SELECT RAISE(ABORT, '{_DELETE_MESSAGE}'); END",
    ]


def postgresql_sql() -> list[str]:
    return [
        f"""
CREATE OR REPLACE FUNCTION apitokens_token_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF coalesce(current_setting('lawledger.maintenance', true), '') = 'purge' THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION '{_DELETE_MESSAGE}' USING ERRCODE = 'restrict_violation';
  END IF;
  IF {_CHANGED} OR {_UNREVOKED} THEN
    RAISE EXCEPTION '{_UPDATE_MESSAGE}' USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;
""",
        f'DROP TRIGGER IF EXISTS "apitokens_token_guard" ON "{TABLE}"',
        f'CREATE TRIGGER "apitokens_token_guard" BEFORE UPDATE OR DELETE ON "{TABLE}" '
        "FOR EACH ROW EXECUTE FUNCTION apitokens_token_guard()",
    ]


def reverse_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f'DROP TRIGGER IF EXISTS "apitokens_token_guard" ON "{TABLE}"',
                "DROP FUNCTION IF EXISTS apitokens_token_guard()"]
    return ['DROP TRIGGER IF EXISTS "apitokens_token_fixed"',
            'DROP TRIGGER IF EXISTS "apitokens_token_kept"']
