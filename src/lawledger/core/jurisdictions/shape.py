"""The reconciliation report in each jurisdiction's shape and wording, from the same figures.

The engine (`lawledger.core.reconciliation`) computes one set of figures; a pack decides how they
are laid out for its regulator: the North Carolina State Bar form's seven numbered lines, the SRA
client account reconciliation statement, Ontario's monthly trust comparison, the two statements of
the NSW Uniform General Rules rule 48(2), or the plain three-way layout of the US states. Line
arithmetic follows the form it copies: the NC form's line 6 is line 3 + line 4 - line 5 and knows
nothing of bank items missing from the books, so such items make line 7 "does not agree" and are
listed for the explanation the form asks for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lawledger.core.jurisdictions.model import Pack, ReportShape
from lawledger.core.money import format_minor
from lawledger.core.reconciliation import Figures, ItemType


@dataclass(frozen=True, slots=True)
class LedgerRow:
    name: str          # the client (or the firm ledger's name)
    reference: str     # the matter number
    description: str   # the matter's title
    balance_minor: int


@dataclass(frozen=True, slots=True)
class ReconciliationFigures:
    as_of: dt.date
    currency: str
    statement_balance_minor: int
    deposits_in_transit_minor: int
    deposits_in_transit_count: int
    outstanding_minor: int          # money still to leave: a positive total
    outstanding_count: int
    bank_only_minor: int            # signed total of statement lines the books do not have
    bank_only_count: int
    adjusted_bank_balance_minor: int
    journal_balance_minor: int
    client_ledgers_total_minor: int
    firm_ledgers_total_minor: int
    positive_ledgers_total_minor: int
    negative_ledger_count: int
    ledgers: tuple[LedgerRow, ...] = ()


def figures_from_engine(figures: Figures, currency: str,
                        ledgers: Sequence[LedgerRow] = ()) -> ReconciliationFigures:
    """The engine's figures in the form the shapes read (the banking report can call this)."""
    def count(kind: ItemType) -> int:
        return sum(1 for item in figures.items if item.type is kind)

    negatives = sum(ledger.balance_minor for ledger in figures.negative_ledgers)
    return ReconciliationFigures(
        as_of=figures.as_of, currency=currency,
        statement_balance_minor=figures.statement_balance_minor,
        deposits_in_transit_minor=figures.deposits_in_transit_minor,
        deposits_in_transit_count=count(ItemType.DEPOSIT_IN_TRANSIT),
        outstanding_minor=figures.outstanding_checks_minor,
        outstanding_count=count(ItemType.OUTSTANDING_CHECK),
        bank_only_minor=figures.bank_only_minor, bank_only_count=count(ItemType.BANK_ONLY),
        adjusted_bank_balance_minor=figures.adjusted_bank_balance_minor,
        journal_balance_minor=figures.journal_balance_minor,
        client_ledgers_total_minor=figures.client_ledgers_total_minor,
        firm_ledgers_total_minor=figures.firm_ledgers_total_minor,
        positive_ledgers_total_minor=(figures.client_ledgers_total_minor
                                      + figures.firm_ledgers_total_minor - negatives),
        negative_ledger_count=len(figures.negative_ledgers), ledgers=tuple(ledgers))


@dataclass(frozen=True, slots=True)
class Line:
    number: str
    label: str
    amount_minor: int | None = None
    count: int | None = None
    answer: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class ShapedReport:
    shape: ReportShape
    title: str
    source: str
    as_of: dt.date
    currency: str
    sections: tuple[Section, ...]
    agrees: bool
    notes: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-ready values: amounts as decimal strings in the report's currency."""
        def amount(minor: int | None) -> str | None:
            return None if minor is None else format_minor(minor, self.currency)

        return {
            "shape": self.shape.value, "title": self.title, "source": self.source,
            "as_of": self.as_of.isoformat(), "currency": self.currency, "agrees": self.agrees,
            "notes": list(self.notes),
            "sections": [{"heading": section.heading, "lines": [
                {"number": line.number or None, "label": line.label,
                 "amount": amount(line.amount_minor), "count": line.count, "answer": line.answer}
                for line in section.lines]} for section in self.sections],
        }


def _day(figures: ReconciliationFigures) -> str:
    return figures.as_of.isoformat()


def _books_agree(figures: ReconciliationFigures) -> bool:
    return (figures.adjusted_bank_balance_minor == figures.journal_balance_minor
            == figures.client_ledgers_total_minor + figures.firm_ledgers_total_minor
            and figures.negative_ledger_count == 0)


