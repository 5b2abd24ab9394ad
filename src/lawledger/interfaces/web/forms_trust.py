"""Forms of the trust recording pages.

The forms check shape only (required, length, choices). The rules, and the parsing of amounts,
belong to the services: a refusal comes back as a typed error whose `param` names the service's
field, and `attach_error` puts its message beside the matching input (or above the form when no
input matches). Each form carries an idempotency key made when the page is drawn, so a double
submit or a retried POST records the entry once (I7).
"""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django import forms

from lawledger.core.errors import LawLedgerError, RuleViolation
from lawledger.core.ledger import EntryKind

DEPOSIT_METHODS = [("check", "Check"), ("wire", "Wire"), ("ach", "ACH"), ("card", "Card"),
                   ("cash", "Cash")]
PAYMENT_METHODS = [("check", "Check"), ("eft", "EFT"), ("wire", "Wire"), ("ach", "ACH")]
FIRM_ENTRY_KINDS = [
    (EntryKind.BANK_CHARGE.value, "Bank charge (from the firm's funds in trust)"),
    (EntryKind.INTEREST.value, "Interest credited by the bank"),
    (EntryKind.INTEREST_REMITTANCE.value, "Interest remittance (paid on)"),
    (EntryKind.FIRM_DEPOSIT.value, "Firm deposit (firm money to cover bank charges)"),
    (EntryKind.FIRM_WITHDRAWAL.value, "Firm withdrawal (the firm's own money back out)"),
    (EntryKind.UNIDENTIFIED_DEPOSIT.value, "Unidentified deposit (owner not yet known)"),
]


def new_idempotency_key() -> str:
    return "web-" + secrets.token_urlsafe(24)


def _amount() -> forms.CharField:
    return forms.CharField(
        label="Amount", max_length=32,
        help_text="In the account's currency, e.g. 1250.00",
        error_messages={"required": "Enter the amount, e.g. 1250.00"},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))


def _date() -> forms.DateField:
    return forms.DateField(
        label="Effective date", help_text="The accounting date of the entry",
        error_messages={"required": "Enter the effective date as YYYY-MM-DD",
                        "invalid": "Enter the effective date as YYYY-MM-DD, e.g. 2026-03-31"},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


def _memo() -> forms.CharField:
    return forms.CharField(label="Memo", required=False, max_length=2000,
                           help_text="Kept encrypted; shown to those who may see this ledger",
                           widget=forms.Textarea(attrs={"rows": 2}))


def _text(label: str, *, max_length: int, required: bool = False, help_text: str = "",
          autocomplete: str = "off") -> forms.CharField:
    messages = {"required": f"Enter {label.lower()}"}
    return forms.CharField(label=label, max_length=max_length, required=required,
                           help_text=help_text, error_messages=messages,
                           widget=forms.TextInput(attrs={"autocomplete": autocomplete}))


class TrustForm(forms.Form):
    """Base: the hidden idempotency key and the mapping of service params to inputs."""

    # service param → form field, where their names differ
    PARAM_FIELDS: ClassVar[dict[str, str]] = {"from": "payor", "to": "payee",
                                              "invoice": "invoice_ref"}

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=128)

    def __init__(self, *args: Any, accounts: list[tuple[str, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "account" in self.fields and accounts is not None:
            self.fields["account"].choices = accounts  # type: ignore[attr-defined]

    def attach_error(self, error: LawLedgerError) -> None:
        """Put a service refusal beside the input it names; rules also say their code."""
        name = self.PARAM_FIELDS.get(error.param or "", error.param or "")
        text = error.message
        if isinstance(error, RuleViolation):
            text = f"{error.code}: {error.message}"
        field = self.fields.get(name)
        if field is not None and not isinstance(field.widget, forms.HiddenInput):
            self.add_error(name, text)
        else:
            self.add_error(None, text)


class DepositForm(TrustForm):
    account = forms.ChoiceField(label="Trust account")
    date = _date()
    amount = _amount()
    payor = _text("Received from", max_length=200, required=True,
                  help_text="Who paid the money in")
    method = forms.ChoiceField(label="Method", choices=DEPOSIT_METHODS)
    reference = _text("Reference", max_length=64, help_text="Check number or bank reference")
    memo = _memo()


class DisbursementForm(TrustForm):
    account = forms.ChoiceField(label="Trust account")
    date = _date()
    amount = _amount()
    payee = _text("Pay to", max_length=200, required=True)
    method = forms.ChoiceField(label="Method", choices=PAYMENT_METHODS)
    check_number = _text("Check number", max_length=32, help_text="For a check: its number")
    reference = _text("EFT or wire reference", max_length=64)
    purpose = _text("Purpose", max_length=500, required=True, help_text="What the payment is for")
    memo = _memo()

    def __init__(self, *args: Any, allow_override: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if allow_override:
            self.fields["override_uncleared"] = forms.BooleanField(
                label="Override the uncleared-funds hold (admin)", required=False,
                help_text="Pays against deposits the bank has not cleared yet; audited")


class RefundForm(TrustForm):
    account = forms.ChoiceField(label="Trust account")
    date = _date()
    amount = _amount()
    payee = _text("Refund to", max_length=200, required=True, help_text="The client")
    method = forms.ChoiceField(label="Method", choices=PAYMENT_METHODS)
    check_number = _text("Check number", max_length=32, help_text="For a check: its number")
    reference = _text("EFT or wire reference", max_length=64)
    memo = _memo()


class TransferForm(TrustForm):
    to_matter = _text("To matter", max_length=64, required=True,
                      help_text="The matter number that receives the money, e.g. M-0002")
    account = forms.ChoiceField(label="Trust account")
    date = _date()
    amount = _amount()
    memo = _memo()


class EarnedFeeForm(TrustForm):
    account = forms.ChoiceField(label="From trust account")
    operating_account = forms.ChoiceField(label="To operating account")
    date = _date()
    amount = _amount()
    invoice_ref = _text("Invoice number", max_length=64,
                        help_text="The invoice on which these fees were billed")
    memo = _memo()

    def __init__(self, *args: Any, operating: list[tuple[str, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["operating_account"].choices = operating or []  # type: ignore[attr-defined]


class FirmEntryForm(TrustForm):
    PARAM_FIELDS: ClassVar[dict[str, str]] = {"counterparty": "counterparty"}

    kind = forms.ChoiceField(label="Kind of entry", choices=FIRM_ENTRY_KINDS)
    account = forms.ChoiceField(label="Trust account")
    date = _date()
    amount = _amount()
    counterparty = _text("Paid to / received from", max_length=200,
                         help_text="Required for an interest remittance and an unidentified "
                                   "deposit")
    reference = _text("Reference", max_length=64)
    memo = _memo()


class AssignUnidentifiedForm(TrustForm):
    account = forms.ChoiceField(label="Trust account")
    matter = _text("Matter", max_length=64, required=True,
                   help_text="The matter the money turned out to belong to, e.g. M-0002")
    date = _date()
    amount = _amount()
    memo = _memo()


class ReversalForm(TrustForm):
    # A reversal needs no key: a second submit finds the entry already reversed and is shown it.
    idempotency_key = None  # type: ignore[assignment]
    reason = _text("Reason", max_length=500, required=True,
                   help_text="Why the entry is reversed (kept with the reversal)")
    date = _date()
