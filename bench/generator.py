"""A deterministic, realistic law firm at any scale, for the benchmarks and for tests.

`shape_for(entries)` sizes the firm (2,000 matters for 1,000,000 entries, as issue 3 asks);
`trust_entries(shape)` yields its trust journal in recording order: deposits, disbursements
(checks and EFTs), matter-to-matter transfers, earned-fee transfers, refunds, the firm's own money
for bank charges, interest and its remittance — never overdrawing a matter (the generator keeps
every balance, so the expected balances are known without asking lawledger). About one deposit in
a hundred is recorded a few days late (backdated), as happens in real books.

`statements(shape, entries)` is the bank's side of the same account: deposits clearing one to
three business days later, checks presented after days or weeks (some never: outstanding checks),
deposits still in transit at the end of a month, and bank-only lines (fees, interest) that the
books take up later or not at all. `billing_records(shape)` yields time entries and expenses.

`load_firm(shape)` writes the firm through the services (accounts, clients, matters) and the bulk
path (`lawledger.ledger.bulk`, every rule checked) — a million entries in a few minutes.
Same shape and seed, same firm: every random choice comes from one `random.Random(seed)`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lawledger.core.calendar import add_business_days
from lawledger.core.formats.statement import LineKind, Statement, StatementLine
from lawledger.core.ledger import EntryKind

TRUST_ACCOUNT = "IOLTA"
OPERATING_ACCOUNT = "Operating"
START = dt.date(2024, 1, 1)
PAYEES = ("County Court Clerk", "Title Escrow Co", "Dr. Miriam Shah (medical records)",
          "Expert Witness LLC", "Process Servers Inc", "Land Registry", "Appraisal Partners",
          "Court Reporters Ltd")
FIRST = ("Avery", "Jordan", "Morgan", "Riley", "Casey", "Quinn", "Harper", "Rowan", "Emerson",
         "Finley", "Sage", "Reese", "Dakota", "Hayden", "Kendall", "Parker")
LAST = ("Okafor", "Lindqvist", "Moreau", "Tanaka", "Haddad", "Kowalski", "Brennan", "Castillo",
        "Nakamura", "Adeyemi", "Fischer", "Romano", "Sato", "Olsen", "Mensah", "Duarte")
TITLES = ("Sale of premises", "Estate administration", "Personal injury claim", "Lease dispute",
          "Share purchase", "Divorce settlement", "Employment tribunal", "Boundary dispute")


@dataclass(frozen=True)
class FirmShape:
    entries: int
    matters: int
    clients: int
    days: int
    big_matter_entries: int  # entries of M-0001, the matter whose client ledger is benchmarked
    seed: int = 20260401

    @property
    def end(self) -> dt.date:
        return START + dt.timedelta(days=self.days - 1)


def shape_for(entries: int, *, seed: int = 20260401) -> FirmShape:
    matters = max(20, entries // 500)
    return FirmShape(entries=entries, matters=matters, clients=max(10, matters // 2),
                     days=max(60, min(730, entries // 10)),
                     big_matter_entries=min(10_000, entries // 10), seed=seed)


def client_names(shape: FirmShape) -> list[str]:
    rng = random.Random(shape.seed ^ 0x5EED)
    return [f"{rng.choice(FIRST)} {rng.choice(LAST)} ({n})" for n in range(1, shape.clients + 1)]


def matter_plan(shape: FirmShape) -> list[tuple[int, str]]:
    """(client index, title) per matter, M-0001 first."""
    rng = random.Random(shape.seed ^ 0xA77E)
    return [(n % shape.clients, rng.choice(TITLES)) for n in range(shape.matters)]


def matter_number(index: int) -> str:
    return f"M-{index + 1:04d}"


@dataclass
class Books:
    """What the generator knows of the firm after its entries: the expected balances."""

    client_minor: dict[str, int] = field(default_factory=dict)
    firm_funds_minor: int = 0
    interest_minor: int = 0
    operating_minor: int = 0


def trust_entries(shape: FirmShape, books: Books | None = None) -> Iterator[Any]:
    """The firm's trust entries as `BulkEntry` values, in recording order."""
    from lawledger.ledger.bulk import BulkEntry

    books = books if books is not None else Books()
    rng = random.Random(shape.seed)
    balances = [0] * shape.matters
    per_day = shape.entries / shape.days
    made = 0
    check = 1000
    big_every = max(1, round(shape.entries / max(1, shape.big_matter_entries)))
    yield BulkEntry(EntryKind.FIRM_DEPOSIT, START, 50_000, payor="Firm operating account",
                    reference="FIRM-FUNDS")
    made += 1
    books.firm_funds_minor += 50_000
    for day_index in range(shape.days):
        day = START + dt.timedelta(days=day_index)
        target = round(per_day * (day_index + 1)) if day_index < shape.days - 1 else shape.entries
        if day.day == 1 and made < target:
            for entry in _monthly(day, books, rng):
                yield entry
                made += 1
        while made < target:
            big = made % big_every == 0 and made // big_every < shape.big_matter_entries
            index = 0 if big else rng.randrange(1, shape.matters)
            entry, check = _one(rng, shape, day, index, balances, check=check)
            yield entry
            made += 1
    for index, balance in enumerate(balances):
        books.client_minor[matter_number(index)] = balance


