"""Bank accounts and the ledger accounts of their books."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, connection, transaction

from lawledger.access.policy import get_matter, require
from lawledger.audit.events import Event
from lawledger.audit.services import record
from lawledger.core import clock
from lawledger.core.access import Action, Principal
from lawledger.core.errors import Conflict, InvalidInput, NotFound
from lawledger.core.ledger import AccountKind
from lawledger.core.money import normalize_currency
from lawledger.firm.models import Matter
from lawledger.firm.queries import firm_settings, firm_today
from lawledger.ledger.models import BankAccount, LedgerAccount

TRUST_FIRM_LEDGERS = (AccountKind.TRUST_BANK, AccountKind.FIRM_FUNDS, AccountKind.INTEREST,
                      AccountKind.UNIDENTIFIED)
OPERATING_LEDGERS = (AccountKind.OPERATING_BANK, AccountKind.FEE_INCOME)


def _clean_name(name: str) -> str:
    cleaned = (name or "").strip()
    if not cleaned or len(cleaned) > 100 or not cleaned.isprintable():
        raise InvalidInput("name: 1-100 printable characters", param="name")
    return cleaned


def account_add(*, actor: Principal, name: str, kind: str, currency: str | None = None,
                bank_name: str | None = None, account_number: str | None = None,
                matter: str | None = None) -> BankAccount:
    """Add a bank account. A trust account with `matter` is a separate account for that matter."""
    require(actor, Action.MANAGE_FIRM)
    clean_name = _clean_name(name)
    kind_value = (kind or "").strip().lower()
    if kind_value not in BankAccount.Kind.values:
        raise InvalidInput(f"kind: {kind!r} is not trust or operating", param="kind")
    code = normalize_currency(currency or firm_settings().base_currency)
    number = (account_number or "").strip() or None
    if number is not None and not all(ch.isalnum() or ch in " -" for ch in number):
        raise InvalidInput("account_number: letters, digits, spaces and '-' only",
                           param="account_number")
    with transaction.atomic():
        matter_row = None
        if matter:
            if kind_value != BankAccount.Kind.TRUST:
                raise InvalidInput("matter: only a trust account is kept for one matter",
                                   param="matter")
            matter_row = get_matter(actor, matter)
        if BankAccount.objects.filter(name=clean_name).exists():
            raise Conflict(f"name: an account named {clean_name!r} already exists", param="name")
        account = BankAccount(name=clean_name, kind=kind_value, currency=code,
                              is_pooled=matter_row is None, matter=matter_row,
                              bank_name=(bank_name or "").strip() or None, account_number=number,
                              account_number_last4=(number or "")[-4:], opened_on=firm_today(),
                              created_at=clock.now())
        try:
            with transaction.atomic():
                account.save(force_insert=True)
        except IntegrityError:
            raise Conflict(f"name: an account named {clean_name!r} already exists",
                           param="name") from None
        kinds = TRUST_FIRM_LEDGERS if kind_value == BankAccount.Kind.TRUST else OPERATING_LEDGERS
        LedgerAccount.objects.bulk_create(
            [LedgerAccount(kind=k.value, bank_account=account, currency=code) for k in kinds])
        record(actor, Event.BANK_ACCOUNT_ADDED, object_type="account", object_id=account.public_id,
               details={"name": clean_name, "kind": kind_value, "currency": code})
    return account


def get_bank_account(ref: str, *, kind: str | None = None, param: str = "account") -> BankAccount:
    cleaned = (ref or "").strip()
    account = None
    if cleaned:
        # One raw model query for both (name first, as before): this runs on every posting.
        rows = list(BankAccount.objects.raw(
            "SELECT * FROM ledger_bank_account WHERE name = %s OR public_id = %s", [cleaned, cleaned]))
        account = (next((row for row in rows if row.name == cleaned), None)
                   or next((row for row in rows if row.public_id == cleaned), None))
    if account is None:
        raise NotFound(f"{param}: no bank account {ref!r}", param=param)
    if kind is not None and account.kind != kind:
        raise InvalidInput(f"{param}: {account.name} is not a {kind} account", param=param)
    return account


def firm_ledger(account: BankAccount, kind: AccountKind) -> LedgerAccount:
    found = ledger_rows("bank_account_id = %s AND kind = %s AND matter_id IS NULL",
                        [account.pk, kind.value])
    if not found:
        raise LedgerAccount.DoesNotExist(f"no {kind.value} ledger in {account.name}")
    found[0]._state.fields_cache["bank_account"] = account  # as select_related("bank_account")
    return found[0]


def client_ledger(account: BankAccount, matter: Matter, *, create: bool) -> LedgerAccount | None:
    rows = ledger_rows("bank_account_id = %s AND matter_id = %s AND kind = %s",
                       [account.pk, matter.pk, AccountKind.CLIENT.value])
    found = rows[0] if rows else None
    if found is not None:
        # The rows the caller holds, as select_related("bank_account", "matter") would load them.
        found._state.fields_cache["bank_account"] = account
        found._state.fields_cache["matter"] = matter
    if found is not None or not create:
        return found
    try:
        with transaction.atomic():
            LedgerAccount.objects.create(kind=AccountKind.CLIENT.value, bank_account=account,
                                         matter=matter, currency=account.currency)
    except IntegrityError:
        pass  # a concurrent first deposit created it
    return LedgerAccount.objects.select_related("bank_account", "matter").get(
        bank_account=account, matter=matter, kind=AccountKind.CLIENT.value)


_LEDGER_FIELDS = ("id", "kind", "bank_account_id", "matter_id", "currency", "balance_minor",
                  "version", "last_entry_date")


def ledger_rows(where: str, params: Sequence[Any], *, suffix: str = "") -> list[LedgerAccount]:
    """Ledger accounts read with plain SQL (`where` is a constant of the caller, values are
    parameters): the hot path of every posting reads two to four of them, and the ORM's
    compilation of these small queries cost more than the reads."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(_LEDGER_FIELDS)} FROM ledger_account "  # noqa: S608
                       f"WHERE {where} {suffix}", params)
        rows = cursor.fetchall()
    out = []
    for row in rows:
        values = list(row)
        if values[7] is not None and not isinstance(values[7], dt.date):
            values[7] = dt.date.fromisoformat(values[7])  # SQLite returns dates as text
        out.append(LedgerAccount.from_db(connection.alias, _LEDGER_FIELDS, values))
    return out


