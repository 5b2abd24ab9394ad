"""Billing maths as pure functions: increments, rates, discounts, taxes, caps, contingency tiers,
settlement statements, receivable ageing and realization.

Every amount is integer minor units; every division goes through `round_half_up_div` and every
split through `allocate` (lawledger.core.money), so each rounding rule is named and tested.
Percentages are basis points (1250 = 12.50 %), quantities are thousandths (2500 = 2.5 units),
durations are whole minutes and rates are minor units per hour.

The typed refusals of the billing rules live here too, so the core and the services raise the
same errors with the same stable codes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from lawledger.core.errors import InvalidInput, RuleViolation
from lawledger.core.money import allocate, round_half_up_div

MINUTES_PER_HOUR = 60
BASIS_POINTS = 10_000          # 100 %
QUANTITY_SCALE = 1_000         # quantities are kept in thousandths
MAX_ENTRY_MINUTES = 24 * 60    # one time entry covers at most one day
MAX_QUANTITY_THOUSANDTHS = 10**9 * QUANTITY_SCALE


# --------------------------------------------------------------------------------------------
# the billing rules' refusals (exit 1) — each with a stable code


class NothingToBill(RuleViolation):
    code = "nothing_to_bill"


class InvoiceNotDraft(RuleViolation):
    """Finalized invoices are immutable (I2): corrections are credit notes."""

    code = "invoice_finalized"


class InvoiceNotFinalized(RuleViolation):
    code = "invoice_not_finalized"


class PrebillNotApproved(RuleViolation):
    code = "prebill_not_approved"


class NoRate(RuleViolation):
    code = "no_rate"


class Overpayment(RuleViolation):
    code = "overpayment"


class EntryBilled(RuleViolation):
    code = "entry_billed"


class DraftExists(RuleViolation):
    code = "draft_exists"


class SettlementShort(RuleViolation):
    code = "settlement_short"


class LedesInvalid(RuleViolation):
    code = "ledes_invalid"


class TimekeeperWalled(RuleViolation):
    code = "timekeeper_not_on_matter"


# --------------------------------------------------------------------------------------------
# time, quantities, amounts


def billable_minutes(minutes: int, increment_minutes: int) -> int:
    """Minutes worked rounded UP to the firm's billing increment (6 → tenths of an hour)."""
    if type(minutes) is not int or type(increment_minutes) is not int:
        raise TypeError("billable_minutes takes ints")
    if increment_minutes < 1:
        raise ValueError("the billing increment is at least one minute")
    if minutes <= 0:
        return 0
    return -(-minutes // increment_minutes) * increment_minutes


def parse_minutes(text: str, *, param: str = "minutes") -> int:
    """Whole minutes, 1 to 1440 ("90"); hours are written as minutes so nothing is ever a float."""
    cleaned = (text or "").strip()
    if not re.fullmatch(r"[0-9]{1,5}", cleaned):
        raise InvalidInput(f"{param}: {text!r} is not a whole number of minutes", param=param)
    value = int(cleaned)
    if not 1 <= value <= MAX_ENTRY_MINUTES:
        raise InvalidInput(f"{param}: must be between 1 and {MAX_ENTRY_MINUTES} minutes",
                           param=param)
    return value


def fee_minor(minutes: int, rate_minor_per_hour: int) -> int:
    """The value of `minutes` at an hourly rate, rounded half up to the minor unit."""
    return round_half_up_div(minutes * rate_minor_per_hour, MINUTES_PER_HOUR)


def parse_quantity(text: str, *, param: str = "quantity") -> int:
    """"3", "2.5" or "0.125" → thousandths; more than three decimals, zero or less is refused."""
    cleaned = (text or "").strip()
    match = re.fullmatch(r"([0-9]{1,12})(?:\.([0-9]{1,3}))?", cleaned)
    if match is None:
        raise InvalidInput(f"{param}: {text!r} is not a quantity such as 1, 2.5 or 0.125",
                           param=param)
    value = int(match.group(1)) * QUANTITY_SCALE + int((match.group(2) or "").ljust(3, "0"))
    if value <= 0 or value > MAX_QUANTITY_THOUSANDTHS:
        raise InvalidInput(f"{param}: must be more than zero and at most 1000000000", param=param)
    return value


def format_quantity(thousandths: int) -> str:
    """2500 → "2.5", 1000 → "1", 125 → "0.125"."""
    whole, fraction = divmod(thousandths, QUANTITY_SCALE)
    if fraction == 0:
        return str(whole)
    return f"{whole}.{fraction:03d}".rstrip("0")


def expense_minor(quantity_thousandths: int, unit_cost_minor: int) -> int:
    """quantity × unit cost, rounded half up to the minor unit."""
    return round_half_up_div(quantity_thousandths * unit_cost_minor, QUANTITY_SCALE)


def hours_text(minutes: int) -> str:
    """Hours as a decimal string, exact when four decimals can hold it (90 → "1.5", 10 → "0.16666667")."""
    if (minutes * 10_000) % MINUTES_PER_HOUR == 0:
        whole, fraction = divmod(minutes * 10_000 // MINUTES_PER_HOUR, 10_000)
        return str(whole) if fraction == 0 else f"{whole}.{fraction:04d}".rstrip("0")
    scaled = round_half_up_div(minutes * 10**8, MINUTES_PER_HOUR)
    whole, fraction = divmod(scaled, 10**8)
    return f"{whole}.{fraction:08d}".rstrip("0")


# --------------------------------------------------------------------------------------------
# percentages, discounts, taxes


def parse_percent(text: str, *, param: str = "percent", allow_zero: bool = False) -> int:
    """"12.5", "12.5%" or "100" → basis points (1250); at most two decimals, 0 < p ≤ 100."""
    cleaned = (text or "").strip().removesuffix("%").strip()
    match = re.fullmatch(r"([0-9]{1,3})(?:\.([0-9]{1,2}))?", cleaned)
    if match is None:
        raise InvalidInput(f"{param}: {text!r} is not a percentage such as 10 or 12.5", param=param)
    value = int(match.group(1)) * 100 + int((match.group(2) or "").ljust(2, "0"))
    if value > BASIS_POINTS or (value == 0 and not allow_zero):
        raise InvalidInput(f"{param}: must be more than 0 and at most 100", param=param)
    return value


def format_basis_points(value: int) -> str:
    """1250 → "12.5", 10000 → "100", 833 → "8.33"."""
    whole, fraction = divmod(value, 100)
    return str(whole) if fraction == 0 else f"{whole}.{fraction:02d}".rstrip("0")


def percent_of(amount_minor: int, basis_points: int) -> int:
    """`basis_points` of an amount, rounded half up (the one rule for discounts and taxes)."""
    return round_half_up_div(amount_minor * basis_points, BASIS_POINTS)


@dataclass(frozen=True, slots=True)
class Discount:
    """A reduction: a percentage of its base, or a fixed amount (never more than the base)."""

    basis_points: int | None = None
    amount_minor: int | None = None

    def __post_init__(self) -> None:
        if (self.basis_points is None) == (self.amount_minor is None):
            raise ValueError("a discount is a percentage or an amount, not both")

    def of(self, base_minor: int) -> int:
        """The reduction (≥ 0) this discount takes off `base_minor` (≥ 0)."""
        if base_minor <= 0:
            return 0
        if self.basis_points is not None:
            return percent_of(base_minor, self.basis_points)
        assert self.amount_minor is not None
        return min(self.amount_minor, base_minor)


class Category(StrEnum):
    FEES = "fees"
    EXPENSES = "expenses"


class AdjustmentCode(StrEnum):
    DISCOUNT = "discount"
    FLAT_FEE = "flat_fee"
    FEE_CAP = "fee_cap"
    TAX = "tax"
    CREDIT = "credit"


@dataclass(frozen=True, slots=True)
class Adjustment:
    """An invoice-level line: signed amount on fees (LEDES IF) or expenses (LEDES IE)."""

    category: Category
    code: AdjustmentCode
    amount_minor: int
    label: str


@dataclass(frozen=True, slots=True)
class InvoiceTerms:
    """What the pre-bill calculation needs besides the item lines."""

    fee_discounts: tuple[tuple[Discount, str], ...] = ()
    expense_discounts: tuple[tuple[Discount, str], ...] = ()
    flat_fees: tuple[tuple[int, str], ...] = ()      # (amount, label) billed on this invoice
    cap_remaining_minor: int | None = None           # fees still billable under a cap
    tax_basis_points: int = 0
    tax_label: str = "Tax"
    tax_on_expenses: bool = False


def invoice_adjustments(fees_minor: int, expenses_minor: int,
                        terms: InvoiceTerms) -> list[Adjustment]:
    """The invoice-level lines, in order: discounts, flat fees, the fee cap, then taxes.

    `fees_minor` and `expenses_minor` are the sums of the item lines after their own line
    adjustments. Each discount applies to what is left after the ones before it.
    """
    out: list[Adjustment] = []
    fees = fees_minor
    for discount, label in terms.fee_discounts:
        taken = discount.of(fees)
        if taken:
            out.append(Adjustment(Category.FEES, AdjustmentCode.DISCOUNT, -taken, label))
            fees -= taken
    for amount, label in terms.flat_fees:
        out.append(Adjustment(Category.FEES, AdjustmentCode.FLAT_FEE, amount, label))
        fees += amount
    if terms.cap_remaining_minor is not None and fees > max(terms.cap_remaining_minor, 0):
        over = fees - max(terms.cap_remaining_minor, 0)
        out.append(Adjustment(Category.FEES, AdjustmentCode.FEE_CAP, -over, "Fee cap"))
        fees -= over
    expenses = expenses_minor
    for discount, label in terms.expense_discounts:
        taken = discount.of(expenses)
        if taken:
            out.append(Adjustment(Category.EXPENSES, AdjustmentCode.DISCOUNT, -taken, label))
            expenses -= taken
    rate = terms.tax_basis_points
    if rate:
        label = f"{terms.tax_label} {format_basis_points(rate)}%"
        fee_tax = percent_of(fees, rate)
        if fee_tax:
            out.append(Adjustment(Category.FEES, AdjustmentCode.TAX, fee_tax, label + " on fees"))
        expense_tax = percent_of(expenses, rate) if terms.tax_on_expenses else 0
        if expense_tax:
            out.append(Adjustment(Category.EXPENSES, AdjustmentCode.TAX, expense_tax,
                                  label + " on expenses"))
    return out


# --------------------------------------------------------------------------------------------
# rates: precedence matter > client > timekeeper, effective-dated


class RateScope(StrEnum):
    MATTER = "matter"
    CLIENT = "client"
    TIMEKEEPER = "timekeeper"


_SCOPE_RANK = {RateScope.MATTER: 0, RateScope.CLIENT: 1, RateScope.TIMEKEEPER: 2}


@dataclass(frozen=True, slots=True)
class RateCandidate:
    scope: RateScope
    effective_from: dt.date
    sequence: int                  # recording order: a later rate on the same date replaces
    rate_minor_per_hour: int
    currency: str


def choose_rate(candidates: Iterable[RateCandidate], on: dt.date) -> RateCandidate | None:
    """The rate for work done `on`: the most specific scope that has a rate in effect that day,
    and within that scope the latest effective date (then the latest recorded)."""
    best: RateCandidate | None = None
    for candidate in candidates:
        if candidate.effective_from > on:
            continue
        if best is None:
            best = candidate
            continue
        key = (-_SCOPE_RANK[candidate.scope], candidate.effective_from, candidate.sequence)
        best_key = (-_SCOPE_RANK[best.scope], best.effective_from, best.sequence)
        if key > best_key:
            best = candidate
    return best


# --------------------------------------------------------------------------------------------
# contingency fees and settlement statements


@dataclass(frozen=True, slots=True)
class Tier:
    """`basis_points` of the recovery up to `up_to_minor` (None: everything above the last tier)."""

    up_to_minor: int | None
    basis_points: int


def check_tiers(tiers: Sequence[Tier]) -> None:
    if not tiers:
        raise InvalidInput("tier: a contingency fee needs at least one tier", param="tier")
    previous = 0
    for index, tier in enumerate(tiers):
        if not 0 <= tier.basis_points <= BASIS_POINTS:
            raise InvalidInput("tier: a percentage is between 0 and 100", param="tier")
        last = index == len(tiers) - 1
        if tier.up_to_minor is None and not last:
            raise InvalidInput("tier: only the last tier is open-ended", param="tier")
        if tier.up_to_minor is not None and tier.up_to_minor <= previous:
            raise InvalidInput("tier: the tiers' limits must rise", param="tier")
        previous = tier.up_to_minor if tier.up_to_minor is not None else previous
    if tiers[-1].up_to_minor is not None:
        raise InvalidInput("tier: the last tier must be open-ended (no limit)", param="tier")


def contingency_fee(gross_minor: int, tiers: Sequence[Tier]) -> int:
    """The fee on a recovery: each tier's percentage of the part of the recovery inside it."""
    check_tiers(tiers)
    fee = 0
    lower = 0
    for tier in tiers:
        upper = gross_minor if tier.up_to_minor is None else min(gross_minor, tier.up_to_minor)
        if upper > lower:
            fee += percent_of(upper - lower, tier.basis_points)
        if tier.up_to_minor is None or gross_minor <= tier.up_to_minor:
            break
        lower = tier.up_to_minor
    return fee


@dataclass(frozen=True, slots=True)
class SettlementStatement:
    gross_minor: int
    fee_minor: int
    costs_minor: int
    liens: tuple[tuple[str, int], ...]
    net_to_client_minor: int


def settlement_statement(gross_minor: int, tiers: Sequence[Tier], costs_minor: int,
                         liens: Sequence[tuple[str, int]] = ()) -> SettlementStatement:
    """Gross recovery less the fee, the costs and any liens paid on: what the client receives."""
    if gross_minor <= 0:
        raise InvalidInput("gross: a settlement recovers more than zero", param="gross")
    fee = contingency_fee(gross_minor, tiers)
    net = gross_minor - fee - costs_minor - sum(amount for _, amount in liens)
    if net < 0:
        raise SettlementShort("the fee, costs and liens exceed the gross recovery",
                              param="gross")
    return SettlementStatement(gross_minor, fee, costs_minor, tuple(liens), net)


# --------------------------------------------------------------------------------------------
# receivables: ageing and realization


AGING_BUCKETS = ("current", "30", "60", "90", "120+")


def aging_bucket(invoice_date: dt.date, as_of: dt.date) -> str:
    """current: under 30 days since the invoice date; then 30-59, 60-89, 90-119, 120 and more."""
    days = (as_of - invoice_date).days
    if days < 30:
        return "current"
    if days < 60:
        return "30"
    if days < 90:
        return "60"
    if days < 120:
        return "90"
    return "120+"


def age_receivables(items: Iterable[tuple[dt.date, int]], as_of: dt.date) -> dict[str, int]:
    """Sum open balances (invoice date, balance) into the ageing buckets."""
    totals = dict.fromkeys(AGING_BUCKETS, 0)
    for invoice_date, balance_minor in items:
        totals[aging_bucket(invoice_date, as_of)] += balance_minor
    return totals


def permille(part: int, whole: int) -> int | None:
    """part/whole in tenths of a percent, rounded half up; None when there is no whole."""
    if whole == 0:
        return None
    return round_half_up_div(part * 1000, whole)


def format_permille(value: int | None) -> str | None:
    """934 → "93.4" (a percentage with one decimal)."""
    if value is None:
        return None
    sign = "-" if value < 0 else ""
    whole, tenth = divmod(abs(value), 10)
    return f"{sign}{whole}.{tenth}"


def split_by_weights(total_minor: int, weights: Sequence[int]) -> list[int]:
    """A payment or credit spread over lines in proportion to their amounts (sums back exactly)."""
    if not weights or sum(max(w, 0) for w in weights) == 0:
        return [0] * len(weights)
    return allocate(total_minor, [max(w, 0) for w in weights])
