"""Bank statements, their lines, matches to the books, and signed reconciliations.

BankStatement     one statement imported from a file (format, the file's sha256, period, balances,
                  who imported it). Append-only by trigger: what the bank said is never edited.
BankLine          one line of a statement, deduplicated per account by `fingerprint` (the bank's
                  own id when the format has one, else a fingerprint of the line's content and its
                  occurrence among identical lines). Counterparty and description are encrypted.
                  Append-only by trigger.
Match             bank lines ↔ journal entries, with how it was made (method) and a confidence.
MatchItem         one bank line or one entry of a match. The status of both moves one way only:
                  proposed → confirmed → undone, or proposed → undone (a trigger refuses anything
                  else, and every delete). Undone is terminal; matching again is a new row, so the
                  history stays whole. A partial unique index keeps every line and entry in at most
                  one live (proposed or confirmed) match.
BankOnlyProposal  a bank-only line (charge, interest, unidentified deposit) proposed as an entry in
                  a firm ledger: proposed → posted (with the entry) or dismissed, by a person.
SavedCsvProfile   a named CSV column profile (lawledger.core.formats.csv_profiles.CsvProfile as
                  JSON). Append-only.
Reconciliation    a reconciliation saved as a draft (with its explanation) or signed off (balanced,
                  with the period lock it made, the report JSON and PDF, both hashed). Append-only:
                  signing a draft saves a new, signed row.
BankingSettings   the firm's ages for outstanding checks (stale) and deposits in transit (old).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from lawledger.crypto.fields import EncryptedTextField, PublicIdField

LIVE_STATUSES = ("proposed", "confirmed")


class BankStatement(models.Model):
    PUBLIC_ID_PREFIX = "stmt"

    public_id = PublicIdField()
    bank_account = models.ForeignKey("ledger.BankAccount", on_delete=models.PROTECT,
                                     related_name="+")
    format = models.CharField(max_length=16)
    file_sha256 = models.CharField(max_length=64)
    sequence_in_file = models.PositiveSmallIntegerField(default=0)
    file_name = EncryptedTextField(null=True, blank=True)
    file_size_bytes = models.BigIntegerField()
    statement_ref = models.CharField(max_length=128, blank=True, default="")
    currency = models.CharField(max_length=3)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    opening_balance_minor = models.BigIntegerField(null=True, blank=True)
    closing_balance_minor = models.BigIntegerField(null=True, blank=True)
    closing_balance_date = models.DateField(null=True, blank=True)
    line_count = models.PositiveIntegerField()
    new_line_count = models.PositiveIntegerField()
    duplicate_line_count = models.PositiveIntegerField()
    imported_by = models.CharField(max_length=254)
    imported_by_user = models.ForeignKey("access.User", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField()

    class Meta:
        db_table = "banking_statement"
        constraints = [
            models.UniqueConstraint(fields=["bank_account", "file_sha256", "sequence_in_file"],
                                    name="banking_statement_once_per_file"),
            models.CheckConstraint(condition=Q(new_line_count__lte=models.F("line_count")),
                                   name="banking_statement_counts"),
        ]


class BankLine(models.Model):
    PUBLIC_ID_PREFIX = "bl"

    public_id = PublicIdField()
    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="lines")
    bank_account = models.ForeignKey("ledger.BankAccount", on_delete=models.PROTECT,
                                     related_name="+")
    line_number = models.PositiveIntegerField()
    posted_on = models.DateField()
    value_date = models.DateField(null=True, blank=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    kind = models.CharField(max_length=16)
    bank_reference = models.CharField(max_length=255, blank=True, default="")
    end_to_end_id = models.CharField(max_length=255, blank=True, default="")
    check_number = models.CharField(max_length=32, blank=True, default="")
    counterparty = EncryptedTextField(null=True, blank=True)
    description = EncryptedTextField(null=True, blank=True)
    fingerprint = models.CharField(max_length=64)

    class Meta:
        db_table = "banking_line"
        constraints = [
            models.CheckConstraint(condition=~Q(amount_minor=0), name="banking_line_not_zero"),
            models.UniqueConstraint(fields=["bank_account", "fingerprint"],
                                    name="banking_line_fingerprint_unique"),
            models.UniqueConstraint(fields=["bank_account", "bank_reference"],
                                    condition=~Q(bank_reference=""),
                                    name="banking_line_bank_reference_unique"),
        ]
        indexes = [
            models.Index(fields=["bank_account", "posted_on"], name="banking_line_account_date"),
        ]


class Match(models.Model):
    PUBLIC_ID_PREFIX = "mt"

    class Status(models.TextChoices):
        PROPOSED = "proposed"
        CONFIRMED = "confirmed"
        UNDONE = "undone"

    public_id = PublicIdField()
    bank_account = models.ForeignKey("ledger.BankAccount", on_delete=models.PROTECT,
                                     related_name="+")
    method = models.CharField(max_length=24)
    confidence = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices)
    # The latest date among its lines and entries: from this date on both sides are on the bank.
    settled_on = models.DateField()
    note = EncryptedTextField(null=True, blank=True)
    created_by = models.CharField(max_length=254)
    created_at = models.DateTimeField()
    confirmed_by = models.CharField(max_length=254, blank=True, default="")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.CharField(max_length=254, blank=True, default="")
    undone_at = models.DateTimeField(null=True, blank=True)
    undo_reason = EncryptedTextField(null=True, blank=True)

    class Meta:
        db_table = "banking_match"
        constraints = [
            models.CheckConstraint(condition=Q(confidence__lte=100), name="banking_match_confidence"),
            models.CheckConstraint(
                condition=(Q(status="proposed", confirmed_at__isnull=True, undone_at__isnull=True)
                           | Q(status="confirmed", confirmed_at__isnull=False,
                               undone_at__isnull=True)
                           | Q(status="undone", undone_at__isnull=False)),
                name="banking_match_status_stamped"),
        ]
        indexes = [models.Index(fields=["bank_account", "status"], name="banking_match_status")]


class MatchItem(models.Model):
    match = models.ForeignKey(Match, on_delete=models.PROTECT, related_name="items")
    bank_line = models.ForeignKey(BankLine, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="match_items")
    entry = models.ForeignKey("ledger.JournalEntry", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    amount_minor = models.BigIntegerField()  # signed from the bank's side
    status = models.CharField(max_length=12, choices=Match.Status.choices)

    class Meta:
        db_table = "banking_match_item"
        constraints = [
            models.CheckConstraint(
                condition=(Q(bank_line__isnull=False, entry__isnull=True)
                           | Q(bank_line__isnull=True, entry__isnull=False)),
                name="banking_match_item_one_side"),
            models.UniqueConstraint(fields=["bank_line"],
                                    condition=Q(status__in=LIVE_STATUSES, bank_line__isnull=False),
                                    name="banking_line_in_one_live_match"),
            models.UniqueConstraint(fields=["entry"],
                                    condition=Q(status__in=LIVE_STATUSES, entry__isnull=False),
                                    name="banking_entry_in_one_live_match"),
        ]


class BankOnlyProposal(models.Model):
    PUBLIC_ID_PREFIX = "prop"

    class Status(models.TextChoices):
        PROPOSED = "proposed"
        POSTED = "posted"
        DISMISSED = "dismissed"

    public_id = PublicIdField()
    bank_account = models.ForeignKey("ledger.BankAccount", on_delete=models.PROTECT,
                                     related_name="+")
    bank_line = models.ForeignKey(BankLine, on_delete=models.PROTECT, related_name="proposals")
    entry_kind = models.CharField(max_length=24)
    amount_minor = models.BigIntegerField()
    effective_date = models.DateField()
    counterparty = EncryptedTextField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices)
    entry = models.ForeignKey("ledger.JournalEntry", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    proposed_by = models.CharField(max_length=254)
    proposed_at = models.DateTimeField()
    decided_by = models.CharField(max_length=254, blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    dismiss_reason = EncryptedTextField(null=True, blank=True)

    class Meta:
        db_table = "banking_bank_only_proposal"
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0),
                                   name="banking_proposal_amount_positive"),
            models.CheckConstraint(
                condition=(Q(status="proposed", entry__isnull=True, decided_at__isnull=True)
                           | Q(status="posted", entry__isnull=False, decided_at__isnull=False)
                           | Q(status="dismissed", entry__isnull=True, decided_at__isnull=False)),
                name="banking_proposal_status_stamped"),
            models.UniqueConstraint(fields=["bank_line"],
                                    condition=Q(status__in=("proposed", "posted")),
                                    name="banking_proposal_one_live_per_line"),
        ]


class SavedCsvProfile(models.Model):
    name = models.CharField(max_length=64, unique=True)
    definition = models.JSONField()
    created_by = models.CharField(max_length=254)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "banking_csv_profile"


class Reconciliation(models.Model):
    PUBLIC_ID_PREFIX = "rec"

    class Status(models.TextChoices):
        DRAFT = "draft"
        SIGNED = "signed"

    public_id = PublicIdField()
    bank_account = models.ForeignKey("ledger.BankAccount", on_delete=models.PROTECT,
                                     related_name="+")
    statement_date = models.DateField()
    currency = models.CharField(max_length=3)
    statement_balance_minor = models.BigIntegerField()
    deposits_in_transit_minor = models.BigIntegerField()
    outstanding_checks_minor = models.BigIntegerField()
    bank_only_minor = models.BigIntegerField()
    adjusted_bank_balance_minor = models.BigIntegerField()
    journal_balance_minor = models.BigIntegerField()
    client_ledgers_total_minor = models.BigIntegerField()
    firm_ledgers_total_minor = models.BigIntegerField()
    is_balanced = models.BooleanField()
    status = models.CharField(max_length=8, choices=Status.choices)
    explanation = EncryptedTextField(null=True, blank=True)
    report_json = EncryptedTextField()
    report_sha256 = models.CharField(max_length=64)
    report_pdf = EncryptedTextField(null=True, blank=True)  # base64 of the PDF
    pdf_sha256 = models.CharField(max_length=64, blank=True, default="")
    prepared_by = models.CharField(max_length=254)
    prepared_at = models.DateTimeField()
    signed_by = models.CharField(max_length=254, blank=True, default="")
    signed_at = models.DateTimeField(null=True, blank=True)
    period_lock = models.OneToOneField("ledger.PeriodLock", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "banking_reconciliation"
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft", signed_at__isnull=True, period_lock__isnull=True)
                | Q(status="signed", is_balanced=True, signed_at__isnull=False,
                    period_lock__isnull=False, report_pdf__isnull=False),
                name="banking_reconciliation_signed_is_balanced"),
            models.UniqueConstraint(fields=["bank_account", "statement_date"],
                                    condition=Q(status="signed"),
                                    name="banking_one_signed_reconciliation_per_date"),
        ]
        indexes = [models.Index(fields=["bank_account", "statement_date"],
                                name="banking_reconciliation_date")]


class BankingSettings(models.Model):
    id = models.SmallIntegerField(primary_key=True, default=1)
    stale_check_days = models.PositiveSmallIntegerField(default=180)
    transit_alert_days = models.PositiveSmallIntegerField(default=10)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "banking_settings"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="banking_settings_single")]
