"""Reports in the firm's jurisdiction: the reconciliation in the pack's shape and wording, the
trust comparison across all trust accounts, and the completeness of the trust records.

The numbers always come from the engines that own them: the reconciliation from
`banking.services.reconciliation_report` (or a saved one from `reconciliation_document`), the
balances from the ledger's postings, the entries from `ledger.queries.trust_journal_report`. This
module only lays them out as the pack's regulator asks (`lawledger.core.jurisdictions.shape`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Sum

from lawledger.access.policy import require, visible_matters
from lawledger.audit.services import record
from lawledger.banking.services import reconciliation_document, reconciliation_report
from lawledger.core.access import Action, Principal
from lawledger.core.jurisdictions import Pack, get_pack
from lawledger.core.jurisdictions.records import missing_fields
from lawledger.core.jurisdictions.shape import LedgerRow, ReconciliationFigures, shape
from lawledger.core.ledger import NORMAL_SIDE, AccountKind
from lawledger.core.money import Money, format_minor
from lawledger.firm.queries import firm_settings, firm_today
from lawledger.jurisdictions.events import JurisdictionEvent
from lawledger.ledger.models import BankAccount, Posting
from lawledger.ledger.queries import trust_journal_report

WALLED = "(behind an ethical wall)"


def _pack() -> Pack:
    return get_pack(firm_settings().jurisdiction)


def figures_from_document(document: dict[str, Any]) -> ReconciliationFigures:
    """The banking report's figures (decimal strings) as minor units, for the shapes."""
    currency = document["currency"]

    def minor(key: str) -> int:
        return Money.parse(str(document[key]), currency, allow_negative=True,
                           allow_zero=True).minor

    def count(kind: str) -> int:
        return sum(1 for item in document["items"] if item["type"] == kind)

    negatives = [Money.parse(row["balance"], currency, allow_negative=True).minor
                 for row in document.get("negative_ledgers", [])]
    ledgers = [LedgerRow(row["client"], row["matter"], row["title"],
                         Money.parse(row["balance"], currency, allow_negative=True,
                                     allow_zero=True).minor)
               for row in document.get("client_ledgers", [])]
    ledgers += [LedgerRow(row["ledger"].replace("_", " "), "", "firm ledger",
                          Money.parse(row["balance"], currency, allow_negative=True,
                                      allow_zero=True).minor)
                for row in document.get("firm_ledgers", []) if row["balance"] != "0.00"]
    client_total, firm_total = minor("client_ledgers_total"), minor("firm_ledgers_total")
    return ReconciliationFigures(
        as_of=dt.date.fromisoformat(document["date"]), currency=currency,
        statement_balance_minor=minor("statement_balance"),
        deposits_in_transit_minor=minor("deposits_in_transit"),
        deposits_in_transit_count=count("deposit_in_transit"),
        outstanding_minor=minor("outstanding_checks"),
        outstanding_count=count("outstanding_check"),
        bank_only_minor=-minor("other_items"), bank_only_count=count("bank_only"),
        adjusted_bank_balance_minor=minor("adjusted_bank_balance"),
        journal_balance_minor=minor("journal_balance"),
        client_ledgers_total_minor=client_total, firm_ledgers_total_minor=firm_total,
        positive_ledgers_total_minor=client_total + firm_total - sum(negatives),
        negative_ledger_count=len(negatives), ledgers=tuple(ledgers))


def _shaped(principal: Principal, document: dict[str, Any]) -> dict[str, Any]:
    pack = _pack()
    shaped = shape(pack, figures_from_document(document), prepared_on=firm_today())
    with transaction.atomic():
        record(principal, JurisdictionEvent.REPORT_SHAPED, object_type="account",
               object_id=document["account"],
               details={"jurisdiction": pack.code, "date": document["date"],
                        "shape": shaped.shape.value})
    return {"account": document["account"], "jurisdiction": pack.code,
            "reconciliation_id": document.get("id"), "status": document.get("status"),
            "balanced": document["balanced"], **shaped.as_dict()}


def shaped_reconciliation(principal: Principal, *, account: str, date: str | dt.date,
                          statement_balance: str | int) -> dict[str, Any]:
    """`lawledger reconcile`'s figures laid out as the firm's regulator asks."""
    document = reconciliation_report(actor=principal, account=account, date=date,
                                     statement_balance=statement_balance)
    return _shaped(principal, document)


def shaped_saved_reconciliation(principal: Principal, ref: str) -> dict[str, Any]:
    """A saved (draft or signed) reconciliation laid out as the firm's regulator asks."""
    _, document = reconciliation_document(actor=principal, ref=ref)
    return _shaped(principal, document)


def _balances_on(bank: BankAccount, day: dt.date) -> dict[tuple[str, int | None], int]:
    """Natural balance of each ledger of one bank account at the end of `day`."""
    sums = (Posting.objects.filter(bank_account=bank, effective_date__lte=day)
            .values("ledger_account__kind", "ledger_account__matter_id")
            .annotate(total=Sum("amount_minor")))
    return {(row["ledger_account__kind"], row["ledger_account__matter_id"]):
            NORMAL_SIDE[AccountKind(row["ledger_account__kind"])] * row["total"] for row in sums}


