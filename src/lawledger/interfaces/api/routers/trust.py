"""Trust entries (deposit, disbursement, transfer, earned fee, refund, reversal), one entry, the
client ledger of a matter and the trust listing. Every POST here moves money: each requires an
`Idempotency-Key` and names the currency it means, which must be the account's."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.params import functions as params
from pydantic import Field

from lawledger.access.policy import require
from lawledger.apitokens.scopes import Scope
from lawledger.audit.events import Event
from lawledger.audit.services import record
from lawledger.core.access import Action
from lawledger.core.errors import CurrencyMismatch, NotFound, PermissionDenied
from lawledger.core.ledger import EntryKind
from lawledger.core.money import format_minor, parse_minor
from lawledger.firm.queries import clients_for
from lawledger.interfaces.api.auth import Caller, caller_of
from lawledger.interfaces.api.endpoint import IDEMPOTENCY_KEY_REQUIRED, Keys, ledger_key
from lawledger.interfaces.api.routers.accounts import line_out
from lawledger.interfaces.api.routers.people import client_ref
from lawledger.interfaces.api.routes import operation
from lawledger.interfaces.api.schemas import PATH_REF, AccountName, AccountRef, IsoDate, MatterRef
from lawledger.interfaces.api.trust_schemas import (
    ApprovalOut,
    ClientLedgerOut,
    DepositIn,
    DisbursementIn,
    EarnedFeeIn,
    EntryOut,
    LedgerBalanceOut,
    ListingAccountOut,
    ListingLedgerOut,
    ListingOut,
    Money,
    RefundIn,
    ReversalIn,
    TransferIn,
)
from lawledger.ledger import queries as ledger_queries
from lawledger.ledger import services as ledger_services
from lawledger.ledger.accounts import get_bank_account
from lawledger.ledger.approvals import ApprovalRequest, outflow_request

if TYPE_CHECKING:
    from lawledger.firm.models import Matter
    from lawledger.ledger.models import JournalEntry
    from lawledger.ledger.posting import PostResult

router = Router(tags=["trust ledger"])

_MONEY_PARAMS = {"from": "payor", "to": "payee", "idempotency_key": "Idempotency-Key"}


class LedgerQuery(Schema):
    account: AccountName | None = Field(None, description="The trust account (when several).")
    date_from: Annotated[IsoDate | None, Field(alias="from")] = None
    date_to: Annotated[IsoDate | None, Field(alias="to")] = None


class ListingQuery(Schema):
    account: AccountName | None = None
    include_zero: bool = False


LEDGER_QUERY: Any = params.Query(...)
LISTING_QUERY: Any = params.Query(...)


def _matter_ref(matter: Matter | None) -> MatterRef | None:
    if matter is None:
        return None
    return MatterRef(id=matter.public_id, number=matter.number, title=matter.title)


def entry_out(caller: Caller, entry: JournalEntry, warnings: list[str] | None = None) -> EntryOut:
    """An entry as the API shows it, with the client ledgers' balances right after it. The other
    side of a transfer is shown only if the caller may see that matter too (A3, A4)."""
    balances = []
    for posting in entry.postings.select_related("ledger_account__matter").order_by("id"):
        ledger = posting.ledger_account
        if ledger.kind == "client" and ledger.matter is not None and (
                ledger.matter_id == entry.matter_id or caller.sees(ledger.matter)):
            balances.append(LedgerBalanceOut(
                matter=ledger.matter.number,
                balance=format_minor(posting.balance_after_minor, posting.currency)))
    bank = entry.bank_account
    counter = entry.counter_matter
    return EntryOut(
        id=entry.public_id, kind=entry.kind, date=entry.effective_date,
        amount=format_minor(entry.amount_minor, entry.currency), currency=entry.currency,
        account=AccountRef(id=bank.public_id, name=bank.name), matter=_matter_ref(entry.matter),
        counter_matter=_matter_ref(counter if counter is not None and caller.sees(counter)
                                   else None),
        payor=entry.payor, payee=entry.payee,
        purpose=entry.purpose, memo=entry.memo, method=entry.method,
        check_number=entry.check_number, reference=entry.reference,
        invoice=entry.invoice_ref or None,
        reverses=entry.reverses.public_id if entry.reverses is not None else None,
        recorded_at=entry.recorded_at, recorded_by=entry.recorded_by,
        client_ledger_balances=balances, warnings=list(warnings or []))


def _held_or_posted(kind: EntryKind) -> Callable[..., PostResult | ApprovalRequest]:
    def command(*, actor: Any, **arguments: Any) -> PostResult | ApprovalRequest:
        return outflow_request(actor, kind, **arguments)

    return command


def approval_out(row: ApprovalRequest) -> ApprovalOut:
    return ApprovalOut(status="pending_approval", request=row.public_id, kind=row.kind,
                       date=row.effective_date, amount=row.amount, currency=row.currency,
                       account=row.bank_account.name, matter=row.matter.number, payee=row.payee,
                       requested_by=row.requested_by, requested_at=row.requested_at)


def _post(request: HttpRequest, payload: Money, matters: list[tuple[str, str]],
          command: Callable[..., PostResult], **arguments: Any) -> EntryOut:
    result = _post_or_hold(request, payload, matters, command, **arguments)
    assert isinstance(result, EntryOut), "only disbursements and refunds are held"
    return result


def _post_or_hold(request: HttpRequest, payload: Money, matters: list[tuple[str, str]],
                  command: Callable[..., PostResult | ApprovalRequest],
                  **arguments: Any) -> EntryOut | ApprovalOut:
    """Check the caller may see the matters and the currency is the account's, then post."""
    caller = caller_of(request)
    for ref, param in matters:
        caller.matter(ref, Action.RECORD_DISBURSEMENT, param=param)
    bank = get_bank_account(arguments["account"], kind="trust")
    if payload.currency != bank.currency:
        raise CurrencyMismatch(f"currency: {bank.name} keeps {bank.currency}, not "
                               f"{payload.currency}", param="currency")
    result = command(actor=caller.principal, amount=payload.amount,
                     idempotency_key=ledger_key(request), **arguments)
    if isinstance(result, ApprovalRequest):
        return approval_out(result)
    return entry_out(caller, result.entry, result.warnings)


