# ruff: noqa: S608  -- the SQL here is built only from constants of this module
"""Database backstops of the billing rules, in SQLite and PostgreSQL dialects.

- billing_invoice: a finalized invoice is never updated or deleted (I2); an invoice becomes
  finalized only from a draft, and takes the number max + 1 (gapless; numbers are also unique).
- billing_invoice_line, billing_invoice_discount: nothing is added to, changed on or removed from
  a finalized invoice.
- billing_time_entry, billing_expense: frozen once on a finalized invoice.
- billing_allocation: only a finalized invoice takes payments, credits and write-offs; never more
  than its total, never more than a payment or credit note holds, never across currencies.
- billing_refund: never more than a payment or credit note holds unapplied.
- billing_invoice_sequence: moves one step at a time.

Each trigger lets the declared maintenance windows through ('rekey' for updates re-sealing
encrypted columns, 'purge' for retention deletes), as the append-only tables do.
"""

from __future__ import annotations

from dataclasses import dataclass

from lawledger.db.triggers import MAINTENANCE_TABLE

FINAL = "status = 'finalized'"


@dataclass(frozen=True)
class Rule:
    name: str
    event: str              # INSERT | UPDATE | DELETE
    table: str
    condition: str          # {distinct} becomes IS NOT (SQLite) / IS DISTINCT FROM (PostgreSQL)
    message: str
    bypass: str | None = None  # the maintenance mode that may pass


def _invoice_final(column: str) -> str:
    return f"EXISTS (SELECT 1 FROM billing_invoice WHERE id = {column} AND {FINAL})"


def _sum(table: str, column: str, value: str) -> str:
    return f"(SELECT COALESCE(SUM(amount_minor), 0) FROM {table} WHERE {column} = {value})"


_FROZEN = "lawledger: invoice_finalized: a finalized invoice and its lines are immutable (I2)"

RULES: list[Rule] = [
    Rule("billing_invoice_final_update", "UPDATE", "billing_invoice", f"OLD.{FINAL}", _FROZEN,
         "rekey"),
    Rule("billing_invoice_final_delete", "DELETE", "billing_invoice", f"OLD.{FINAL}", _FROZEN,
         "purge"),
    Rule("billing_invoice_born_draft", "INSERT", "billing_invoice",
         f"NEW.{FINAL} OR NEW.number IS NOT NULL",
         "lawledger: invoice_finalized: an invoice is finalized from a draft, never inserted final"),
    Rule("billing_invoice_gapless", "UPDATE", "billing_invoice",
         "NEW.sequence_number IS NOT NULL AND OLD.sequence_number IS NULL AND "
         "NEW.sequence_number <> (SELECT COALESCE(MAX(sequence_number), 0) + 1 "
         "FROM billing_invoice)",
         "lawledger: invoice_number_gap: invoice numbers are gapless (max + 1)"),
    Rule("billing_sequence_step", "UPDATE", "billing_invoice_sequence",
         "NEW.next_value <> OLD.next_value + 1",
         "lawledger: invoice_number_gap: the invoice sequence moves one step at a time"),
    Rule("billing_sequence_delete", "DELETE", "billing_invoice_sequence", "1 = 1",
         "lawledger: invoice_number_gap: the invoice sequence is never deleted", "purge"),
]

for _table in ("billing_invoice_line", "billing_invoice_discount"):
    RULES += [
        Rule(f"{_table}_final_insert", "INSERT", _table, _invoice_final("NEW.invoice_id"),
             _FROZEN),
        Rule(f"{_table}_final_update", "UPDATE", _table,
             f"{_invoice_final('OLD.invoice_id')} OR {_invoice_final('NEW.invoice_id')}", _FROZEN,
             "rekey"),
        Rule(f"{_table}_final_delete", "DELETE", _table, _invoice_final("OLD.invoice_id"),
             _FROZEN, "purge"),
    ]

for _table in ("billing_time_entry", "billing_expense"):
    RULES += [
        Rule(f"{_table}_billed_update", "UPDATE", _table,
             f"{_invoice_final('OLD.invoice_id')} OR (NEW.invoice_id {{distinct}} OLD.invoice_id "
             f"AND {_invoice_final('NEW.invoice_id')})",
             "lawledger: entry_billed: an entry on a finalized invoice cannot change", "rekey"),
        Rule(f"{_table}_billed_delete", "DELETE", _table, _invoice_final("OLD.invoice_id"),
             "lawledger: entry_billed: an entry on a finalized invoice cannot be removed",
             "purge"),
    ]

_ALLOCATED = _sum("billing_allocation", "invoice_id", "NEW.invoice_id")
_PAYMENT_USED = (f"{_sum('billing_allocation', 'payment_id', 'NEW.payment_id')} + "
                 f"{_sum('billing_refund', 'payment_id', 'NEW.payment_id')}")
_CREDIT_USED = (f"{_sum('billing_allocation', 'credit_note_id', 'NEW.credit_note_id')} + "
                f"{_sum('billing_refund', 'credit_note_id', 'NEW.credit_note_id')}")
_CREDIT_HELD = ("(SELECT -total_minor FROM billing_invoice WHERE id = NEW.credit_note_id AND "
                f"kind = 'credit_note' AND {FINAL})")

