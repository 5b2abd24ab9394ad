"""Second approval of large disbursements and refunds (SECURITY.md D7, issue 6).

When the firm sets `approval_threshold_minor`, a disbursement or refund reaching it is not posted:
`outflow_request` stores an `ApprovalRequest` and answers with it. Another user allowed to record
the disbursement on that matter (admin or bookkeeper, walls applied) approves it — which posts it
through `services.post_outflow`, re-checking every rule at that moment — or rejects it with a
reason; the requester may withdraw it. Each step is one transaction with its audit record.

Decisions (docs/security.md, D7):
- A rule that no longer holds at approval (the balance was spent meanwhile, the period was signed
  off, …) refuses the approval with the rule's usual code; the request stays pending, so it can
  be approved once the money is there, or be rejected or withdrawn. The refusal is audited.
- Earned-fee transfers and matter-to-matter transfers are not held: the money stays within the
  firm's books (an invoice or another client ledger is on the other side) and the billing run
  posts fees itself; the four-eyes rule is about money leaving to a third party or the client.
- Step-up (a freshly proved second factor) belongs to the interface: the web page wraps approve
  and reject in `require_recent_mfa`; the CLI asks the approver's one-time code (`--code`).
- Approver ≠ requester is checked here and by CHECK constraints; "pending → decided once" and the
  one entry per request are held by the triggers of `approval_sql` and a unique entry column.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from lawledger.access.policy import get_matter, require, visible_matters
from lawledger.audit.services import record
from lawledger.core import clock
from lawledger.core.access import Action, Principal
from lawledger.core.errors import (
    Conflict,
    IdempotencyKeyReused,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RuleViolation,
)
from lawledger.core.ledger import EntryKind
from lawledger.core.money import format_minor
from lawledger.firm.queries import firm_settings
from lawledger.ledger.models import ApprovalRequest
from lawledger.ledger.posting import (
    PostResult,
    find_idempotent,
    fingerprint,
    validate_idempotency_key,
)
from lawledger.ledger.services import (
    Outflow,
    _text,
    clean_outflow,
    keyed_outflow,
    needs_approval,
    post_outflow,
    resolve_outflow,
)

__all__ = ["ApprovalDecided", "ApprovalEvent", "ApprovalRequest", "SameApprover",
           "approval_approve", "approval_reject", "approval_withdraw", "approvals_pending",
           "outflow_request"]

Status = ApprovalRequest.Status


class ApprovalEvent(StrEnum):
    REQUESTED = "trust.approval_requested"
    APPROVED = "trust.approval_approved"
    REJECTED = "trust.approval_rejected"
    WITHDRAWN = "trust.approval_withdrawn"
    REFUSED = "trust.approval_refused"
    LISTED = "trust.approvals_listed"


class ApprovalDecided(Conflict):
    code = "approval_decided"


class SameApprover(PermissionDenied):
    code = "approver_is_requester"


def outflow_request(actor: Principal, kind: EntryKind, *, matter: str, amount: str | int,
                    account: str | None, date: str | dt.date, payee: str | None,
                    method: str | None = None, check_number: str | None = None,
                    reference: str | None = None, purpose: str | None = None,
                    memo: str | None = None, idempotency_key: str | None = None,
                    override_uncleared: bool = False) -> PostResult | ApprovalRequest:
    """Post a disbursement or refund, or hold it for a second approver when it reaches the
    threshold. A retry with the same idempotency key answers with the same request."""
    flow = clean_outflow(kind, matter=matter, amount=amount, account=account, date=date,
                         payee=payee, method=method, check_number=check_number,
                         reference=reference, purpose=purpose, memo=memo,
                         override_uncleared=override_uncleared)
    key = validate_idempotency_key(idempotency_key)
    if firm_settings().approval_threshold_minor <= 0:
        return keyed_outflow(actor, flow, key)  # off (the default): exactly the old path
    request_fingerprint = fingerprint(flow.request()) if key else None
    with transaction.atomic():
        _, bank, minor = resolve_outflow(actor, flow)
        held = needs_approval(bank, minor)
        if key:  # a retry answers as the first time, held or posted
            earlier = _earlier(actor, key, request_fingerprint or "")
            if earlier is not None:
                return earlier
    if not held:
        return keyed_outflow(actor, flow, key)
    try:
        with transaction.atomic():
            return _hold(actor, flow, key, request_fingerprint or "")
    except IntegrityError:
        if key is None:
            raise
        with transaction.atomic():  # a concurrent retry with the same key stored it first
            earlier = _earlier(actor, key, request_fingerprint or "")
        if earlier is None:
            raise
        return earlier


def _earlier(actor: Principal, key: str,
             request_fingerprint: str) -> PostResult | ApprovalRequest | None:
    """What an earlier request with this key gave: a held request or a posted entry."""
    held = ApprovalRequest.objects.filter(requested_by=actor.label, idempotency_key=key).first()
    if held is not None:
        if held.fingerprint != request_fingerprint:
            raise IdempotencyKeyReused(f"idempotency key {key!r} was already used for a "
                                       "different request", param="idempotency_key")
        return held
    posted = find_idempotent(actor, key, request_fingerprint)
    return PostResult(posted, replayed=True) if posted is not None else None


def _hold(actor: Principal, flow: Outflow, key: str | None,
          request_fingerprint: str) -> ApprovalRequest:
    matter_row, bank, minor = resolve_outflow(actor, flow)
    row = ApprovalRequest(
        kind=flow.kind.value, matter=matter_row, bank_account=bank, effective_date=flow.day,
        amount_minor=minor, currency=bank.currency, method=flow.method,
        check_number=flow.check_number, reference=flow.reference, payee=flow.payee,
        purpose=flow.purpose, memo=flow.memo, override_uncleared=flow.override_uncleared,
        requested_by=actor.label, requested_by_user_id=actor.user_id, requested_at=clock.now(),
        idempotency_key=key, fingerprint=request_fingerprint)
    row.save(force_insert=True)
    _audit(actor, ApprovalEvent.REQUESTED, row)
    return row


def _audit(actor: Principal, event: ApprovalEvent, row: ApprovalRequest, **details: str) -> None:
    record(actor, event, object_type="approval", object_id=row.public_id,
           matter_ref=row.matter.number, client_ref=row.matter.client.number,
           outcome="refused" if event is ApprovalEvent.REFUSED else "ok",
           details={"kind": row.kind, "amount": format_minor(row.amount_minor, row.currency),
                    "currency": row.currency, "requested_by": row.requested_by, **details})


def _locked(actor: Principal, ref: str) -> ApprovalRequest:
    """The request `ref` for update, if `actor` may record disbursements on its matter."""
    row = (ApprovalRequest.objects.select_for_update().select_related("matter__client", "bank_account")
           .filter(public_id=(ref or "").strip()).first())
    if row is None:
        raise NotFound(f"request: no approval request {ref!r}", param="request")
    get_matter(actor, row.matter.number, Action.RECORD_DISBURSEMENT)  # audits a denial
    if row.status != Status.PENDING:
        raise ApprovalDecided(f"{row.public_id} was already {row.status}", param="request")
    return row


def _second_person(actor: Principal, row: ApprovalRequest) -> None:
    same_user = actor.user_id is not None and actor.user_id == row.requested_by_user_id
    if same_user or actor.label == row.requested_by:
        raise SameApprover(f"{row.public_id} was asked for by you: another user approves or "
                           "rejects it", param="request")


def _decide(actor: Principal, row: ApprovalRequest, status: str, reason: str | None = None,
            **fields: object) -> None:
    if reason is not None:  # sealed by the field on save (an UPDATE … SET cannot encrypt)
        row.reason = reason
        row.save(update_fields=["reason"])
    # Conditional on still pending: with the row lock this moves a request once (the triggers
    # refuse any later change even from raw SQL).
    changed = ApprovalRequest.objects.filter(pk=row.pk, status=Status.PENDING).update(
        status=status, decided_by=actor.label, decided_by_user_id=actor.user_id,
        decided_at=clock.now(), **fields)
    if changed != 1:
        raise ApprovalDecided(f"{row.public_id} was decided meanwhile", param="request")
    row.refresh_from_db()


def approval_approve(*, actor: Principal, request: str) -> ApprovalRequest:
    """Approve and post a held payment: every rule is checked again now (docstring above)."""
    try:
        with transaction.atomic():
            row = _locked(actor, request)
            _second_person(actor, row)
            flow = Outflow(EntryKind(row.kind), row.matter.number, row.amount_minor,
                           row.bank_account.name, row.effective_date, row.payee or "",
                           row.method, row.check_number, row.reference, row.purpose, row.memo,
                           row.override_uncleared)
            result = post_outflow(actor, flow, audit_details={
                "approval": row.public_id, "requested_by": row.requested_by})
            _decide(actor, row, Status.APPROVED, entry=result.entry)
            _audit(actor, ApprovalEvent.APPROVED, row, entry=result.entry.public_id)
            return row
    except (RuleViolation, InvalidInput) as refusal:
        _audit_refusal(actor, request, refusal)
        raise


def approval_reject(*, actor: Principal, request: str, reason: str) -> ApprovalRequest:
    clean_reason = _text(reason, param="reason", max_length=500, required=True)
    try:
        with transaction.atomic():
            row = _locked(actor, request)
            _second_person(actor, row)
            _decide(actor, row, Status.REJECTED, reason=clean_reason)
            _audit(actor, ApprovalEvent.REJECTED, row)
            return row
    except SameApprover as refusal:
        _audit_refusal(actor, request, refusal)
        raise


def _audit_refusal(actor: Principal, ref: str, refusal: RuleViolation | InvalidInput) -> None:
    """The refused attempt is recorded after its transaction rolled back (the request, still
    pending or decided by someone else, is named with the refusal's code)."""
    if isinstance(refusal, ApprovalDecided):
        return  # nothing was tried: someone else decided first
    with transaction.atomic():
        row = ApprovalRequest.objects.select_related("matter__client").filter(
            public_id=(ref or "").strip()).first()
        if row is not None:
            _audit(actor, ApprovalEvent.REFUSED, row, code=refusal.code)


def approval_withdraw(*, actor: Principal, request: str) -> ApprovalRequest:
    with transaction.atomic():
        row = _locked(actor, request)
        if row.requested_by != actor.label:
            raise PermissionDenied(f"{row.public_id}: only whoever asked for it withdraws it",
                                   param="request")
        _decide(actor, row, Status.WITHDRAWN)
        _audit(actor, ApprovalEvent.WITHDRAWN, row)
    return row


def approvals_pending(actor: Principal) -> list[ApprovalRequest]:
    """Pending requests on matters `actor` may disburse from; the read (payees) is audited."""
    require(actor, Action.RECORD_DISBURSEMENT)
    with transaction.atomic():
        rows: QuerySet[ApprovalRequest] = ApprovalRequest.objects.select_related(
            "matter__client", "bank_account").filter(
            status=Status.PENDING, matter__in=visible_matters(actor))
        found = list(rows)
        record(actor, ApprovalEvent.LISTED, object_type="approval", object_id="pending",
               details={"count": len(found)})
    return found
