"""Billing's entities and where each rule is held.

Timekeeper       a user who records time, with the LEDES id and classification shown on invoices.
Rate             an hourly rate, effective from a date, for a timekeeper by default or for one
                 client or one matter (precedence matter > client > timekeeper). Append-only.
FeeArrangement   how a matter is billed from a date: hourly, flat (whole matter or per task),
                 capped, contingency (tiers) or evergreen retainer (a minimum trust balance).
TimeEntry        minutes worked and billable (rounded up to the firm's increment), narrative
                 encrypted, UTBMS task/activity codes; frozen once on a finalized invoice (trigger).
Expense/Receipt  a cost (quantity × unit cost, UTBMS expense code), receipts stored encrypted.
Invoice          a pre-bill (draft → approved) then finalized with a gapless number; credit notes
                 are invoices of kind credit_note. A finalized invoice, its lines and its discounts
                 can never be updated or deleted, and a number is taken only as max + 1 (triggers,
                 both engines; unique number) — I2.
InvoiceLine      fee, expense or invoice-level adjustment (discount, flat fee, fee cap, tax,
                 credit) with the rate and where the rate came from.
Payment          money received (check, wire, card, ach, cash) or taken from trust (an earned-fee
                 transfer through the ledger engine). Allocation applies a payment, a credit note
                 or a write-off to an invoice; Refund pays unapplied credit back. All append-only,
                 and insert triggers refuse over-applying an invoice, a payment or a credit note.
ReplenishmentRequest, Settlement   evergreen top-ups asked for; contingency settlement statements.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from lawledger.crypto.fields import EncryptedTextField, PublicIdField


class BillingStatus(models.TextChoices):
    BILLABLE = "billable"
    NO_CHARGE = "no_charge"        # shown on the invoice at no charge
    NON_BILLABLE = "non_billable"  # never on an invoice


class BillingSettings(models.Model):
    id = models.SmallIntegerField(primary_key=True, default=1)
    tax_rate_basis_points = models.PositiveIntegerField(default=0)
    tax_label = models.CharField(max_length=40, default="Tax")
    tax_on_expenses = models.BooleanField(default=False)
    payment_terms_days = models.PositiveSmallIntegerField(default=30)
    require_prebill_approval = models.BooleanField(default=True)
    ledes_law_firm_id = models.CharField(max_length=20, blank=True, default="")
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "billing_settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="billing_settings_single"),
            models.CheckConstraint(condition=Q(tax_rate_basis_points__lte=10000),
                                   name="billing_tax_rate_at_most_100"),
        ]


class InvoiceSequence(models.Model):
    """The next invoice number of the firm: locked while a number is taken (gapless)."""

    id = models.SmallIntegerField(primary_key=True, default=1)
    next_value = models.BigIntegerField(default=1)

    class Meta:
        db_table = "billing_invoice_sequence"


class Timekeeper(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="timekeeper")
    number = models.CharField(max_length=20, unique=True)
    classification = models.CharField(max_length=10)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "billing_timekeeper"


class Rate(models.Model):
    timekeeper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    matter = models.ForeignKey("firm.Matter", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    client = models.ForeignKey("firm.Client", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    rate_minor_per_hour = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    effective_from = models.DateField()
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=254)

    class Meta:
        db_table = "billing_rate"
        constraints = [
            models.CheckConstraint(condition=Q(rate_minor_per_hour__gte=0),
                                   name="billing_rate_not_negative"),
            models.CheckConstraint(condition=Q(matter__isnull=True) | Q(client__isnull=True),
                                   name="billing_rate_one_scope"),
        ]
        indexes = [models.Index(fields=["timekeeper", "effective_from"], name="billing_rate_tk")]


class FeeArrangement(models.Model):
    class Kind(models.TextChoices):
        HOURLY = "hourly"
        FLAT = "flat"
        CAPPED = "capped"
        CONTINGENCY = "contingency"
        EVERGREEN = "evergreen"

    matter = models.ForeignKey("firm.Matter", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    effective_from = models.DateField()
    currency = models.CharField(max_length=3)
    flat_amount_minor = models.BigIntegerField(null=True, blank=True)
    task_fees = models.JSONField(default=dict, blank=True)      # {"L120": 50000}
    cap_minor = models.BigIntegerField(null=True, blank=True)
    tiers = models.JSONField(default=list, blank=True)          # [[up_to_minor|null, bp], …]
    minimum_balance_minor = models.BigIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=254)

    class Meta:
        db_table = "billing_fee_arrangement"
        indexes = [models.Index(fields=["matter", "effective_from"], name="billing_arr_matter")]


class TimeEntry(models.Model):
    PUBLIC_ID_PREFIX = "te"

    public_id = PublicIdField()
    matter = models.ForeignKey("firm.Matter", on_delete=models.PROTECT, related_name="+")
    timekeeper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    work_date = models.DateField()
    minutes_worked = models.PositiveIntegerField()
    minutes_billable = models.PositiveIntegerField()
    narrative = EncryptedTextField()
    task_code = models.CharField(max_length=4, blank=True, default="")
    activity_code = models.CharField(max_length=4, blank=True, default="")
    billing_status = models.CharField(max_length=12, choices=BillingStatus.choices,
                                      default=BillingStatus.BILLABLE)
    invoice = models.ForeignKey("Invoice", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="time_entries")
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=254)

    class Meta:
        db_table = "billing_time_entry"
        constraints = [
            models.CheckConstraint(condition=Q(minutes_worked__gt=0)
                                   & Q(minutes_billable__gte=models.F("minutes_worked")),
                                   name="billing_time_minutes_positive"),
        ]
        indexes = [models.Index(fields=["matter", "invoice", "work_date"],
                                name="billing_time_unbilled")]


class Expense(models.Model):
    PUBLIC_ID_PREFIX = "ex"

    class CostKind(models.TextChoices):
        HARD = "hard"
        SOFT = "soft"

    class PaidFrom(models.TextChoices):
        OPERATING = "operating"
        TRUST = "trust"

    public_id = PublicIdField()
    matter = models.ForeignKey("firm.Matter", on_delete=models.PROTECT, related_name="+")
    incurred_on = models.DateField()
    description = EncryptedTextField()
    expense_code = models.CharField(max_length=4, blank=True, default="")
    quantity_thousandths = models.BigIntegerField()
    unit_cost_minor = models.BigIntegerField()
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    cost_kind = models.CharField(max_length=4, choices=CostKind.choices, default=CostKind.HARD)
    billing_status = models.CharField(max_length=12, choices=BillingStatus.choices,
                                      default=BillingStatus.BILLABLE)
    paid_from = models.CharField(max_length=10, choices=PaidFrom.choices,
                                 default=PaidFrom.OPERATING)
    trust_entry = models.CharField(max_length=24, blank=True, default="")
    invoice = models.ForeignKey("Invoice", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="expenses")
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=254)

    class Meta:
        db_table = "billing_expense"
        constraints = [
            models.CheckConstraint(condition=Q(quantity_thousandths__gt=0)
                                   & Q(unit_cost_minor__gte=0) & Q(amount_minor__gte=0),
                                   name="billing_expense_positive"),
        ]
        indexes = [models.Index(fields=["matter", "invoice", "incurred_on"],
                                name="billing_expense_unbilled")]


class Receipt(models.Model):
    PUBLIC_ID_PREFIX = "rc"

    public_id = PublicIdField()
    expense = models.ForeignKey(Expense, on_delete=models.PROTECT, related_name="receipts")
    filename = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = EncryptedTextField()  # base64 of the file, sealed
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=254)

    class Meta:
        db_table = "billing_receipt"


class Invoice(models.Model):
    PUBLIC_ID_PREFIX = "inv"

    class Kind(models.TextChoices):
        INVOICE = "invoice"
        CREDIT_NOTE = "credit_note"

    class Status(models.TextChoices):
        DRAFT = "draft"
        APPROVED = "approved"
        FINALIZED = "finalized"

    public_id = PublicIdField()
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    matter = models.ForeignKey("firm.Matter", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("firm.Client", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    number = models.CharField(max_length=40, null=True, blank=True, unique=True)
    sequence_number = models.BigIntegerField(null=True, blank=True, unique=True)
    currency = models.CharField(max_length=3)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField()
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    fees_minor = models.BigIntegerField(default=0)
    expenses_minor = models.BigIntegerField(default=0)
    tax_minor = models.BigIntegerField(default=0)
    total_minor = models.BigIntegerField(default=0)
    credits = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="credit_notes")
    note = EncryptedTextField(null=True, blank=True)
    previous_balance_minor = models.BigIntegerField(null=True, blank=True)
    trust_balance_minor = models.BigIntegerField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    finalized_by = models.CharField(max_length=254, blank=True, default="")
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=254)

    class Meta:
        db_table = "billing_invoice"
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="finalized") & Q(number__isnull=False)
                           & Q(sequence_number__isnull=False) & Q(issue_date__isnull=False))
                | (~Q(status="finalized") & Q(number__isnull=True)
                   & Q(sequence_number__isnull=True)),
                name="billing_invoice_number_iff_finalized"),
            models.CheckConstraint(condition=Q(kind="invoice") | Q(credits__isnull=False),
                                   name="billing_credit_note_credits_an_invoice"),
        ]
        indexes = [
            models.Index(fields=["matter", "status"], name="billing_invoice_matter"),
            models.Index(fields=["client", "issue_date"], name="billing_invoice_client"),
        ]


class InvoiceDiscount(models.Model):
    """A discount or write-down on a pre-bill: of one line (its time entry or expense) or of the
    invoice's fees or expenses. The lines are rebuilt from these at every change of the draft."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="discounts")
    time_entry = models.ForeignKey(TimeEntry, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    expense = models.ForeignKey(Expense, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    category = models.CharField(max_length=8)  # fees | expenses
    basis_points = models.PositiveIntegerField(null=True, blank=True)
    amount_minor = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=254)

    class Meta:
        db_table = "billing_invoice_discount"
        constraints = [models.CheckConstraint(
            condition=(Q(basis_points__isnull=False) & Q(amount_minor__isnull=True))
            | (Q(basis_points__isnull=True) & Q(amount_minor__gt=0)),
            name="billing_discount_percent_or_amount")]


class InvoiceLine(models.Model):
    """A line of an invoice. A fee or expense line shows its entry's narrative or description
    (encrypted on the entry, frozen with it once the invoice is final); an adjustment its label."""

    class Kind(models.TextChoices):
        FEE = "fee"
        EXPENSE = "expense"
        ADJUSTMENT = "adjustment"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    category = models.CharField(max_length=8)  # fees | expenses (LEDES IF / IE for adjustments)
    code = models.CharField(max_length=12, blank=True, default="")
    line_date = models.DateField()
    time_entry = models.ForeignKey(TimeEntry, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    expense = models.ForeignKey(Expense, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    timekeeper = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    minutes = models.PositiveIntegerField(null=True, blank=True)
    quantity_thousandths = models.BigIntegerField(null=True, blank=True)
    rate_minor = models.BigIntegerField(null=True, blank=True)
    rate_source = models.CharField(max_length=12, blank=True, default="")
    standard_minor = models.BigIntegerField(default=0)
    adjustment_minor = models.BigIntegerField(default=0)
    adjustment_reason = models.CharField(max_length=300, blank=True, default="")
    amount_minor = models.BigIntegerField()
    task_code = models.CharField(max_length=4, blank=True, default="")
    activity_code = models.CharField(max_length=4, blank=True, default="")
    expense_code = models.CharField(max_length=4, blank=True, default="")
    is_no_charge = models.BooleanField(default=False)
    label = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        db_table = "billing_invoice_line"
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "number"], name="billing_line_number"),
            models.CheckConstraint(
                condition=Q(amount_minor=models.F("standard_minor") + models.F("adjustment_minor")),
                name="billing_line_amount_adds_up"),
        ]