def _monthly(day: dt.date, books: Books, rng: random.Random) -> list[Any]:
    """Month start: the bank charge from firm funds, interest in, and a quarterly remittance."""
    from lawledger.ledger.bulk import BulkEntry

    entries = [BulkEntry(EntryKind.BANK_CHARGE, day, 1_500, reference="MONTHLY-FEE")]
    books.firm_funds_minor -= 1_500
    interest = rng.randrange(2_000, 9_000)
    entries.append(BulkEntry(EntryKind.INTEREST, day, interest, reference="INTEREST"))
    books.interest_minor += interest
    if day.month in (1, 4, 7, 10) and books.interest_minor > 0:
        entries.append(BulkEntry(EntryKind.INTEREST_REMITTANCE, day, books.interest_minor,
                                 payee="Bar Foundation (IOLTA interest)"))
        books.interest_minor = 0
    return entries


def _one(rng: random.Random, shape: FirmShape, day: dt.date, index: int, balances: list[int], *,
         check: int) -> tuple[Any, int]:
    from lawledger.ledger.bulk import BulkEntry

    number = matter_number(index)
    balance = balances[index]
    roll = rng.random()
    if balance < 5_000 or roll < 0.36:
        amount = rng.randrange(10, 2_500) * 1_000 + rng.randrange(100)
        late = rng.random() < 0.01 and day > START + dt.timedelta(days=3)
        when = day - dt.timedelta(days=rng.randrange(1, 4)) if late else day
        balances[index] += amount
        return BulkEntry(EntryKind.DEPOSIT, when, amount, number, payor=f"Client of {number}",
                         method=rng.choice(("check", "wire", "ach")),
                         reference=f"DEP-{day:%y%m%d}-{rng.randrange(10**6):06d}",
                         memo="retainer" if roll < 0.1 else None), check
    amount = max(1, int(balance * rng.uniform(0.05, 0.6)))
    if roll < 0.68:
        balances[index] -= amount
        if rng.random() < 0.6:
            check += 1
            return BulkEntry(EntryKind.DISBURSEMENT, day, amount, number, payee=rng.choice(PAYEES),
                             check_number=str(check), purpose="costs on the matter"), check
        return BulkEntry(EntryKind.DISBURSEMENT, day, amount, number, payee=rng.choice(PAYEES),
                         method="eft", reference=f"EFT-{rng.randrange(10**8):08d}",
                         purpose="costs on the matter"), check
    if roll < 0.73 and shape.matters > 2:
        other = rng.randrange(1, shape.matters)
        if other != index:
            balances[index] -= amount
            balances[other] += amount
            return BulkEntry(EntryKind.TRANSFER, day, amount, number,
                             to_matter=matter_number(other), memo="agreed reallocation"), check
    if roll < 0.98:
        balances[index] -= amount
        return BulkEntry(EntryKind.EARNED_FEE, day, amount, number,
                         invoice_ref=f"INV-{day:%Y%m}-{index:05d}"), check
    balances[index] -= amount
    return BulkEntry(EntryKind.REFUND, day, amount, number, payee=f"Client of {number}"), check


# ---------------------------------------------------------------------------------------------
# the bank's side


def statements(shape: FirmShape, entries: Iterable[Any]) -> list[Statement]:
    """Monthly statements of the trust account, as the bank would send them."""
    rng = random.Random(shape.seed ^ 0xBA4C)
    lines_by_month: dict[tuple[int, int], list[tuple[dt.date, int, LineKind, str, str]]] = {}

    def add(day: dt.date, amount: int, kind: LineKind, ref: str, check: str = "") -> None:
        if START <= day <= shape.end:
            lines_by_month.setdefault((day.year, day.month), []).append((day, amount, kind, ref,
                                                                         check))

    for entry in entries:
        kind = entry.kind
        if kind in (EntryKind.DEPOSIT, EntryKind.FIRM_DEPOSIT):
            add(add_business_days(entry.date, rng.randrange(1, 4)), entry.amount_minor,
                LineKind.DEPOSIT, entry.reference or "")
        elif kind in (EntryKind.DISBURSEMENT, EntryKind.REFUND) and entry.check_number:
            if rng.random() < 0.97:  # the rest are never presented: outstanding checks
                add(entry.date + dt.timedelta(days=rng.randrange(2, 40)), -entry.amount_minor,
                    LineKind.CHECK, "", entry.check_number)
        elif kind in (EntryKind.DISBURSEMENT, EntryKind.REFUND, EntryKind.EARNED_FEE,
                      EntryKind.INTEREST_REMITTANCE):
            add(add_business_days(entry.date, rng.randrange(0, 2)), -entry.amount_minor,
                LineKind.PAYMENT, entry.reference or entry.invoice_ref or "")
        elif kind in (EntryKind.BANK_CHARGE, EntryKind.INTEREST):
            # bank-only lines: the bank books them at the end of the month before
            add(entry.date - dt.timedelta(days=1), entry.amount_minor
                * (-1 if kind == EntryKind.BANK_CHARGE else 1),
                LineKind.FEE if kind == EntryKind.BANK_CHARGE else LineKind.INTEREST, "")
    return [_statement(year, month, lines) for (year, month), lines in sorted(lines_by_month.items())]