def _money_post(path: str, operation_id: str, summary: str,
                may_hold: bool = False) -> Callable[[Any], Any]:
    return operation(router, "post", path, scope=Scope.LEDGER_WRITE, response=EntryOut,
                     status=201, operation_id=operation_id, summary=summary, keys=Keys.REQUIRED,
                     params=_MONEY_PARAMS, also={202: ApprovalOut} if may_hold else None)


@_money_post("/trust/deposits", "recordDeposit", "Record a deposit into trust")
def record_deposit(request: HttpRequest, payload: DepositIn,
                   idempotency_key: str = IDEMPOTENCY_KEY_REQUIRED) -> EntryOut:
    """Money received into trust for a matter."""
    return _post(request, payload, [(payload.matter, "matter")],
                 ledger_services.trust_deposit_record, matter=payload.matter,
                 account=payload.account, date=payload.date, payor=payload.payor,
                 method=payload.method, reference=payload.reference, memo=payload.memo)


@_money_post("/trust/disbursements", "recordDisbursement", "Pay money out of trust",
             may_hold=True)
def record_disbursement(request: HttpRequest, payload: DisbursementIn,
                        idempotency_key: str = IDEMPOTENCY_KEY_REQUIRED) -> EntryOut | ApprovalOut:
    """Refused (409 client_ledger_overdraft) if the client ledger would go below zero at any
    point of its timeline. At the firm's approval threshold nothing is posted: 202 with the
    request, which another user approves on the web (SECURITY.md D7)."""
    return _post_or_hold(request, payload, [(payload.matter, "matter")],
                         _held_or_posted(EntryKind.DISBURSEMENT), matter=payload.matter,
                         account=payload.account, date=payload.date, payee=payload.payee,
                         method=payload.method, check_number=payload.check_number,
                         reference=payload.reference, purpose=payload.purpose,
                         memo=payload.memo, override_uncleared=payload.override_uncleared)


@_money_post("/trust/transfers", "recordTransfer", "Transfer between two matters")
def record_transfer(request: HttpRequest, payload: TransferIn,
                    idempotency_key: str = IDEMPOTENCY_KEY_REQUIRED) -> EntryOut:
    """Move trust money from one matter's client ledger to another's, in one account."""
    return _post(request, payload, [(payload.from_matter, "from_matter"),
                                    (payload.to_matter, "to_matter")],
                 ledger_services.trust_transfer_record, from_matter=payload.from_matter,
                 to_matter=payload.to_matter, account=payload.account, date=payload.date,
                 memo=payload.memo)


@_money_post("/trust/earned-fees", "recordEarnedFee", "Transfer earned fees to operating")
def record_earned_fee(request: HttpRequest, payload: EarnedFeeIn,
                      idempotency_key: str = IDEMPOTENCY_KEY_REQUIRED) -> EntryOut:
    """Earned fees from a client ledger to the firm's operating account."""
    return _post(request, payload, [(payload.matter, "matter")],
                 ledger_services.earned_fee_transfer_record, matter=payload.matter,
                 account=payload.account, operating_account=payload.operating_account,
                 date=payload.date, invoice_ref=payload.invoice, memo=payload.memo)


@_money_post("/trust/refunds", "recordRefund", "Refund trust money to the client",
             may_hold=True)
def record_refund(request: HttpRequest, payload: RefundIn,
                  idempotency_key: str = IDEMPOTENCY_KEY_REQUIRED) -> EntryOut | ApprovalOut:
    """Return money held in trust to the client (held like a disbursement at the threshold)."""
    return _post_or_hold(request, payload, [(payload.matter, "matter")],
                         _held_or_posted(EntryKind.REFUND), matter=payload.matter,
                         account=payload.account, date=payload.date, payee=payload.payee,
                         method=payload.method, check_number=payload.check_number,
                         reference=payload.reference, purpose="refund to client",
                         memo=payload.memo)