class Payment(models.Model):
    PUBLIC_ID_PREFIX = "pay"

    public_id = PublicIdField()
    client = models.ForeignKey("firm.Client", on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField()
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=8)
    reference = models.CharField(max_length=64, blank=True, default="")
    trust_entry = models.CharField(max_length=24, blank=True, default="")
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=254)

    class Meta:
        db_table = "billing_payment"
        constraints = [models.CheckConstraint(condition=Q(amount_minor__gt=0),
                                              name="billing_payment_positive")]


class Allocation(models.Model):
    class Kind(models.TextChoices):
        PAYMENT = "payment"
        CREDIT_NOTE = "credit_note"
        WRITE_OFF = "write_off"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="allocations")
    credit_note = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="applications")
    amount_minor = models.BigIntegerField()
    applied_on = models.DateField()
    reason = models.CharField(max_length=300, blank=True, default="")
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=254)

    class Meta:
        db_table = "billing_allocation"
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0),
                                   name="billing_allocation_positive"),
            models.CheckConstraint(
                condition=(Q(kind="payment") & Q(payment__isnull=False)
                           & Q(credit_note__isnull=True))
                | (Q(kind="credit_note") & Q(payment__isnull=True) & Q(credit_note__isnull=False))
                | (Q(kind="write_off") & Q(payment__isnull=True) & Q(credit_note__isnull=True)),
                name="billing_allocation_one_source"),
        ]


