"""Bank statements, matching and three-way reconciliation over the API (firm-wide: not for tokens
limited to some clients).

Each operation calls banking's services and queries, which check the role, write their own audit
records and keep an import all-or-nothing and deduplicated; the endpoint wrapper adds the
`api.request` record in the same transaction.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.params import functions as params
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from lawledger.apitokens.scopes import Scope
from lawledger.banking import queries as banking_queries
from lawledger.banking import services as banking_services
from lawledger.interfaces.api.auth import caller_of
from lawledger.interfaces.api.endpoint import IDEMPOTENCY_KEY_OPTIONAL, Keys
from lawledger.interfaces.api.routes import operation
from lawledger.interfaces.api.schemas import PATH_REF, In, IsoDate, Line, Memo, SignedAmount
from lawledger.ledger import accounts as ledger_accounts

router = Router(tags=["bank statements and reconciliation"])

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
_ACCOUNT = {"account": "account_id", "idempotency_key": "Idempotency-Key"}


class Document(BaseModel):
    """A report shaped as the CLI's JSON, field for field (docs/cli.md). A plain pydantic model:
    ninja's Schema would drop the fields not declared here."""

    model_config = ConfigDict(extra="allow")


class StatementIn(In):
    content: Annotated[str, Field(min_length=1, max_length=1_000_000)] = Field(
        description="The statement file's text (OFX, CSV, CAMT.053, BAI2 or MT940).")
    format: Literal["auto", "ofx", "csv", "camt053", "bai2", "mt940"] = "auto"
    profile: Line | None = Field(None, description="A saved CSV profile.")
    file_name: Line | None = None


class ImportOut(Document):
    account: str
    currency: str
    new: int
    duplicate: int
    already_imported: bool
    proposed_matches: int
    warnings: list[str]


class LinesQuery(Schema):
    unmatched: bool = False
    date_from: Annotated[IsoDate | None, Field(alias="from")] = None
    date_to: Annotated[IsoDate | None, Field(alias="to")] = None


class MatchesQuery(Schema):
    status: Literal["proposed", "confirmed", "undone", "all"] = "proposed"


class HandMatchIn(In):
    bank_lines: list[Id] = Field(min_length=1, max_length=50)
    entries: list[Id] = Field(min_length=1, max_length=50)
    note: Memo | None = None


class UndoIn(In):
    reason: Line


class MatchOut(Schema):
    id: str
    method: str
    status: str
    confidence: int


class ReconcileQuery(Schema):
    date: IsoDate
    statement_balance: SignedAmount


class ReconcileIn(In):
    date: IsoDate
    statement_balance: SignedAmount
    sign_off: StrictBool = Field(False, description="Admin: sign off and lock the period.")
    explanation: Memo | None = Field(None, description="Why a draft does not balance.")


class ReconciliationOut(Document):
    statement_balance: str
    adjusted_bank_balance: str
    journal_balance: str
    client_ledgers_total: str
    balanced: bool


LINES_QUERY: Any = params.Query(...)
MATCHES_QUERY: Any = params.Query(...)
RECONCILE_QUERY: Any = params.Query(...)


def _account(request: HttpRequest, account_id: str) -> str:
    """The bank account's name, for a caller whose token is not limited to some clients."""
    caller_of(request).require_firm_wide()
    return ledger_accounts.get_bank_account(account_id, param="account_id").name


@operation(router, "post", "/bank-accounts/{account_id}/statements", scope=Scope.BANKING_WRITE,
           response=ImportOut, status=201, operation_id="importStatement",
           summary="Import a bank statement", keys=Keys.OPTIONAL, params=_ACCOUNT)