RULES += [
    Rule("billing_allocation_target", "INSERT", "billing_allocation",
         "NOT EXISTS (SELECT 1 FROM billing_invoice WHERE id = NEW.invoice_id AND "
         f"kind = 'invoice' AND {FINAL})",
         "lawledger: invoice_not_finalized: only a finalized invoice takes payments"),
    Rule("billing_allocation_invoice_total", "INSERT", "billing_allocation",
         f"{_ALLOCATED} + NEW.amount_minor > "
         "(SELECT total_minor FROM billing_invoice WHERE id = NEW.invoice_id)",
         "lawledger: overpayment: more applied to the invoice than its total"),
    Rule("billing_allocation_payment_held", "INSERT", "billing_allocation",
         "NEW.payment_id IS NOT NULL AND (" + _PAYMENT_USED + " + NEW.amount_minor > "
         "(SELECT amount_minor FROM billing_payment WHERE id = NEW.payment_id) OR "
         "(SELECT currency FROM billing_payment WHERE id = NEW.payment_id) <> "
         "(SELECT currency FROM billing_invoice WHERE id = NEW.invoice_id))",
         "lawledger: overpayment: more applied than the payment holds (or another currency)"),
    Rule("billing_allocation_credit_held", "INSERT", "billing_allocation",
         "NEW.credit_note_id IS NOT NULL AND (" + _CREDIT_HELD + " IS NULL OR "
         + _CREDIT_USED + " + NEW.amount_minor > " + _CREDIT_HELD + " OR "
         "(SELECT currency FROM billing_invoice WHERE id = NEW.credit_note_id) <> "
         "(SELECT currency FROM billing_invoice WHERE id = NEW.invoice_id))",
         "lawledger: overpayment: more applied than the credit note holds"),
    Rule("billing_refund_payment_held", "INSERT", "billing_refund",
         "NEW.payment_id IS NOT NULL AND " + _PAYMENT_USED + " + NEW.amount_minor > "
         "(SELECT amount_minor FROM billing_payment WHERE id = NEW.payment_id)",
         "lawledger: overpayment: a refund larger than the unapplied payment"),
    Rule("billing_refund_credit_held", "INSERT", "billing_refund",
         "NEW.credit_note_id IS NOT NULL AND (" + _CREDIT_HELD + " IS NULL OR "
         + _CREDIT_USED + " + NEW.amount_minor > " + _CREDIT_HELD + ")",
         "lawledger: overpayment: a refund larger than the unapplied credit"),
]

# Tables whose rows are facts once written (I2): rates, arrangements, receipts, payments,
# allocations, refunds, replenishment requests and settlements.
APPEND_ONLY = ("billing_rate", "billing_fee_arrangement", "billing_receipt", "billing_payment",
               "billing_allocation", "billing_refund", "billing_replenishment_request",
               "billing_settlement")
TRUNCATE_GUARDED = ("billing_invoice", "billing_invoice_line", "billing_invoice_discount",
                    "billing_time_entry", "billing_expense", "billing_invoice_sequence")


def sqlite_sql() -> list[str]:
    statements: list[str] = []
    for rule in RULES:
        condition = f"({rule.condition.format(distinct='IS NOT')})"
        if rule.bypass:
            condition += (f" AND NOT EXISTS (SELECT 1 FROM {MAINTENANCE_TABLE} "
                          f"WHERE mode = '{rule.bypass}')")
        statements += [
            f'DROP TRIGGER IF EXISTS "{rule.name}"',
            f'CREATE TRIGGER "{rule.name}" BEFORE {rule.event} ON "{rule.table}" '
            f"WHEN {condition} BEGIN SELECT RAISE(ABORT, '{rule.message}'); END",
        ]
    return statements


def postgresql_sql() -> list[str]:
    statements: list[str] = []
    for rule in RULES:
        condition = f"({rule.condition.format(distinct='IS DISTINCT FROM')})"
        if rule.bypass:
            condition += (" AND coalesce(current_setting('lawledger.maintenance', true), '') "
                          f"<> '{rule.bypass}'")
        returns = "OLD" if rule.event == "DELETE" else "NEW"
        statements += [
            f"CREATE OR REPLACE FUNCTION {rule.name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n  IF {condition} THEN\n    RAISE EXCEPTION '{rule.message}' USING ERRCODE = "
            f"'restrict_violation';\n  END IF;\n  RETURN {returns};\nEND $$;",
            f'DROP TRIGGER IF EXISTS "{rule.name}" ON "{rule.table}"',
            f'CREATE TRIGGER "{rule.name}" BEFORE {rule.event} ON "{rule.table}" '
            f"FOR EACH ROW EXECUTE FUNCTION {rule.name}()",
        ]
    for table in TRUNCATE_GUARDED:
        statements += [
            f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}"',
            f'CREATE TRIGGER "{table}_no_truncate" BEFORE TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION lawledger_append_only()",
        ]
    return statements


def reverse_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        statements = [f'DROP TRIGGER IF EXISTS "{rule.name}" ON "{rule.table}"' for rule in RULES]
        statements += [f"DROP FUNCTION IF EXISTS {rule.name}()" for rule in RULES]
        statements += [f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}"'
                       for table in TRUNCATE_GUARDED]
        return statements
    return [f'DROP TRIGGER IF EXISTS "{rule.name}"' for rule in RULES]