def _bank_only_note(figures: ReconciliationFigures, wording: str) -> tuple[str, ...]:
    if not figures.bank_only_count:
        return ()
    return (f"{figures.bank_only_count} item(s) on the bank statement are not in the books "
            f"(net {format_minor(figures.bank_only_minor, figures.currency)} "
            f"{figures.currency}): {wording}",)


def nc_form(pack: Pack, figures: ReconciliationFigures, *, quarterly: bool) -> ShapedReport:
    """The NC State Bar reconciliation report: lines 2-7 monthly, the whole form quarterly."""
    day = _day(figures)
    adjusted = (figures.statement_balance_minor + figures.deposits_in_transit_minor
                - figures.outstanding_minor)
    agrees = adjusted == figures.journal_balance_minor and (
        not quarterly or (adjusted == figures.positive_ledgers_total_minor
                          and figures.negative_ledger_count == 0))
    lines = []
    if quarterly:
        lines.append(Line("1", f"Total of positive subsidiary ledger balances as of {day}",
                          figures.positive_ledgers_total_minor))
        lines.append(Line("", "Does any subsidiary ledger have a negative balance?",
                          answer="Yes" if figures.negative_ledger_count else "No"))
    lines += [
        Line("2", f"General ledger/checkbook register balance as of {day}",
             figures.journal_balance_minor),
        Line("3", f"Statement ending date {day} and balance", figures.statement_balance_minor),
        Line("4", "Plus: outstanding deposits made to the account through end of month but not "
                  "reflected on bank statement", figures.deposits_in_transit_minor,
             count=figures.deposits_in_transit_count),
        Line("5", "Minus: outstanding disbursements made through end of month but not reflected "
                  "on bank statement", figures.outstanding_minor,
             count=figures.outstanding_count),
        Line("6", "Adjusted bank balance", adjusted),
        Line("7", "The balance on line #6 " + ("agrees" if agrees else "does not agree")
             + (" with the balances on lines #1 and #2" if quarterly
                else " with the balance on line #2"),
             answer="agrees" if agrees else "does not agree"),
    ]
    notes = _bank_only_note(figures, "attach explanation and corrective action taken")
    if not agrees:
        notes += ("The balances do not agree: attach explanation and corrective action taken.",)
    kind = "quarterly (entire form)" if quarterly else "monthly (steps 2-7)"
    return ShapedReport(ReportShape.NC_FORM, f"{pack.report_title}, {kind}",
                        pack.cadences[0].source, figures.as_of, figures.currency,
                        (Section("Reconciliation of Lawyer's Trust Account Records", tuple(lines)),),
                        agrees, notes)


def _bank_lines(figures: ReconciliationFigures, words: Sequence[str]) -> tuple[Line, ...]:
    statement, transit, outstanding, other, adjusted = words
    return (
        Line("", statement, figures.statement_balance_minor),
        Line("", transit, figures.deposits_in_transit_minor, count=figures.deposits_in_transit_count),
        Line("", outstanding, figures.outstanding_minor, count=figures.outstanding_count),
        Line("", other, -figures.bank_only_minor, count=figures.bank_only_count),
        Line("", adjusted, figures.adjusted_bank_balance_minor),
    )


def three_way(pack: Pack, figures: ReconciliationFigures) -> ShapedReport:
    day = _day(figures)
    agrees = _books_agree(figures)
    bank = _bank_lines(figures, (f"Bank statement balance on {day}", "Plus: deposits in transit",
                                 "Less: outstanding checks and payments",
                                 "Plus or less: bank items not yet in the books",
                                 "Adjusted bank balance"))
    books = (Line("", "Trust account journal (check register) balance",
                  figures.journal_balance_minor),
             Line("", "Total of client ledger balances", figures.client_ledgers_total_minor),
             Line("", "Firm funds and other ledgers kept in trust", figures.firm_ledgers_total_minor),
             Line("", "Bank, journal and client ledgers agree",
                  answer="yes" if agrees else "no"))
    return ShapedReport(ReportShape.THREE_WAY, pack.report_title, pack.cadences[0].source,
                        figures.as_of, figures.currency,
                        (Section("Bank", bank), Section("Books", books)), agrees,
                        _bank_only_note(figures, "record them or explain them"))


