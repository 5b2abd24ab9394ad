"""Trust recording pages (deposit, disbursement, transfer, earned fee, refund, firm-ledger entries,
assignment of unidentified funds, reversal) and the entry page.

Every page first asks the access policy: a matter the user may not see is 404 (the same as one
that does not exist), a matter they see but may not record on is 403; both refusals are audited
by `staff_view`. Writes are POST only (CSRF on), go through `ledger.services` only (disbursements
and refunds through `ledger.approvals`, which holds one at the firm's threshold), and carry an
idempotency key drawn with the form, so a double submit records once. A refusal comes back as a
typed error and is shown beside the input its `param` names; nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from lawledger.core.access import Action, Principal, Role, role_allows
from lawledger.core.errors import (
    AlreadyReversed,
    IdempotencyKeyReused,
    LawLedgerError,
    NotFound,
    PermissionDenied,
)
from lawledger.core.ledger import EntryKind
from lawledger.interfaces.errors import audit_refusal
from lawledger.interfaces.web import forms_trust as forms
from lawledger.interfaces.web.views import staff_view
from lawledger.ledger.approvals import ApprovalRequest, outflow_request

NOTICE_KEY = "lawledger.trust_notice"


@dataclass(frozen=True)
class Recorded:
    """What a recording page shows after the POST: the entry, and whether it was already there."""

    entry_id: str
    replayed: bool = False
    warnings: list[str] = field(default_factory=list)


@dataclass
class FormPage:
    """What a recording page needs besides its form: words, and the service call."""

    title: str
    submit: str
    record: Callable[[Principal, dict[str, Any]], Any]
    intro: str = ""
    context: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# shared pieces


def _accounts(kind: str) -> list[tuple[str, str]]:
    from lawledger.ledger.queries import bank_accounts

    return [(account.name, f"{account.name} ({account.currency})")
            for account in bank_accounts() if account.kind == kind]


def _default_account(balances: list[dict[str, str]], choices: list[tuple[str, str]]) -> str:
    if len(balances) == 1:
        return balances[0]["account"]
    return choices[0][0] if len(choices) == 1 else ""


def _matter_for(principal: Principal, number: str, action: Action) -> Any:
    """The matter, after the policy allowed `action` on it; the read of it is audited."""
    from lawledger.access.policy import get_matter
    from lawledger.firm.queries import matter_detail

    get_matter(principal, number, action)  # 404 when hidden, 403 when the role may not
    return matter_detail(principal, number)


def _trust_matter(principal: Principal, number: str,
                  action: Action) -> tuple[Any, list[dict[str, str]], list[tuple[str, str]]]:
    """The matter (policy-checked, read audited), its trust balances and the trust accounts."""
    from lawledger.ledger.queries import matter_trust_balances

    matter = _matter_for(principal, number, action)
    return matter, matter_trust_balances(matter), _accounts("trust")


def _record_with(service: Callable[..., Any], **fixed: Any) -> Callable[[Principal, dict[str, Any]], Any]:
    """The page's service call: the form's fields are named as the service's parameters."""

    def record(actor: Principal, data: dict[str, Any]) -> Any:
        return service(actor=actor, **fixed, **data)

    return record


def _outflow(kind: EntryKind, **fixed: Any) -> Callable[..., Any]:
    """A disbursement or refund: posted, or held for a second approver at the firm's threshold."""
    def run(actor: Principal, **data: Any) -> Any:
        return outflow_request(actor, kind, **fixed, **data)

    return run


def _visible_open_matters(principal: Principal) -> list[Any]:
    from lawledger.firm.queries import matters_for

    return list(matters_for(principal, status="open")[:500])


def _error_status(error: LawLedgerError) -> int:
    return 422 if isinstance(error, NotFound) else error.http_status


def _form_page(request: HttpRequest, principal: Principal, page: FormPage,
               form_class: type[forms.TrustForm], *, initial: dict[str, Any],
               form_kwargs: dict[str, Any]) -> HttpResponse:
    """GET draws the form with a fresh idempotency key; POST records once or shows why not."""
    from lawledger.firm.queries import firm_today

    status = 200
    form: forms.TrustForm
    if request.method == "POST":
        form = form_class(request.POST, **form_kwargs)
        status = 422
        if form.is_valid():
            try:
                result = page.record(principal, form.cleaned_data)
            except IdempotencyKeyReused as error:
                audit_refusal(principal, error, request.path)
                fresh = request.POST.copy()
                fresh["idempotency_key"] = forms.new_idempotency_key()
                form = form_class(fresh, **form_kwargs)
                form.is_valid()
                form.add_error(None, "This form was already used to record an entry with other "
                                     "values. Check the ledger; submit again to record this one "
                                     "as a new entry.")
                status = error.http_status
            except LawLedgerError as error:
                audit_refusal(principal, error, request.path)
                form.attach_error(error)
                status = _error_status(error)
            else:
                if isinstance(result, ApprovalRequest):  # held for a second approver (D7)
                    response = HttpResponse(status=303)
                    response["Location"] = f"{reverse('trust_approvals')}?held={result.public_id}"
                    return response
                recorded = result if isinstance(result, Recorded) else Recorded(
                    result.entry.public_id, result.replayed, list(result.warnings))
                request.session[NOTICE_KEY] = {"entry": recorded.entry_id,
                                               "replayed": recorded.replayed,
                                               "warnings": recorded.warnings}
                return _see_other(recorded.entry_id)
    else:
        form = form_class(initial={"date": firm_today(), **initial,
                                   "idempotency_key": forms.new_idempotency_key()},
                          **form_kwargs)
    datalist_for = page.context.get("datalist_for")
    if datalist_for in form.fields:
        form.fields[datalist_for].widget.attrs["list"] = "matter-choices"
    return render(request, "web/trust/form.html",
                  {"page": page, "form": form, "nav": "trust", **page.context}, status=status)


