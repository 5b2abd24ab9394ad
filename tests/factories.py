"""Small builders for tests: everything goes through the services, as a real firm's data does."""

from __future__ import annotations

import itertools
from typing import Any

from lawledger.core.access import Principal, Role

OPERATOR = Principal.operator("tests")
_counter = itertools.count(1)


def firm(**settings: str) -> None:
    from lawledger.firm.services import firm_initialise, firm_set

    firm_initialise(actor=OPERATOR, name="Test & Partners")
    for key, value in settings.items():
        firm_set(actor=OPERATOR, key=key, value=value)


def user(role: Role | str, email: str | None = None, client: str | None = None) -> Principal:
    from lawledger.access.policy import principal_for
    from lawledger.access.services import user_add

    role_value = Role(role)
    address = email or f"{role_value.value}{next(_counter)}@firm.example"
    created, _ = user_add(actor=OPERATOR, email=address, role=role_value.value,
                          password="correct horse battery staple", client=client)
    return principal_for(created)


def client(name: str = "Acme Corp", **kwargs: Any) -> str:
    from lawledger.firm.services import client_add

    return client_add(actor=OPERATOR, name=name, **kwargs).number


def matter(client_number: str | None = None, title: str = "A matter", *,
           responsible: Principal | None = None, team: tuple[Principal, ...] = ()) -> str:
    from lawledger.access.services import matter_assign
    from lawledger.firm.services import matter_open

    number = matter_open(actor=OPERATOR, client=client_number or client(), title=title,
                         responsible=responsible.label if responsible else None).number
    for member in team:
        matter_assign(actor=OPERATOR, matter=number, email=member.label)
    return number


def trust_account(name: str = "IOLTA", currency: str = "USD", **kwargs: Any) -> str:
    from lawledger.ledger.accounts import account_add

    return account_add(actor=OPERATOR, name=name, kind="trust", currency=currency, **kwargs).name


def operating_account(name: str = "Operating", currency: str = "USD") -> str:
    from lawledger.ledger.accounts import account_add

    return account_add(actor=OPERATOR, name=name, kind="operating", currency=currency).name


def deposit(matter_number: str, amount: str, date: str = "2026-03-10", account: str = "IOLTA",
            **kwargs: Any) -> Any:
    from lawledger.ledger.services import trust_deposit_record

    kwargs.setdefault("payor", "Client")
    return trust_deposit_record(actor=kwargs.pop("actor", OPERATOR), matter=matter_number,
                                amount=amount, account=account, date=date, **kwargs)


def disburse(matter_number: str, amount: str, date: str = "2026-03-20", account: str = "IOLTA",
             **kwargs: Any) -> Any:
    from lawledger.ledger.services import trust_disbursement_record

    kwargs.setdefault("payee", "Court clerk")
    return trust_disbursement_record(actor=kwargs.pop("actor", OPERATOR), matter=matter_number,
                                     amount=amount, account=account, date=date, **kwargs)


def trust_firm() -> dict[str, str]:
    """A firm with one trust account and one matter, the common starting point."""
    firm(uncleared_funds="off")
    account = trust_account()
    number = matter()
    return {"account": account, "matter": number}


def balance(matter_number: str, account: str = "IOLTA") -> str:
    from lawledger.ledger.queries import client_ledger_report

    return str(client_ledger_report(OPERATOR, matter_number, account)["balance"])