def _statement(year: int, month: int,
               lines: list[tuple[dt.date, int, LineKind, str, str]]) -> Statement:
    lines.sort(key=lambda line: line[0])
    made = tuple(StatementLine(line_number=n, posted_on=day, amount_minor=amount, kind=kind,
                               bank_reference=f"{year}{month:02d}-{n:06d}", check_number=check,
                               description=ref)
                 for n, (day, amount, kind, ref, check) in enumerate(lines, start=1))
    return Statement(format="generated", currency="USD", account_number="000123456789",
                     period_start=dt.date(year, month, 1), period_end=made[-1].posted_on,
                     lines=made)


# ---------------------------------------------------------------------------------------------
# billing data


@dataclass(frozen=True)
class TimeRecord:
    matter: str
    timekeeper: str
    date: dt.date
    minutes: int
    narrative: str
    task: str
    activity: str


@dataclass(frozen=True)
class ExpenseRecord:
    matter: str
    date: dt.date
    amount_minor: int
    description: str
    code: str


TIMEKEEPERS = ("elena.ruiz@firm.example", "david.cohen@firm.example", "amara.obi@firm.example")


def billing_records(shape: FirmShape, count: int) -> Iterator[TimeRecord | ExpenseRecord]:
    """Time entries (four in five) and expenses on random matters, in date order."""
    rng = random.Random(shape.seed ^ 0xB111)
    for n in range(count):
        day = START + dt.timedelta(days=n * shape.days // max(1, count))
        matter = matter_number(rng.randrange(shape.matters))
        if rng.random() < 0.8:
            yield TimeRecord(matter, rng.choice(TIMEKEEPERS), day, rng.choice((6, 12, 18, 30, 60,
                                                                                90, 120)),
                             "Reviewed correspondence and advised the client",
                             rng.choice(("L110", "L120", "L210", "L310")),
                             rng.choice(("A101", "A103", "A104", "A106")))
        else:
            yield ExpenseRecord(matter, day, rng.randrange(500, 50_000), "Court filing fee",
                                rng.choice(("E112", "E101", "E110")))


# ---------------------------------------------------------------------------------------------
# writing the firm


def setup_firm(shape: FirmShape, *, name: str = "Benchmark & Partners LLP") -> None:
    """Accounts, clients and matters, through the services. Django must be set up on an
    initialised, empty database (`lawledger init`)."""
    from lawledger.core.access import Principal
    from lawledger.firm.services import client_add, firm_set, matter_open
    from lawledger.ledger.accounts import account_add

    actor = Principal.operator("bench")
    firm_set(actor=actor, key="name", value=name)
    account_add(actor=actor, name=TRUST_ACCOUNT, kind="trust", currency="USD",
                bank_name="First Federal", account_number="000123456789")
    account_add(actor=actor, name=OPERATING_ACCOUNT, kind="operating", currency="USD")
    clients = [client_add(actor=actor, name=name).number for name in client_names(shape)]
    for client_index, title in matter_plan(shape):
        matter_open(actor=actor, client=clients[client_index], title=title)


def load_firm(shape: FirmShape, *, batch_size: int = 5000, books: Books | None = None) -> dict[str, Any]:
    """Create the firm through the services and post its entries through the bulk path."""
    from lawledger.core.access import Principal
    from lawledger.ledger.bulk import bulk_post

    setup_firm(shape)
    actor = Principal.operator("bench")
    books = books if books is not None else Books()
    result = bulk_post(actor=actor, account=TRUST_ACCOUNT, entries=trust_entries(shape, books),
                       operating_account=OPERATING_ACCOUNT, batch_size=batch_size)
    return {"entries": result.posted, "batches": result.batches, "matters": shape.matters,
            "clients": shape.clients, "warnings": len(result.warnings)}