def _see_other(entry_id: str) -> HttpResponse:
    response = HttpResponse(status=303)
    response["Location"] = reverse("trust_entry", args=[entry_id])
    return response


# ---------------------------------------------------------------------------------------------
# pages on one matter


@require_http_methods(["GET", "POST"])
@staff_view
def deposit(request: HttpRequest, principal: Principal, number: str) -> HttpResponse:
    from lawledger.ledger.services import trust_deposit_record

    matter, balances, accounts = _trust_matter(principal, number, Action.RECORD_DEPOSIT)
    record = _record_with(trust_deposit_record, matter=matter.number)
    page = FormPage(f"Record a deposit · {matter.number}", "Record deposit", record,
                    "Money received into trust for this matter.",
                    {"matter": matter, "balances": balances})
    return _form_page(request, principal, page, forms.DepositForm,
                      initial={"account": _default_account(balances, accounts),
                               "payor": matter.client.name},
                      form_kwargs={"accounts": accounts})


@require_http_methods(["GET", "POST"])
@staff_view
def disbursement(request: HttpRequest, principal: Principal, number: str) -> HttpResponse:
    from lawledger.ledger.queries import disbursement_position

    matter = _matter_for(principal, number, Action.RECORD_DISBURSEMENT)
    position = disbursement_position(principal, matter.number)
    accounts = _accounts("trust")
    allow_override = position["policy"] == "hold" and principal.role is Role.ADMIN
    # override_uncleared is a field only where allowed; elsewhere the service's default (False).
    record = _record_with(_outflow(EntryKind.DISBURSEMENT), matter=matter.number)
    page = FormPage(f"Record a disbursement · {matter.number}", "Record disbursement", record,
                    "Money paid out of this matter's trust ledger.",
                    {"matter": matter, "position": position})
    return _form_page(request, principal, page, forms.DisbursementForm,
                      initial={"account": _default_account(position["accounts"], accounts)},
                      form_kwargs={"accounts": accounts, "allow_override": allow_override})


@require_http_methods(["GET", "POST"])
@staff_view
def refund(request: HttpRequest, principal: Principal, number: str) -> HttpResponse:
    matter, balances, accounts = _trust_matter(principal, number, Action.RECORD_DISBURSEMENT)
    record = _record_with(_outflow(EntryKind.REFUND, purpose="refund to client"),
                          matter=matter.number)
    page = FormPage(f"Refund to the client · {matter.number}", "Record refund", record,
                    "Unused trust money returned to the client.",
                    {"matter": matter, "balances": balances})
    return _form_page(request, principal, page, forms.RefundForm,
                      initial={"account": _default_account(balances, accounts),
                               "payee": matter.client.name},
                      form_kwargs={"accounts": accounts})


@require_http_methods(["GET", "POST"])
@staff_view
def transfer(request: HttpRequest, principal: Principal, number: str) -> HttpResponse:
    from lawledger.ledger.services import trust_transfer_record

    matter, balances, accounts = _trust_matter(principal, number, Action.RECORD_DISBURSEMENT)
    record = _record_with(trust_transfer_record, from_matter=matter.number)
    others = [m for m in _visible_open_matters(principal) if m.number != matter.number]
    page = FormPage(f"Transfer between matters · {matter.number}", "Record transfer", record,
                    f"Trust money moved from {matter.number} to another matter's ledger.",
                    {"matter": matter, "balances": balances, "matter_choices": others,
                     "datalist_for": "to_matter"})
    return _form_page(request, principal, page, forms.TransferForm,
                      initial={"account": _default_account(balances, accounts)},
                      form_kwargs={"accounts": accounts})


@require_http_methods(["GET", "POST"])
@staff_view
def earned_fee(request: HttpRequest, principal: Principal, number: str) -> HttpResponse:
    from lawledger.ledger.services import earned_fee_transfer_record

    matter, balances, accounts = _trust_matter(principal, number, Action.RECORD_DISBURSEMENT)
    operating = _accounts("operating")
    record = _record_with(earned_fee_transfer_record, matter=matter.number)
    page = FormPage(f"Earned-fee transfer · {matter.number}", "Record earned-fee transfer",
                    record, "Fees earned and billed, moved from trust to the operating account.",
                    {"matter": matter, "balances": balances})
    return _form_page(request, principal, page, forms.EarnedFeeForm,
                      initial={"account": _default_account(balances, accounts),
                               "operating_account": operating[0][0] if len(operating) == 1
                               else ""},
                      form_kwargs={"accounts": accounts, "operating": operating})


