"""The trust ledger's entities and where each invariant is enforced.

BankAccount      a real bank account: trust (pooled or separate for one matter) or operating.
LedgerAccount    a (sub-)ledger in one bank account's book: the bank itself, one client ledger per
                 matter, the firm-funds, interest and unidentified-funds ledgers, fee income. It
                 carries its balance, a version and the last effective date posted to it.
                 CHECK (balance ≥ 0) for every trust sub-ledger (I3, I4).
JournalEntry     one business event (deposit, disbursement, transfer, earned fee, …), immutable.
Posting          one leg of an entry on one ledger account, with the balance after it (in recording
                 order). Postings are inserted before their entry; a trigger on the entry refuses
                 it unless its postings sum to zero per book and currency (I1), and a trigger on
                 postings refuses any added to an entry already posted.
PeriodLock       a signed-off period of one bank account: triggers refuse postings dated in it (I6).
DepositClearance when the bank showed a deposit (inserted, never changed).
IdempotencyKey   the request fingerprint and result of a keyed command (I7), unique per scope.

Entries, postings, locks, clearances and keys are append-only by trigger on both engines (I2).
Corrections are reversing entries that reference the original. Ordering is (effective_date, id):
ids are allocated after the ledger locks are taken, so they follow recording order per ledger.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from lawledger.core.ledger import NON_NEGATIVE_KINDS, AccountKind, EntryKind
from lawledger.core.money import format_minor
from lawledger.crypto.fields import EncryptedTextField, PublicIdField


class BankAccount(models.Model):
    PUBLIC_ID_PREFIX = "acct"

    class Kind(models.TextChoices):
        TRUST = "trust"
        OPERATING = "operating"

    public_id = PublicIdField()
    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    currency = models.CharField(max_length=3)
    is_pooled = models.BooleanField(default=True)
    matter = models.ForeignKey("firm.Matter", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="separate_trust_accounts")
    bank_name = EncryptedTextField(null=True, blank=True)
    account_number = EncryptedTextField(null=True, blank=True)
    account_number_last4 = models.CharField(max_length=4, blank=True, default="")
    opened_on = models.DateField()
    created_at = models.DateTimeField()

    class Meta:
        db_table = "ledger_bank_account"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LedgerAccount(models.Model):
    kind = models.CharField(max_length=16, choices=[(k.value, k.value) for k in AccountKind])
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT,
                                     related_name="ledger_accounts")
    matter = models.ForeignKey("firm.Matter", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="ledger_accounts")
    currency = models.CharField(max_length=3)
    balance_minor = models.BigIntegerField(default=0)
    version = models.BigIntegerField(default=0)
    last_entry_date = models.DateField(null=True, blank=True)

    class Meta:
        db_table = "ledger_account"
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=sorted(NON_NEGATIVE_KINDS)) | Q(balance_minor__gte=0),
                name="ledger_trust_balance_not_negative"),
            models.CheckConstraint(
                condition=(Q(kind=AccountKind.CLIENT) & Q(matter__isnull=False))
                | (~Q(kind=AccountKind.CLIENT) & Q(matter__isnull=True)),
                name="ledger_client_ledger_has_matter"),
            models.UniqueConstraint(fields=["bank_account", "matter"],
                                    condition=Q(kind=AccountKind.CLIENT),
                                    name="ledger_one_client_ledger_per_account"),
            models.UniqueConstraint(fields=["bank_account", "kind"], condition=Q(matter__isnull=True),
                                    name="ledger_one_firm_ledger_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.bank_account_id}:{self.kind}:{self.matter_id or ''}"


class JournalEntry(models.Model):
    PUBLIC_ID_PREFIX = "je"

    id = models.BigIntegerField(primary_key=True)  # allocated after the ledger locks are taken
    public_id = PublicIdField()
    kind = models.CharField(max_length=24, choices=[(k.value, k.value) for k in EntryKind])
    effective_date = models.DateField()
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=254)
    recorded_by_user = models.ForeignKey("access.User", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="entries")
    matter = models.ForeignKey("firm.Matter", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="entries")
    counter_matter = models.ForeignKey("firm.Matter", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="counter_entries")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=16, blank=True, default="")
    check_number = models.CharField(max_length=32, null=True, blank=True)
    reference = models.CharField(max_length=64, blank=True, default="")
    invoice_ref = models.CharField(max_length=64, blank=True, default="")
    payor = EncryptedTextField(null=True, blank=True)
    payee = EncryptedTextField(null=True, blank=True)
    purpose = EncryptedTextField(null=True, blank=True)
    memo = EncryptedTextField(null=True, blank=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    is_uncleared_override = models.BooleanField(default=False)

    class Meta:
        db_table = "ledger_journal_entry"
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="ledger_entry_amount_positive"),
            models.UniqueConstraint(fields=["bank_account", "check_number"],
                                    condition=Q(check_number__isnull=False),
                                    name="ledger_check_number_unique"),
        ]
        indexes = [
            models.Index(fields=["bank_account", "effective_date", "id"], name="ledger_entry_journal"),
            models.Index(fields=["matter", "effective_date"], name="ledger_entry_matter"),
        ]

    def __str__(self) -> str:
        return str(self.public_id)


class Posting(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings",
                              db_constraint=True)
    ledger_account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT,
                                       related_name="postings")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="+")
    effective_date = models.DateField()
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    balance_after_minor = models.BigIntegerField()

    class Meta:
        db_table = "ledger_posting"
        constraints = [models.CheckConstraint(condition=~Q(amount_minor=0),
                                              name="ledger_posting_not_zero")]
        indexes = [
            models.Index(fields=["ledger_account", "effective_date", "entry"],
                         name="ledger_posting_timeline"),
        ]


class PeriodLock(models.Model):
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="locks")
    through_date = models.DateField()
    locked_at = models.DateTimeField()
    locked_by = models.CharField(max_length=254)
    reference = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "ledger_period_lock"
        indexes = [models.Index(fields=["bank_account", "through_date"], name="ledger_lock_account")]


class DepositClearance(models.Model):
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="clearance")
    cleared_on = models.DateField()
    source = models.CharField(max_length=32)
    recorded_at = models.DateTimeField()

    class Meta:
        db_table = "ledger_deposit_clearance"


class IdempotencyKey(models.Model):
    scope = models.CharField(max_length=254)
    key = models.CharField(max_length=128)
    fingerprint = models.CharField(max_length=64)
    entry = models.ForeignKey(JournalEntry, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        db_table = "ledger_idempotency_key"
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="ledger_idempotency_unique")]


class ApprovalRequest(models.Model):
    """A disbursement or refund at or above the firm's approval threshold, held until a second
    user approves it (SECURITY.md D7). Nothing is posted until then; approval posts it through
    `posting.post` once (entry is unique). The CHECKs below and the triggers of `approval_sql`
    hold the rules the database can: approver ≠ requester, one decision per request.
    """

    PUBLIC_ID_PREFIX = "apr"

    class Status(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"
        WITHDRAWN = "withdrawn"

    public_id = PublicIdField()
    kind = models.CharField(max_length=24, choices=[(EntryKind.DISBURSEMENT.value, "disbursement"),
                                                    (EntryKind.REFUND.value, "refund")])
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    matter = models.ForeignKey("firm.Matter", on_delete=models.PROTECT, related_name="+")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="+")
    effective_date = models.DateField()
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=16, blank=True, default="")
    check_number = models.CharField(max_length=32, null=True, blank=True)
    reference = models.CharField(max_length=64, blank=True, default="")
    payee = EncryptedTextField(null=True, blank=True)
    purpose = EncryptedTextField(null=True, blank=True)
    memo = EncryptedTextField(null=True, blank=True)
    override_uncleared = models.BooleanField(default=False)
    requested_by = models.CharField(max_length=254)
    requested_by_user = models.ForeignKey("access.User", null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.CharField(max_length=254, blank=True, default="")
    decided_by_user = models.ForeignKey("access.User", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = EncryptedTextField(null=True, blank=True)
    entry = models.OneToOneField(JournalEntry, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="approval")
    # A retried request with the same key answers with this request (I7), not a second one.
    idempotency_key = models.CharField(max_length=128, null=True, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "ledger_approval_request"
        ordering = ["requested_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0),
                                   name="ledger_approval_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=["pending", "approved", "rejected",
                                                           "withdrawn"]),
                                   name="ledger_approval_status_known"),
            # Only an approved request has an entry, and every approved one has one.
            models.CheckConstraint(condition=Q(status="approved", entry__isnull=False)
                                   | (~Q(status="approved") & Q(entry__isnull=True)),
                                   name="ledger_approval_entry_iff_approved"),
            models.CheckConstraint(condition=Q(status="pending", decided_by="")
                                   | (~Q(status="pending") & ~Q(decided_by="")),
                                   name="ledger_approval_decider_iff_decided"),
            # The four-eyes rule: whoever approves or rejects is not whoever asked (by label,
            # and by user where both are users); only the requester withdraws.
            models.CheckConstraint(
                condition=Q(status__in=["pending", "withdrawn"])
                | (~Q(decided_by=models.F("requested_by"))
                   & (Q(decided_by_user__isnull=True) | Q(requested_by_user__isnull=True)
                      | ~Q(decided_by_user=models.F("requested_by_user")))),
                name="ledger_approval_second_person"),
            models.CheckConstraint(condition=~Q(status="withdrawn")
                                   | Q(decided_by=models.F("requested_by")),
                                   name="ledger_approval_withdrawn_by_requester"),
            models.UniqueConstraint(fields=["requested_by", "idempotency_key"],
                                    condition=Q(idempotency_key__isnull=False),
                                    name="ledger_approval_idempotency_unique"),
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="ledger_approval_status")]

    def __str__(self) -> str:
        return str(self.public_id)

    @property
    def amount(self) -> str:
        return format_minor(self.amount_minor, self.currency)