class Refund(models.Model):
    PUBLIC_ID_PREFIX = "rf"

    public_id = PublicIdField()
    client = models.ForeignKey("firm.Client", on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="refunds")
    credit_note = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="refunds")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    refunded_on = models.DateField()
    method = models.CharField(max_length=8)
    reference = models.CharField(max_length=64, blank=True, default="")
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=254)

    class Meta:
        db_table = "billing_refund"
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="billing_refund_positive"),
            models.CheckConstraint(
                condition=(Q(payment__isnull=True) & Q(credit_note__isnull=False))
                | (Q(payment__isnull=False) & Q(credit_note__isnull=True)),
                name="billing_refund_one_source"),
        ]


class ReplenishmentRequest(models.Model):
    PUBLIC_ID_PREFIX = "rr"

    public_id = PublicIdField()
    matter = models.ForeignKey("firm.Matter", on_delete=models.PROTECT, related_name="+")
    account = models.CharField(max_length=100)
    requested_on = models.DateField()
    balance_minor = models.BigIntegerField()
    minimum_minor = models.BigIntegerField()
    requested_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=254)

    class Meta:
        db_table = "billing_replenishment_request"


class Settlement(models.Model):
    PUBLIC_ID_PREFIX = "st"

    public_id = PublicIdField()
    matter = models.ForeignKey("firm.Matter", on_delete=models.PROTECT, related_name="+")
    settled_on = models.DateField()
    account = models.CharField(max_length=100)
    currency = models.CharField(max_length=3)
    gross_minor = models.BigIntegerField()
    fee_minor = models.BigIntegerField()
    costs_minor = models.BigIntegerField()
    liens = models.JSONField(default=list)          # [[entry id, amount_minor], …]
    net_minor = models.BigIntegerField()
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    entries = models.JSONField(default=list)        # public ids of the trust entries it made
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=254)

    class Meta:
        db_table = "billing_settlement"
