"""Bank accounts and their journals (firm-wide reports: not for tokens limited to some clients)."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.params import functions as params
from pydantic import Field

from lawledger.access.policy import require
from lawledger.apitokens.scopes import Scope
from lawledger.core.access import Action
from lawledger.core.money import format_minor
from lawledger.interfaces.api.auth import caller_of
from lawledger.interfaces.api.endpoint import IDEMPOTENCY_KEY_OPTIONAL, Keys
from lawledger.interfaces.api.routes import operation
from lawledger.interfaces.api.schemas import (
    PATH_REF,
    AccountRef,
    BankAccountIn,
    BankAccountList,
    BankAccountOut,
    IsoDate,
)
from lawledger.interfaces.api.trust_schemas import JournalOut, LineOut
from lawledger.ledger import accounts as ledger_accounts
from lawledger.ledger import queries as ledger_queries

router = Router(tags=["bank accounts"])


class DateRange(Schema):
    date_from: Annotated[IsoDate | None, Field(alias="from")] = None
    date_to: Annotated[IsoDate | None, Field(alias="to")] = None


DATE_RANGE: Any = params.Query(...)


@operation(router, "get", "/bank-accounts", scope=Scope.LEDGER_READ, response=BankAccountList,
           operation_id="listBankAccounts", summary="List bank accounts with balances")
def list_bank_accounts(request: HttpRequest) -> BankAccountList:
    """Every bank account with its book balance and, for trust, the sum of its client ledgers."""
    caller = caller_of(request)
    caller.require_firm_wide()
    ids = {account.name: account.public_id for account in ledger_queries.bank_accounts()}
    rows = [BankAccountOut(id=ids[row["account"]], name=row["account"], kind=row["kind"],
                           currency=row["currency"], balance=row["balance"],
                           client_ledgers_total=row["client_ledgers_total"],
                           last_entry=row["last_entry"])
            for row in ledger_queries.account_balances(caller.principal)]
    return BankAccountList(data=rows)


@operation(router, "post", "/bank-accounts", scope=Scope.BANKING_WRITE, response=BankAccountOut,
           status=201, operation_id="addBankAccount", summary="Add a bank account",
           keys=Keys.OPTIONAL)
def add_bank_account(request: HttpRequest, payload: BankAccountIn,
                     idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> BankAccountOut:
    """Add a trust or operating account (admins); `matter` makes a separate trust account."""
    caller = caller_of(request)
    caller.require_firm_wide()
    account = ledger_accounts.account_add(
        actor=caller.principal, name=payload.name, kind=payload.kind, currency=payload.currency,
        bank_name=payload.bank_name, account_number=payload.account_number,
        matter=payload.matter)
    zero = format_minor(0, account.currency)
    return BankAccountOut(id=account.public_id, name=account.name, kind=payload.kind,
                          currency=account.currency, balance=zero,
                          client_ledgers_total=zero if account.kind == "trust" else None,
                          last_entry=None)


def line_out(row: dict[str, Any]) -> LineOut:
    return LineOut(**{key: value for key, value in row.items() if not key.startswith("_")})


@operation(router, "get", "/bank-accounts/{account_id}/journal", scope=Scope.LEDGER_READ,
           response=JournalOut, operation_id="getJournal", summary="The journal of a bank account",
           query=DateRange, params={"account": "account_id"})
def get_journal(request: HttpRequest, dates: DateRange = DATE_RANGE,
                account_id: str = PATH_REF) -> JournalOut:
    """Every entry of one bank account in date order, with running balance (firm reports)."""
    caller = caller_of(request)
    caller.require_firm_wide()
    require(caller.principal, Action.VIEW_FIRM_REPORTS)
    account = ledger_accounts.get_bank_account(account_id, param="account_id")
    report = ledger_queries.trust_journal_report(caller.principal, account.name,
                                                 date_from=dates.date_from, date_to=dates.date_to)
    return JournalOut(account=AccountRef(id=account.public_id, name=account.name),
                      kind=report["kind"], currency=report["currency"],
                      opening_balance=report["opening_balance"], balance=report["balance"],
                      entries=[line_out(row) for row in report["entries"]])