# ---------------------------------------------------------------------------------------------
# firm ledgers inside a trust account


def _firm_ledgers(principal: Principal) -> list[dict[str, Any]]:
    from lawledger.ledger.queries import trust_listing_report

    report = trust_listing_report(principal, include_zero=True)
    return [{"account": account["account"], "currency": account["currency"],
             "label": ledger["kind"].replace("_", " "), **ledger}
            for account in report["accounts"] for ledger in account["ledgers"]
            if ledger["matter"] is None]


@require_http_methods(["GET", "POST"])
@staff_view
def firm_entry(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.access.policy import require
    from lawledger.core.ledger import EntryKind
    from lawledger.ledger.services import trust_firm_entry_record

    require(principal, Action.RECORD_DISBURSEMENT)
    accounts = _accounts("trust")

    def record(actor: Principal, data: dict[str, Any]) -> Any:
        return trust_firm_entry_record(actor=actor, **{**data, "kind": EntryKind(data["kind"])})

    page = FormPage("Firm-ledger entry", "Record entry", record,
                    "Bank charges, interest and the firm's own money in a trust account: never "
                    "on a client's ledger.", {"firm_ledgers": _firm_ledgers(principal)})
    kind = request.GET.get("kind", "")
    return _form_page(request, principal, page, forms.FirmEntryForm,
                      initial={"account": accounts[0][0] if len(accounts) == 1 else "",
                               "kind": kind if kind in dict(forms.FIRM_ENTRY_KINDS) else ""},
                      form_kwargs={"accounts": accounts})


@require_http_methods(["GET", "POST"])
@staff_view
def assign_unidentified(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.access.policy import require
    from lawledger.ledger.services import unidentified_assign_record

    require(principal, Action.RECORD_DISBURSEMENT)
    accounts = _accounts("trust")

    record = _record_with(unidentified_assign_record)
    ledgers = [row for row in _firm_ledgers(principal) if row["kind"] == "unidentified"]
    page = FormPage("Assign unidentified funds", "Assign to the matter", record,
                    "Money received whose owner is now known, moved to that matter's ledger.",
                    {"firm_ledgers": ledgers, "matter_choices": _visible_open_matters(principal),
                     "datalist_for": "matter"})
    return _form_page(request, principal, page, forms.AssignUnidentifiedForm,
                      initial={"account": accounts[0][0] if len(accounts) == 1 else ""},
                      form_kwargs={"accounts": accounts})


# ---------------------------------------------------------------------------------------------
# one entry: its page and its reversal


def _may_reverse(principal: Principal, detail: dict[str, Any]) -> bool:
    return (role_allows(principal, Action.RECORD_DISBURSEMENT) and detail["reversed_by"] is None
            and detail["kind"] != "reversal")


@require_GET
@staff_view
def entry(request: HttpRequest, principal: Principal, entry_id: str) -> HttpResponse:
    from lawledger.ledger.queries import entry_detail

    detail = entry_detail(principal, entry_id)
    notice = request.session.get(NOTICE_KEY)
    if notice and notice.get("entry") == detail["id"]:
        del request.session[NOTICE_KEY]
    else:
        notice = None
    return render(request, "web/trust/entry.html",
                  {"entry": detail, "notice": notice, "nav": "trust",
                   "may_reverse": _may_reverse(principal, detail)})


@require_http_methods(["GET", "POST"])
@staff_view
def reverse_entry(request: HttpRequest, principal: Principal, entry_id: str) -> HttpResponse:
    from lawledger.ledger.queries import entry_detail
    from lawledger.ledger.services import trust_reversal_record

    detail = entry_detail(principal, entry_id)  # 404 when hidden or missing
    if not role_allows(principal, Action.RECORD_DISBURSEMENT):
        raise PermissionDenied(f"{principal.role} may not reverse trust entries", param="entry")
    if detail["reversed_by"] is not None and request.method == "GET":
        return _see_other(detail["reversed_by"]["id"])

    def record(actor: Principal, data: dict[str, Any]) -> Any:
        try:
            return trust_reversal_record(actor=actor, entry=detail["id"], reason=data["reason"],
                                         date=data["date"])
        except AlreadyReversed:
            # A second submit of the same form (or a colleague was quicker): show the reversal.
            again = entry_detail(actor, detail["id"])
            if again["reversed_by"] is None:
                raise
            return Recorded(again["reversed_by"]["id"], replayed=True)

    page = FormPage(f"Reverse entry {detail['id']}", "Record reversal", record,
                    "A reversal is a new entry that undoes this one; the original stays.",
                    {"entry": detail})
    return _form_page(request, principal, page, forms.ReversalForm, initial={},
                      form_kwargs={})