def sra_statement(pack: Pack, figures: ReconciliationFigures) -> ShapedReport:
    day = _day(figures)
    agrees = _books_agree(figures)
    bank = _bank_lines(figures, (f"Balance per bank statement at {day}",
                                 "Add: receipts not yet credited by the bank",
                                 "Less: payments not yet presented",
                                 "Add or less: items on the statement not in the client cash book",
                                 "Adjusted bank balance"))
    books = (Line("", "Client cash book balance", figures.journal_balance_minor),
             Line("", "Total of the list of client ledger balances",
                  figures.client_ledgers_total_minor),
             Line("", "Other ledgers held in the client account (firm money, interest)",
                  figures.firm_ledgers_total_minor),
             Line("", "Difference: adjusted bank balance less client cash book",
                  figures.adjusted_bank_balance_minor - figures.journal_balance_minor),
             Line("", "Difference: client cash book less ledger balances",
                  figures.journal_balance_minor - figures.client_ledgers_total_minor
                  - figures.firm_ledgers_total_minor))
    notes = ("Any difference must be promptly investigated and resolved; the reconciliation is "
             "signed off by the COFA or a manager of the firm.",)
    return ShapedReport(ReportShape.SRA_STATEMENT, pack.report_title, pack.cadences[0].source,
                        figures.as_of, figures.currency,
                        (Section("Client bank account", bank), Section("Client ledgers", books)),
                        agrees, notes + _bank_only_note(figures, "investigate and resolve them"))


def trust_comparison(pack: Pack, figures: ReconciliationFigures) -> ShapedReport:
    held_for_clients = figures.adjusted_bank_balance_minor - figures.firm_ledgers_total_minor
    difference = held_for_clients - figures.client_ledgers_total_minor
    agrees = _books_agree(figures) and difference == 0
    lines = (Line("", f"Reconciled trust bank balance at {_day(figures)}",
                  figures.adjusted_bank_balance_minor),
             Line("", "Less: money in the trust account not held for clients (interest owed, "
                      "firm money)", figures.firm_ledgers_total_minor),
             Line("", "Trust money held for clients", held_for_clients),
             Line("", "Total of the clients' trust ledger balances",
                  figures.client_ledgers_total_minor),
             Line("", "Difference", difference))
    notes = () if agrees else ("The totals differ: record the reasons for the difference.",)
    return ShapedReport(ReportShape.TRUST_COMPARISON, pack.report_title, pack.cadences[0].source,
                        figures.as_of, figures.currency,
                        (Section("Monthly trust comparison", lines),), agrees,
                        notes + _bank_only_note(figures, "record the reasons"))


def nsw_statements(pack: Pack, figures: ReconciliationFigures, *,
                   prepared_on: dt.date) -> ShapedReport:
    agrees = _books_agree(figures)
    prepared = Line("", f"Date the statement was prepared: {prepared_on.isoformat()}")
    bank = _bank_lines(figures, (
        f"General trust account balance as shown in ADI records at {_day(figures)}",
        "Add: deposits not yet credited by the ADI", "Less: payments not yet debited by the ADI",
        "Add or less: ADI items not in the trust account cash book", "Reconciled ADI balance"))
    statement_a = (*bank, Line("", "Trust account cash book balance",
                               figures.journal_balance_minor), prepared)
    ledger_lines = tuple(Line(row.reference, f"{row.name}: {row.description}".strip(": "),
                              row.balance_minor) for row in figures.ledgers)
    statement_b = (Line("", "Balance of the trust ledger accounts",
                        figures.client_ledgers_total_minor + figures.firm_ledgers_total_minor),
                   Line("", "Trust account cash book balance", figures.journal_balance_minor),
                   *ledger_lines, prepared)
    return ShapedReport(ReportShape.NSW_STATEMENTS, pack.report_title, pack.cadences[0].source,
                        figures.as_of, figures.currency,
                        (Section("Statement (a): ADI records and cash book", statement_a),
                         Section("Statement (b): trust ledger accounts and cash book",
                                 statement_b)),
                        agrees, _bank_only_note(figures, "bring them to account"))


def shape(pack: Pack, figures: ReconciliationFigures, *,
          prepared_on: dt.date | None = None) -> ShapedReport:
    """The pack's report for these figures (NC: the whole form at a quarter end)."""
    from lawledger.core.jurisdictions.schedule import is_quarter_end

    builders: dict[ReportShape, Callable[[], ShapedReport]] = {
        ReportShape.NC_FORM: lambda: nc_form(pack, figures, quarterly=is_quarter_end(figures.as_of)),
        ReportShape.THREE_WAY: lambda: three_way(pack, figures),
        ReportShape.SRA_STATEMENT: lambda: sra_statement(pack, figures),
        ReportShape.TRUST_COMPARISON: lambda: trust_comparison(pack, figures),
        ReportShape.NSW_STATEMENTS: lambda: nsw_statements(pack, figures,
                                                           prepared_on=prepared_on or figures.as_of),
    }
    return builders[pack.report_shape]()
