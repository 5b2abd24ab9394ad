"""What the jurisdiction packs record, and where each of their rules is held in the database.

SettingOrigin    who last set each firm setting: the firm itself or a pack's default. When a firm
                 chooses a jurisdiction, the pack's defaults replace only the settings whose
                 latest origin is not "firm". Append-only: the history of who chose what.
ResidualPayment  the register of unclaimed or residual balances paid away (the SRA's central
                 register; Ontario's unclaimed trust fund payments), each tied one-to-one to the
                 disbursement that paid it. CHECK constraints, generated from the packs, refuse a
                 row that breaks its pack's rule even through raw SQL: an SRA residual above £500
                 without an authorisation reference, an Ontario payment held under two years, a
                 charity payment without the charity's number. Append-only.
ClientNotice     each client notice generated (notice of receipt, annual accounting, trust
                 account statement): for which matter, entry or period, by whom and when, with
                 the PDF itself (encrypted) and its sha256. Append-only.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from lawledger.core.jurisdictions import all_packs
from lawledger.core.jurisdictions.model import NoticeKind, UnclaimedKind
from lawledger.crypto.fields import EncryptedTextField, PublicIdField


class SettingOrigin(models.Model):
    class Origin(models.TextChoices):
        FIRM = "firm"
        PACK = "pack"

    key = models.CharField(max_length=64)
    origin = models.CharField(max_length=8, choices=Origin.choices)
    jurisdiction = models.CharField(max_length=16)
    value = models.CharField(max_length=200)
    set_by = models.CharField(max_length=254)
    set_at = models.DateTimeField()

    class Meta:
        db_table = "jurisdictions_setting_origin"
        constraints = [models.CheckConstraint(condition=Q(origin__in=["firm", "pack"]),
                                              name="jurisdictions_origin_known")]
        indexes = [models.Index(fields=["key", "id"], name="jurisdictions_origin_key")]


def _residual_rules() -> Q:
    """Every pack's residual-payment limits as one condition a row must meet."""
    condition = Q(amount_minor__gt=0) & (~Q(kind=UnclaimedKind.CHARITY.value)
                                         | ~Q(charity_number=""))
    for pack in all_packs():
        rule = pack.unclaimed
        if rule.without_authorisation_max_minor is not None:
            over = (~Q(currency=rule.threshold_currency)
                    | Q(amount_minor__gt=rule.without_authorisation_max_minor))
            condition &= ~(Q(jurisdiction=pack.code) & over & Q(authorisation_reference=""))
        if rule.after_months is not None:
            condition &= ~(Q(jurisdiction=pack.code)
                           & (Q(months_inactive__isnull=True)
                              | Q(months_inactive__lt=rule.after_months)))
    return condition


class ResidualPayment(models.Model):
    PUBLIC_ID_PREFIX = "rp"

    public_id = PublicIdField()
    entry = models.OneToOneField("ledger.JournalEntry", on_delete=models.PROTECT, related_name="+")
    matter = models.ForeignKey("firm.Matter", on_delete=models.PROTECT, related_name="+")
    jurisdiction = models.CharField(max_length=16)
    kind = models.CharField(max_length=24, choices=[(k.value, k.value) for k in UnclaimedKind])
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    paid_on = models.DateField()
    last_activity_on = models.DateField(null=True, blank=True)
    months_inactive = models.IntegerField(null=True, blank=True)
    owner_name = EncryptedTextField()
    payee = EncryptedTextField()
    steps_taken = EncryptedTextField()
    charity_number = models.CharField(max_length=32, blank=True, default="")
    authorisation_reference = models.CharField(max_length=64, blank=True, default="")
    recorded_by = models.CharField(max_length=254)
    recorded_at = models.DateTimeField()

    class Meta:
        db_table = "jurisdictions_residual_payment"
        constraints = [models.CheckConstraint(condition=_residual_rules(),
                                              name="jurisdictions_residual_rules")]
        indexes = [models.Index(fields=["paid_on"], name="jurisdictions_residual_date")]


class ClientNotice(models.Model):
    PUBLIC_ID_PREFIX = "ntc"

    public_id = PublicIdField()
    kind = models.CharField(max_length=24, choices=[(k.value, k.value) for k in NoticeKind])
    jurisdiction = models.CharField(max_length=16)
    matter = models.ForeignKey("firm.Matter", on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey("ledger.JournalEntry", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    generated_by = models.CharField(max_length=254)
    generated_at = models.DateTimeField()
    pdf = EncryptedTextField()  # base64 of the PDF as generated
    pdf_sha256 = models.CharField(max_length=64)

    class Meta:
        db_table = "jurisdictions_client_notice"
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=NoticeKind.RECEIPT.value) & Q(entry__isnull=False))
                | (~Q(kind=NoticeKind.RECEIPT.value) & Q(period_start__isnull=False)
                   & Q(period_end__isnull=False)
                   & Q(period_start__lte=models.F("period_end"))),
                name="jurisdictions_notice_covers_something"),
        ]
        indexes = [models.Index(fields=["matter", "kind"], name="jurisdictions_notice_matter")]
