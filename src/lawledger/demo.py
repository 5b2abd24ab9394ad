"""A believable small firm for `lawledger demo`: users of each role, clients, matters, trust money.

Deterministic: the same data every time (a seeded generator and fixed dates), all created through
the services so that every rule and audit record applies to the demo as to a real firm.
"""

from __future__ import annotations

import datetime as dt
import random

from rich.progress import Progress

from lawledger.core.access import Principal

DEMO_PASSWORD_SUFFIX = "-demo-2026"

USERS = [
    ("admin", "Margaret Hartwell", "margaret.hartwell@hartwell-osei.example"),
    ("admin", "Kwame Osei", "kwame.osei@hartwell-osei.example"),
    ("bookkeeper", "Priya Natarajan", "priya.natarajan@hartwell-osei.example"),
    ("bookkeeper", "Tom Lindqvist", "tom.lindqvist@hartwell-osei.example"),
    ("attorney", "Elena Ruiz", "elena.ruiz@hartwell-osei.example"),
    ("attorney", "David Cohen", "david.cohen@hartwell-osei.example"),
    ("attorney", "Aisha Bello", "aisha.bello@hartwell-osei.example"),
    ("attorney", "James O'Connor", "james.oconnor@hartwell-osei.example"),
    ("paralegal", "Sofia Marchetti", "sofia.marchetti@hartwell-osei.example"),
    ("paralegal", "Ben Okafor", "ben.okafor@hartwell-osei.example"),
    ("auditor", "Grace Whitfield", "grace.whitfield@bar-audit.example"),
]

CLIENTS = [
    "Abernathy Holdings LLC", "Beatriz Alvarez", "Cascade Timber Co.", "Dunmore Family Trust",
    "Evergreen Medical Group", "Farah Haddad", "Greystone Properties", "Hiroshi Tanaka",
    "Ironbridge Logistics", "Julia Novak", "Kestrel Software Inc.", "Liam Gallagher",
    "Meridian Credit Union", "Nadia Petrova", "Oakhurst School District", "Pieter van Dijk",
    "Quinton & Reyes Architects", "Rosa Delgado", "Silverline Auto Parts", "Thandiwe Mokoena",
]

MATTER_KINDS = [
    "Purchase of commercial premises", "Estate administration", "Employment dispute",
    "Personal injury claim", "Lease renewal", "Contract dispute", "Divorce and settlement",
    "Trademark registration", "Residential closing", "Debt recovery", "Zoning appeal",
    "Shareholder agreement",
]


def demo_password(role: str, email: str) -> str:
    return email.split("@", maxsplit=1)[0].split(".", maxsplit=1)[0] + "-" + role + DEMO_PASSWORD_SUFFIX


def seed_demo_firm(progress: bool = True) -> list[dict[str, str]]:
    from lawledger.access.services import matter_assign, user_add, wall_raise
    from lawledger.core.ledger import EntryKind
    from lawledger.firm.services import client_add, matter_open
    from lawledger.ledger.accounts import account_add
    from lawledger.ledger.services import (
        earned_fee_transfer_record,
        trust_deposit_record,
        trust_disbursement_record,
        trust_firm_entry_record,
    )
    from lawledger.security.services import provision_second_factor

    rng = random.Random(20260301)  # noqa: S311 (demo data, not secrets)
    operator = Principal.operator("demo")
    logins = []
    attorneys = []
    paralegals = []
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("Seeding the demo firm", total=len(USERS) + len(CLIENTS) * 2 + 40)
        for role, name, email in USERS:
            password = demo_password(role, email)
            added, _ = user_add(actor=operator, email=email, role=role, full_name=name,
                             password=password)
            # MFA is required: hand each demo user a second factor along with the password.
            logins.append({"role": role, "email": email, "password": password,
                           **provision_second_factor(added)})
            if role == "attorney":
                attorneys.append(email)
            if role == "paralegal":
                paralegals.append(email)
            bar.advance(task)
        account_add(actor=operator, name="IOLTA", kind="trust", currency="USD",
                    bank_name="First Federal Bank", account_number="4410 2231 9987")
        account_add(actor=operator, name="Operating", kind="operating", currency="USD",
                    bank_name="First Federal Bank", account_number="4410 2231 5520")
        trust_firm_entry_record(actor=operator, kind=EntryKind.FIRM_DEPOSIT, account="IOLTA",
                                amount="250.00", date="2026-01-02", memo="cushion for bank charges")
        matters = []
        for index, client_name in enumerate(CLIENTS):
            client = client_add(actor=operator, name=client_name,
                                email=f"contact{index + 1}@client.example",
                                phone=f"+1 555 01{index:02d}")
            bar.advance(task)
            for _ in range(2):
                responsible = attorneys[rng.randrange(len(attorneys))]
                matter = matter_open(actor=operator, client=client.number,
                                     title=MATTER_KINDS[rng.randrange(len(MATTER_KINDS))],
                                     responsible=responsible)
                if rng.random() < 0.5:
                    matter_assign(actor=operator, matter=matter.number,
                                  email=paralegals[rng.randrange(len(paralegals))])
                matters.append(matter.number)
                bar.advance(task)
        wall_raise(actor=operator, matter=matters[3], email=attorneys[1],
                   reason="previously acted for the opposing party")
        start = dt.date(2026, 1, 5)
        for step in range(40):
            number = matters[rng.randrange(len(matters))]
            day = start + dt.timedelta(days=step * 7 + rng.randrange(5))
            amount = rng.choice([1500, 2500, 5000, 7500, 12000, 25000]) * 100
            trust_deposit_record(actor=operator, matter=number, amount=amount, account="IOLTA",
                                 date=day.isoformat(), payor=f"Client funds for {number}",
                                 method=rng.choice(["check", "wire", "ach"]),
                                 reference=f"DEP{1000 + step}")
            if rng.random() < 0.6:
                paid = amount * rng.choice([20, 35, 50]) // 100
                trust_disbursement_record(actor=operator, matter=number, amount=paid,
                                          account="IOLTA",
                                          date=(day + dt.timedelta(days=10)).isoformat(),
                                          payee=rng.choice(["County Recorder", "Expert witness",
                                                            "Title company", "Court clerk"]),
                                          check_number=str(5001 + step), purpose="costs")
            elif rng.random() < 0.5:
                earned_fee_transfer_record(actor=operator, matter=number, amount=amount // 4,
                                           account="IOLTA",
                                           date=(day + dt.timedelta(days=14)).isoformat(),
                                           invoice_ref=f"demo-{step}")
            bar.advance(task)
    return logins
