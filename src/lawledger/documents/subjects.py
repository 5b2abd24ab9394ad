"""What a document can be attached to, resolved through the access policy.

`resolve` turns (kind, ref) into the subject's canonical reference and the matter and client it
belongs to, answering NotFound (AccessRefused) alike for what does not exist and what the
principal may not see. `may_see` applies the same rule to a stored document. Who may do what:
every staff role that sees the subject may read its documents; the roles that work on matters
(admin, bookkeeper, attorney, paralegal — not the read-only auditor) may upload; only an admin
may delete. Bank statements and trust entries of no matter are firm records: they need the
firm-report right.
"""

from __future__ import annotations

from dataclasses import dataclass

from lawledger.access.policy import (
    AccessRefused,
    get_client,
    get_matter,
    visible_clients,
    visible_matters,
)
from lawledger.core.access import Action, Principal, Role, decide
from lawledger.core.errors import InvalidInput, PermissionDenied
from lawledger.documents.models import Document, SubjectKind
from lawledger.firm.models import Client, Matter

UPLOAD_ROLES = frozenset({Role.ADMIN, Role.BOOKKEEPER, Role.ATTORNEY, Role.PARALEGAL})
DELETE_ROLES = frozenset({Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Subject:
    kind: SubjectKind
    ref: str
    label: str
    matter: Matter | None
    client: Client | None


def parse_kind(kind: str) -> SubjectKind:
    try:
        return SubjectKind((kind or "").strip().lower())
    except ValueError:
        raise InvalidInput(f"kind: {kind!r} is not one of {', '.join(SubjectKind.values)}",
                           param="kind") from None


def _refused(principal: Principal, kind: str, ref: str) -> AccessRefused:
    return AccessRefused(f"{kind}: no {kind.replace('_', ' ')} {ref!r}", param=kind,
                         principal=principal, object_type=kind, object_id=str(ref)[:64],
                         action="documents")


def _matter_visible(principal: Principal, matter_id: int) -> bool:
    return visible_matters(principal).filter(pk=matter_id).exists()


def resolve(principal: Principal, kind: str, ref: str) -> Subject:
    subject_kind = parse_kind(kind)
    if not principal.is_staff:
        raise _refused(principal, subject_kind, ref)
    cleaned = (ref or "").strip()[:64]
    if subject_kind is SubjectKind.MATTER:
        matter = get_matter(principal, cleaned)
        return Subject(subject_kind, matter.number, f"{matter.number} {matter.title}", matter,
                       matter.client)
    if subject_kind is SubjectKind.CLIENT:
        client = get_client(principal, cleaned)
        return Subject(subject_kind, client.number, f"{client.number} {client.name}", None, client)
    return _resolve_record(principal, subject_kind, cleaned)


def _resolve_record(principal: Principal, kind: SubjectKind, ref: str) -> Subject:
    # Other apps' rows are read here only to learn which matter a record belongs to; what the
    # principal may see is decided by the access policy.
    from django.db.models import Q

    from lawledger.banking.models import BankStatement
    from lawledger.billing.models import Expense, Invoice
    from lawledger.ledger.models import JournalEntry

    matter: Matter | None = None
    label = ref
    if kind is SubjectKind.TRUST_ENTRY:
        entry = JournalEntry.objects.select_related("matter__client").filter(public_id=ref).first()
        if entry is None:
            raise _refused(principal, kind, ref)
        matter, label = entry.matter, f"{entry.public_id} {entry.kind} {entry.effective_date}"
    elif kind is SubjectKind.EXPENSE:
        expense = Expense.objects.select_related("matter__client").filter(public_id=ref).first()
        if expense is None:
            raise _refused(principal, kind, ref)
        matter, label = expense.matter, f"expense {expense.public_id} {expense.incurred_on}"
    elif kind is SubjectKind.INVOICE:
        invoice = Invoice.objects.select_related("matter__client").filter(
            Q(public_id=ref) | Q(number=ref)).first() if ref else None
        if invoice is None:
            raise _refused(principal, kind, ref)
        matter, ref = invoice.matter, invoice.public_id
        label = f"invoice {invoice.number or invoice.public_id}"
    else:
        statement = BankStatement.objects.filter(public_id=ref).first()
        if statement is None or not decide(principal, Action.VIEW_FIRM_REPORTS, None):
            raise _refused(principal, kind, ref)
        return Subject(kind, statement.public_id, f"statement {statement.public_id}", None, None)
    if matter is None:
        if not decide(principal, Action.VIEW_FIRM_REPORTS, None):
            raise _refused(principal, kind, ref)
        return Subject(kind, ref, label, None, None)
    if not _matter_visible(principal, matter.pk):
        raise _refused(principal, kind, ref)
    return Subject(kind, ref, label, matter, matter.client)


def may_see(principal: Principal, document: Document) -> bool:
    if not principal.is_staff:
        return False
    if document.matter_id is not None:
        return _matter_visible(principal, document.matter_id)
    if document.client_id is not None:
        return visible_clients(principal).filter(pk=document.client_id).exists()
    return decide(principal, Action.VIEW_FIRM_REPORTS, None)


def require_upload(principal: Principal, subject: Subject) -> None:
    if principal.role not in UPLOAD_ROLES and not principal.is_operator:
        raise PermissionDenied(f"{principal.role} may not attach documents to "
                               f"{subject.label}", param="file")


def require_delete(principal: Principal) -> None:
    if principal.role not in DELETE_ROLES and not principal.is_operator:
        raise PermissionDenied(f"{principal.role} may not delete documents", param="document")
