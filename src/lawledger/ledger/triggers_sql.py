"""Database backstops of the ledger rules, in SQLite and PostgreSQL dialects.

- ledger_posting: a posting may not be added to an entry already posted (postings go first, the
  entry row seals them), may not be dated inside a locked period (I6), and must match its ledger
  account's currency and book.
- ledger_journal_entry: an entry row is refused unless its postings exist, sum to zero per book and
  currency (I1) and share its date, and its date is not inside a locked period.
- ledger_account: kind, book, matter and currency never change once created.
"""

from __future__ import annotations

_ENTRY_CHECKS = [
    ("(SELECT COUNT(*) FROM ledger_posting WHERE entry_id = NEW.id) < 2",
     "lawledger: unbalanced_entry: a journal entry needs at least two postings"),
    ("EXISTS (SELECT 1 FROM ledger_posting WHERE entry_id = NEW.id "
     "GROUP BY bank_account_id, currency HAVING SUM(amount_minor) <> 0)",
     "lawledger: unbalanced_entry: postings do not sum to zero per book and currency (I1)"),
    ("EXISTS (SELECT 1 FROM ledger_posting WHERE entry_id = NEW.id "
     "AND effective_date <> NEW.effective_date)",
     "lawledger: postings must carry the effective date of their entry"),
    ("EXISTS (SELECT 1 FROM ledger_period_lock WHERE bank_account_id = NEW.bank_account_id "
     "AND through_date >= NEW.effective_date)",
     "lawledger: period_locked: the entry is dated inside a signed-off period (I6)"),
]

_POSTING_CHECKS = [
    ("EXISTS (SELECT 1 FROM ledger_journal_entry WHERE id = NEW.entry_id)",
     "lawledger: postings cannot be added to an entry already posted (I2)"),
    ("EXISTS (SELECT 1 FROM ledger_period_lock WHERE bank_account_id = NEW.bank_account_id "
     "AND through_date >= NEW.effective_date)",
     "lawledger: period_locked: the posting is dated inside a signed-off period (I6)"),
    ("NOT EXISTS (SELECT 1 FROM ledger_account la WHERE la.id = NEW.ledger_account_id "
     "AND la.currency = NEW.currency AND la.bank_account_id = NEW.bank_account_id)",
     "lawledger: currency_mismatch: the posting does not match its ledger account"),
]

_ACCOUNT_IDENTITY = ("NEW.kind IS DISTINCT FROM OLD.kind OR NEW.bank_account_id IS DISTINCT FROM "
                     "OLD.bank_account_id OR NEW.matter_id IS DISTINCT FROM OLD.matter_id OR "
                     "NEW.currency IS DISTINCT FROM OLD.currency")


def _sqlite_trigger(name: str, timing: str, table: str, condition: str, message: str) -> list[str]:
    return [f'DROP TRIGGER IF EXISTS "{name}"',
            f'CREATE TRIGGER "{name}" {timing} ON "{table}" WHEN {condition} '
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"]


def sqlite_sql() -> list[str]:
    statements: list[str] = []
    for number, (condition, message) in enumerate(_ENTRY_CHECKS):
        statements += _sqlite_trigger(f"ledger_entry_check_{number}", "AFTER INSERT",
                                      "ledger_journal_entry", condition, message)
    for number, (condition, message) in enumerate(_POSTING_CHECKS):
        statements += _sqlite_trigger(f"ledger_posting_check_{number}", "BEFORE INSERT",
                                      "ledger_posting", condition, message)
    statements += _sqlite_trigger("ledger_account_identity", "BEFORE UPDATE", "ledger_account",
                                  _ACCOUNT_IDENTITY.replace("IS DISTINCT FROM", "IS NOT"),
                                  "lawledger: a ledger account keeps its kind, book, matter "
                                  "and currency")
    return statements


def _pg_function(name: str, checks: list[tuple[str, str]], returns: str) -> str:
    body = "\n".join(
        f"  IF {condition} THEN\n    RAISE EXCEPTION '{message}' USING ERRCODE = "
        "'restrict_violation';\n  END IF;" for condition, message in checks)
    return (f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{body}\n  RETURN {returns};\nEND $$;")


def postgresql_sql() -> list[str]:
    return [
        "CREATE SEQUENCE IF NOT EXISTS ledger_journal_entry_id_seq",
        _pg_function("ledger_entry_checks", _ENTRY_CHECKS, "NULL"),
        "DROP TRIGGER IF EXISTS ledger_entry_checks ON ledger_journal_entry",
        "CREATE TRIGGER ledger_entry_checks AFTER INSERT ON ledger_journal_entry "
        "FOR EACH ROW EXECUTE FUNCTION ledger_entry_checks()",
        _pg_function("ledger_posting_checks", _POSTING_CHECKS, "NEW"),
        "DROP TRIGGER IF EXISTS ledger_posting_checks ON ledger_posting",
        "CREATE TRIGGER ledger_posting_checks BEFORE INSERT ON ledger_posting "
        "FOR EACH ROW EXECUTE FUNCTION ledger_posting_checks()",
        _pg_function("ledger_account_identity",
                     [(_ACCOUNT_IDENTITY, "lawledger: a ledger account keeps its kind, book, "
                                          "matter and currency")], "NEW"),
        "DROP TRIGGER IF EXISTS ledger_account_identity ON ledger_account",
        "CREATE TRIGGER ledger_account_identity BEFORE UPDATE ON ledger_account "
        "FOR EACH ROW EXECUTE FUNCTION ledger_account_identity()",
    ]


def reverse_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return ["DROP TRIGGER IF EXISTS ledger_entry_checks ON ledger_journal_entry",
                "DROP TRIGGER IF EXISTS ledger_posting_checks ON ledger_posting",
                "DROP TRIGGER IF EXISTS ledger_account_identity ON ledger_account",
                "DROP SEQUENCE IF EXISTS ledger_journal_entry_id_seq"]
    names = [f"ledger_entry_check_{n}" for n in range(len(_ENTRY_CHECKS))]
    names += [f"ledger_posting_check_{n}" for n in range(len(_POSTING_CHECKS))]
    names.append("ledger_account_identity")
    return [f'DROP TRIGGER IF EXISTS "{name}"' for name in names]