def _account_position(bank: BankAccount, day: dt.date, visible: set[int] | None,
                      numbers: dict[int, tuple[str, str]]) -> dict[str, Any]:
    balances = _balances_on(bank, day)

    def money(minor: int) -> str:
        return format_minor(minor, bank.currency)

    bank_minor = balances.get((AccountKind.TRUST_BANK.value, None), 0)
    firm = {kind.value: balances.get((kind.value, None), 0)
            for kind in (AccountKind.INTEREST, AccountKind.FIRM_FUNDS, AccountKind.UNIDENTIFIED)}
    clients = sorted(((pk, minor) for (kind, pk), minor in balances.items()
                      if kind == AccountKind.CLIENT.value and pk is not None and minor),
                     key=lambda item: numbers[item[0]][0])
    client_minor = sum(minor for _, minor in clients)
    held = bank_minor - sum(firm.values())
    return {
        "account": bank.name, "currency": bank.currency,
        "separate_for_matter": (numbers[bank.matter_id][0] if bank.matter_id is not None
                                and (visible is None or bank.matter_id in visible)
                                else WALLED if bank.matter_id is not None else None),
        "bank_balance": money(bank_minor),
        "interest_owed": money(firm["interest"]), "firm_funds": money(firm["firm_funds"]),
        "unidentified": money(firm["unidentified"]), "held_for_clients": money(held),
        "client_ledgers_total": money(client_minor), "difference": money(held - client_minor),
        "client_ledgers": [{"matter": numbers[pk][0] if visible is None or pk in visible
                            else WALLED,
                            "client": numbers[pk][1] if visible is None or pk in visible else "",
                            "balance": money(minor)} for pk, minor in clients],
        "_held": held, "_clients": client_minor, "_bank": bank_minor,
    }


def trust_position(principal: Principal, *, as_of: dt.date | None = None) -> dict[str, Any]:
    """Every trust account on one date: bank balance, less what is not the clients' (interest
    owed, firm money, unidentified receipts), against the client ledgers; totals per currency."""
    from lawledger.firm.models import Matter

    require(principal, Action.VIEW_FIRM_REPORTS)
    day = as_of or firm_today()
    with transaction.atomic():
        record(principal, JurisdictionEvent.REPORT_SHAPED, object_type="report",
               object_id="trust_position", details={"date": day.isoformat()})
        visible = None if principal.is_operator else set(
            visible_matters(principal).values_list("pk", flat=True))
        numbers = {pk: (number, name) for pk, number, name in
                   Matter.objects.values_list("pk", "number", "client__name")}
        accounts = [_account_position(bank, day, visible, numbers) for bank in
                    BankAccount.objects.filter(kind=BankAccount.Kind.TRUST).order_by("name")]
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"bank": 0, "held": 0, "clients": 0})
    for item in accounts:
        total = totals[item["currency"]]
        total["bank"] += item.pop("_bank")
        total["held"] += item.pop("_held")
        total["clients"] += item.pop("_clients")
    return {"as_of": day.isoformat(), "jurisdiction": firm_settings().jurisdiction,
            "accounts": accounts,
            "totals": [{"currency": currency, "bank_balance": format_minor(t["bank"], currency),
                        "held_for_clients": format_minor(t["held"], currency),
                        "client_ledgers_total": format_minor(t["clients"], currency),
                        "agrees": t["held"] == t["clients"]}
                       for currency, t in sorted(totals.items())]}


def record_completeness(principal: Principal, *, account: str | None = None,
                        date_from: dt.date | None = None,
                        date_to: dt.date | None = None) -> dict[str, Any]:
    """Trust entries that lack a field the pack requires (each with the rule that requires it)."""
    require(principal, Action.VIEW_FIRM_REPORTS)
    pack = _pack()
    names = [account] if account else list(
        BankAccount.objects.filter(kind=BankAccount.Kind.TRUST).order_by("name")
        .values_list("name", flat=True))
    incomplete, checked, restricted = [], 0, 0
    with transaction.atomic():
        record(principal, JurisdictionEvent.RECORDS_CHECKED, object_type="report",
               object_id="record_completeness", details={"account": account or ""})
        for name in names:
            journal = trust_journal_report(principal, name, date_from=date_from, date_to=date_to)
            for entry in journal["entries"]:
                if entry.get("restricted"):
                    restricted += 1
                    continue
                checked += 1
                missing = missing_fields(pack, entry["kind"], entry.get("method") or "", entry)
                if missing:
                    incomplete.append({"account": name, "id": entry["id"], "date": entry["date"],
                                       "kind": entry["kind"], "matter": entry.get("matter"),
                                       "missing": [{"field": m.field, "source": m.source}
                                                   for m in missing]})
    return {"jurisdiction": pack.code, "checked": checked, "restricted": restricted,
            "incomplete": incomplete}
