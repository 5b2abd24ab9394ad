"""Unclaimed and residual client balances: may this balance be paid away, and on what terms?

Ontario lets a licensee pay money held in trust for two years to the Law Society's unclaimed trust
fund; the SRA lets a firm pay a residual balance of up to £500 to a charity, with records, and
needs its authorisation above that; other packs remit to a public fund or administrator. The
decision is made here as values (every problem found, each with a stable code) so the report can
say what would be refused before anyone tries, and the service refuses with the same words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from lawledger.core.jurisdictions.model import UnclaimedKind, UnclaimedRule
from lawledger.core.money import format_minor


class Status(StrEnum):
    ELIGIBLE = "eligible"                          # may be paid now, with the records
    NEEDS_AUTHORISATION = "needs_authorisation"    # above the threshold: authorisation first
    TOO_RECENT = "too_recent"                      # not inactive long enough yet
    NOTHING_HELD = "nothing_held"


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    message: str
    param: str
    is_input: bool = False  # bad input (exit 2) rather than a refused rule (exit 1)


@dataclass(frozen=True, slots=True)
class ResidualRequest:
    balance_minor: int
    currency: str
    months_inactive: int | None
    authorisation_reference: str = ""
    payee: str = ""
    charity_number: str = ""
    steps_taken: str = ""


def months_between(start: dt.date | None, end: dt.date) -> int | None:
    """Whole months from `start` to `end` (a month is complete on the same day of the month)."""
    if start is None:
        return None
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


def status(rule: UnclaimedRule, balance_minor: int, currency: str,
           months_inactive: int | None) -> Status:
    if balance_minor <= 0:
        return Status.NOTHING_HELD
    if rule.after_months is not None and (months_inactive is None
                                          or months_inactive < rule.after_months):
        return Status.TOO_RECENT
    if needs_authorisation(rule, balance_minor, currency):
        return Status.NEEDS_AUTHORISATION
    return Status.ELIGIBLE


def needs_authorisation(rule: UnclaimedRule, balance_minor: int, currency: str) -> bool:
    """Above the threshold (or in another currency than the threshold's): authorisation first."""
    limit = rule.without_authorisation_max_minor
    if limit is None:
        return False
    return currency != rule.threshold_currency or balance_minor > limit


def problems(rule: UnclaimedRule, request: ResidualRequest) -> list[Problem]:
    """Everything that stops this payment; empty when it may be made."""
    found: list[Problem] = []
    if not request.steps_taken.strip():
        found.append(Problem("invalid_input", "steps: record the steps taken to trace and repay "
                             "the owner", "steps", is_input=True))
    if rule.kind is UnclaimedKind.CHARITY:
        if not request.payee.strip():
            found.append(Problem("invalid_input", "to: name the charity", "to", is_input=True))
        if not request.charity_number.strip():
            found.append(Problem("invalid_input", "charity_number: the charity's registered "
                                 "number is part of the record", "charity_number",
                                 is_input=True))
    current = status(rule, request.balance_minor, request.currency, request.months_inactive)
    if current is Status.NOTHING_HELD:
        found.append(Problem("nothing_to_pay", "the client ledger holds nothing", "matter"))
    elif current is Status.TOO_RECENT:
        found.append(Problem(
            "unclaimed_too_recent",
            f"the money must be held for at least {rule.after_months} months without activity "
            f"first ({request.months_inactive or 0} so far; {rule.source})", "date"))
    elif current is Status.NEEDS_AUTHORISATION and not request.authorisation_reference.strip():
        limit = rule.without_authorisation_max_minor or 0
        found.append(Problem(
            "residual_balance_needs_authorisation",
            f"{format_minor(request.balance_minor, request.currency)} {request.currency} is more "
            f"than {format_minor(limit, rule.threshold_currency)} {rule.threshold_currency}: "
            f"{rule.authority} must authorise it first; give its reference ({rule.source})",
            "authorisation"))
    return found
