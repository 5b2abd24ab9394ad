"""Small builders for billing tests, on top of tests/factories.py (everything through services)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lawledger.core.access import Principal, Role
from tests import factories
from tests.factories import OPERATOR


@dataclass
class Firm:
    attorney: Principal
    paralegal: Principal
    bookkeeper: Principal
    matter: str
    client: str


def billing_firm(rate: str = "300.00", **settings: str) -> Firm:
    """A firm with an attorney (rate 300.00/h), a paralegal on the team, a bookkeeper, one matter,
    a trust and an operating account."""
    settings.setdefault("uncleared_funds", "off")
    factories.firm(**settings)
    attorney = factories.user(Role.ATTORNEY, email="ada@firm.example")
    paralegal = factories.user(Role.PARALEGAL, email="pat@firm.example")
    bookkeeper = factories.user(Role.BOOKKEEPER, email="bea@firm.example")
    client = factories.client("Acme Corp")
    matter = factories.matter(client, "Acme v. Widget", responsible=attorney, team=(paralegal,))
    factories.trust_account()
    factories.operating_account()
    from lawledger.billing.services import rate_set

    rate_set(actor=OPERATOR, email=attorney.label, amount=rate)
    rate_set(actor=OPERATOR, email=paralegal.label, amount="100.00")
    return Firm(attorney, paralegal, bookkeeper, matter, client)


def time(firm: Firm, minutes: int = 60, date: str = "2026-03-10", by: Principal | None = None,
         **kwargs: Any) -> Any:
    from lawledger.billing.services import time_record

    kwargs.setdefault("narrative", "Drafted the complaint")
    return time_record(actor=kwargs.pop("actor", OPERATOR), matter=kwargs.pop("matter", firm.matter),
                       minutes=minutes, by=(by or firm.attorney).label, date=date, **kwargs)


def expense(firm: Firm, amount: str = "25.00", date: str = "2026-03-11", **kwargs: Any) -> Any:
    from lawledger.billing.services import expense_record

    kwargs.setdefault("description", "Court filing fee")
    kwargs.setdefault("code", "E112")
    return expense_record(actor=kwargs.pop("actor", OPERATOR), matter=kwargs.pop("matter", firm.matter),
                          amount=amount, date=date, **kwargs)


def draft(firm: Firm, through: str = "2026-03-31", **kwargs: Any) -> Any:
    from lawledger.billing.services import invoice_draft

    return invoice_draft(actor=kwargs.pop("actor", OPERATOR), matter=kwargs.pop("matter", firm.matter),
                         through=through)


def finalize(invoice: Any, actor: Principal = OPERATOR, date: str = "2026-04-01") -> Any:
    from lawledger.billing.services import invoice_finalize

    return invoice_finalize(actor=actor, invoice=invoice.public_id, date=date)


def show(ref: str, actor: Principal = OPERATOR) -> dict[str, Any]:
    from lawledger.billing.queries import invoice_document

    return invoice_document(actor, ref)