def _visible_entry(caller: Caller, entry_id: str, action: Action) -> JournalEntry:
    """The entry if its matter is visible (and covered by the token); else not found (A1)."""
    entry = ledger_services.get_entry(entry_id, param="entry_id")
    if entry.matter is not None:
        caller.matter(entry.matter.number, action, param="entry_id")
        return entry
    try:
        caller.require_firm_wide()
        require(caller.principal, Action.VIEW_FIRM_REPORTS)
    except PermissionDenied:
        raise NotFound("entry_id: no entry", param="entry_id") from None
    return entry


@operation(router, "post", "/trust/entries/{entry_id}/reversal", scope=Scope.LEDGER_WRITE,
           response=EntryOut, status=201, operation_id="reverseEntry", summary="Reverse an entry",
           keys=Keys.REQUIRED, params={"entry": "entry_id", **_MONEY_PARAMS})
def reverse_entry(request: HttpRequest, payload: ReversalIn, entry_id: str = PATH_REF,
                  idempotency_key: str = IDEMPOTENCY_KEY_REQUIRED) -> EntryOut:
    """Post the reversing entry of an entry (corrections never edit the original)."""
    caller = caller_of(request)
    _visible_entry(caller, entry_id, Action.RECORD_DISBURSEMENT)
    result = ledger_services.trust_reversal_record(actor=caller.principal, entry=entry_id,
                                                   reason=payload.reason, date=payload.date)
    return entry_out(caller, result.entry, result.warnings)


@operation(router, "get", "/trust/entries/{entry_id}", scope=Scope.LEDGER_READ,
           response=EntryOut, operation_id="getEntry", summary="One trust entry",
           params={"entry": "entry_id"})
def get_entry(request: HttpRequest, entry_id: str = PATH_REF) -> EntryOut:
    """One entry with its payor, payee, purpose and memo (a confidential read, audited)."""
    caller = caller_of(request)
    entry = _visible_entry(caller, entry_id, Action.VIEW)
    matter = entry.matter
    record(caller.principal, Event.TRUST_ENTRY_VIEWED, object_type="entry",
           object_id=entry.public_id, matter_ref=matter.number if matter else "",
           client_ref=matter.client.number if matter else "")
    return entry_out(caller, entry)


@operation(router, "get", "/matters/{matter_id}/ledger", scope=Scope.LEDGER_READ,
           response=ClientLedgerOut, operation_id="getClientLedger",
           summary="The client ledger of a matter", query=LedgerQuery,
           params={"matter": "matter_id"})
def get_client_ledger(request: HttpRequest, filters: LedgerQuery = LEDGER_QUERY,
                      matter_id: str = PATH_REF) -> ClientLedgerOut:
    """Every entry on one matter's client ledger with running balance (audited)."""
    caller = caller_of(request)
    matter = caller.matter(matter_id, param="matter_id")
    report = ledger_queries.client_ledger_report(caller.principal, matter_id, filters.account,
                                                 date_from=filters.date_from,
                                                 date_to=filters.date_to)
    account = None
    if report["account"]:
        bank = get_bank_account(report["account"])
        account = AccountRef(id=bank.public_id, name=bank.name)
    return ClientLedgerOut(
        matter=MatterRef(id=matter.public_id, number=matter.number, title=matter.title),
        client=client_ref(matter.client), account=account, currency=report["currency"],
        opening_balance=report["opening_balance"], balance=report["balance"],
        entries=[line_out(row) for row in report["entries"]])


def _listing_account(item: dict[str, Any],
                     client_numbers: set[str] | None) -> ListingAccountOut | None:
    ledgers = item["ledgers"]
    if client_numbers is not None:
        ledgers = [row for row in ledgers if row["client_number"] in client_numbers]
        if not ledgers:
            return None
    currency = item["currency"]
    total = sum(parse_minor(row["balance"], currency, allow_zero=True, allow_negative=True)
                for row in ledgers)
    bank = get_bank_account(item["account"])
    return ListingAccountOut(account=AccountRef(id=bank.public_id, name=bank.name),
                             currency=currency, total=format_minor(total, currency),
                             ledgers=[ListingLedgerOut(**row) for row in ledgers])


@operation(router, "get", "/trust/listing", scope=Scope.LEDGER_READ, response=ListingOut,
           operation_id="getTrustListing", summary="Client trust listing", query=ListingQuery)
def get_trust_listing(request: HttpRequest, filters: ListingQuery = LISTING_QUERY) -> ListingOut:
    """Every client ledger holding money (and, for the firm's roles, the firm ledgers)."""
    caller = caller_of(request)
    report = ledger_queries.trust_listing_report(caller.principal, filters.account,
                                                 include_zero=filters.include_zero)
    numbers = None
    if caller.client_pks is not None:
        numbers = set(clients_for(caller.principal).filter(pk__in=caller.client_pks)
                      .values_list("number", flat=True))
    accounts = [_listing_account(item, numbers) for item in report["accounts"]]
    return ListingOut(as_of=report["as_of"], accounts=[a for a in accounts if a is not None])