def import_statement(request: HttpRequest, payload: StatementIn, account_id: str = PATH_REF,
                     idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> ImportOut:
    """All or nothing; lines seen before are skipped; matches are proposed."""
    name = _account(request, account_id)
    result = banking_services.statement_import(
        actor=caller_of(request).principal, account=name, data=payload.content.encode("utf-8"),
        file_format=payload.format, profile=payload.profile, file_name=payload.file_name or "")
    return ImportOut(**result.as_dict())


@operation(router, "get", "/bank-accounts/{account_id}/lines", scope=Scope.BANKING_READ,
           response=Document, operation_id="listBankLines", summary="Imported bank lines",
           query=LinesQuery, params={"account": "account_id"})
def list_lines(request: HttpRequest, filters: LinesQuery = LINES_QUERY,
               account_id: str = PATH_REF) -> Document:
    name = _account(request, account_id)
    return Document(**banking_queries.bank_lines_report(
        actor=caller_of(request).principal, account=name, unmatched_only=filters.unmatched,
        date_from=filters.date_from, date_to=filters.date_to))


@operation(router, "post", "/bank-accounts/{account_id}/auto-match", scope=Scope.BANKING_WRITE,
           response=Document, operation_id="autoMatch", summary="Propose matches",
           keys=Keys.OPTIONAL, params=_ACCOUNT)
def auto_match(request: HttpRequest, account_id: str = PATH_REF,
               idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> Document:
    """Propose matches between unmatched bank lines and journal entries."""
    name = _account(request, account_id)
    return Document(**banking_services.auto_match(actor=caller_of(request).principal,
                                                  account=name).as_dict())


@operation(router, "post", "/bank-accounts/{account_id}/matches", scope=Scope.BANKING_WRITE,
           response=MatchOut, status=201, operation_id="matchByHand",
           summary="Match lines to entries by hand", keys=Keys.OPTIONAL, params=_ACCOUNT)
def match_by_hand(request: HttpRequest, payload: HandMatchIn, account_id: str = PATH_REF,
                  idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> MatchOut:
    """Both sides must move the same money; the match is confirmed at once."""
    name = _account(request, account_id)
    made = banking_services.match_by_hand(actor=caller_of(request).principal, account=name,
                                          bank_lines=payload.bank_lines, entries=payload.entries,
                                          note=payload.note)
    return MatchOut(id=made.public_id, method=made.method, status=made.status,
                    confidence=made.confidence)


@operation(router, "get", "/bank-accounts/{account_id}/matches", scope=Scope.BANKING_READ,
           response=Document, operation_id="listMatches", summary="Matches of a bank account",
           query=MatchesQuery, params={"account": "account_id"})
def list_matches(request: HttpRequest, filters: MatchesQuery = MATCHES_QUERY,
                 account_id: str = PATH_REF) -> Document:
    name = _account(request, account_id)
    status = None if filters.status == "all" else filters.status
    return Document(**banking_queries.matches_report(actor=caller_of(request).principal,
                                                     account=name, status=status))


@operation(router, "post", "/matches/{match_id}/confirm", scope=Scope.BANKING_WRITE,
           response=MatchOut, operation_id="confirmMatch", summary="Confirm a proposed match",
           keys=Keys.OPTIONAL, params={"match": "match_id"})
def confirm_match(request: HttpRequest, match_id: str = PATH_REF,
                  idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> MatchOut:
    caller_of(request).require_firm_wide()
    row = banking_services.match_confirm(actor=caller_of(request).principal, match=match_id)
    return MatchOut(id=row.public_id, method=row.method, status=row.status,
                    confidence=row.confidence)


@operation(router, "post", "/matches/{match_id}/undo", scope=Scope.BANKING_WRITE,
           response=MatchOut, operation_id="undoMatch", summary="Undo a match",
           keys=Keys.OPTIONAL, params={"match": "match_id"})
def undo_match(request: HttpRequest, payload: UndoIn, match_id: str = PATH_REF,
               idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> MatchOut:
    caller_of(request).require_firm_wide()
    row = banking_services.match_undo(actor=caller_of(request).principal, match=match_id,
                                      reason=payload.reason)
    return MatchOut(id=row.public_id, method=row.method, status=row.status,
                    confidence=row.confidence)


@operation(router, "get", "/bank-accounts/{account_id}/reconciliation", scope=Scope.BANKING_READ,
           response=ReconciliationOut, operation_id="previewReconciliation",
           summary="Three-way reconciliation on a date (not saved)", query=ReconcileQuery,
           params={"account": "account_id"})
def preview_reconciliation(request: HttpRequest, filters: ReconcileQuery = RECONCILE_QUERY,
                           account_id: str = PATH_REF) -> ReconciliationOut:
    """Bank, trust journal and client ledgers side by side, with every reconciling item."""
    name = _account(request, account_id)
    return ReconciliationOut(**banking_services.reconciliation_report(
        actor=caller_of(request).principal, account=name, date=filters.date,
        statement_balance=filters.statement_balance))


@operation(router, "post", "/bank-accounts/{account_id}/reconciliations",
           scope=Scope.BANKING_WRITE, response=ReconciliationOut, status=201,
           operation_id="saveReconciliation", summary="Save or sign off a reconciliation",
           keys=Keys.OPTIONAL, params=_ACCOUNT)
def save_reconciliation(request: HttpRequest, payload: ReconcileIn, account_id: str = PATH_REF,
                        idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL
                        ) -> ReconciliationOut:
    """A draft (bookkeeper, admin) or a sign-off (admin, balanced only: locks the period)."""
    name = _account(request, account_id)
    _, document = banking_services.reconciliation_save(
        actor=caller_of(request).principal, account=name, date=payload.date,
        statement_balance=payload.statement_balance, sign_off=payload.sign_off,
        explanation=payload.explanation)
    return ReconciliationOut(**document)