def trust_accounts_holding(matter: Matter) -> list[BankAccount]:
    ids = LedgerAccount.objects.filter(matter=matter, kind=AccountKind.CLIENT.value).values_list(
        "bank_account_id", flat=True)
    return list(BankAccount.objects.filter(pk__in=list(ids)).order_by("name"))


def default_trust_account(matter: Matter, ref: str | None, *, param: str = "account") -> BankAccount:
    """The account named, or the one trust account that holds (or could hold) this matter's money."""
    if ref:
        return get_bank_account(ref, kind=BankAccount.Kind.TRUST, param=param)
    holding = trust_accounts_holding(matter)
    if len(holding) == 1:
        return holding[0]
    if not holding:
        trust = list(BankAccount.objects.filter(kind=BankAccount.Kind.TRUST))
        if len(trust) == 1:
            return trust[0]
    raise InvalidInput(f"{param}: name the trust account (--account) for {matter.number}",
                       param=param)


def default_operating_account(currency: str, ref: str | None, *, param: str) -> BankAccount:
    if ref:
        return get_bank_account(ref, kind=BankAccount.Kind.OPERATING, param=param)
    candidates = list(BankAccount.objects.filter(kind=BankAccount.Kind.OPERATING, currency=currency))
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise InvalidInput(f"{param}: there is no operating account in {currency}; add one with "
                           "`lawledger account add NAME --kind operating`", param=param)
    raise InvalidInput(f"{param}: name the operating account", param=param)
