"""Matching bank lines to journal entries: pure, indexed, linear in the number of lines.

A bank line and a journal entry match when they are the same movement of money seen from the bank
and from the books. `propose_matches` runs passes in order of certainty; each pass consumes what it
matched, so a line or an entry is in at most one proposal, and every proposal balances: the sum of
its bank amounts equals the sum of its book amounts (both signed from the bank's side).

1. check number + amount                                          confidence 100 (90 if early)
2. reference (the bank's end-to-end id or reference = the entry's reference) + amount       95
3. amount + date window (a returned item against a reversal is `returned_item`)         90 → 60
4. deposit slip: one bank deposit = several book deposits (those recorded with one slip
   reference, else a whole day, else a bounded subset sum of the nearest)          90 / 85 / 70
5. bank reversals: a returned or reversed bank line cancels an earlier bank line of the
   opposite amount that the books never had                                                  80
6. book reversals: an entry and its reversal that the bank never saw                        100

Nothing here is O(n²): entries are indexed by check number, reference and amount; the date-window
pass walks a per-amount list sorted by date; the subset sum looks at a bounded number of
candidates with a bounded search budget.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from operator import attrgetter
from typing import NamedTuple


class MatchMethod(StrEnum):
    CHECK_NUMBER = "check_number"
    REFERENCE = "reference"
    AMOUNT_DATE = "amount_date"
    RETURNED_ITEM = "returned_item"
    DEPOSIT_SLIP = "deposit_slip"
    BANK_REVERSAL = "bank_reversal"
    BOOK_REVERSAL = "book_reversal"
    MANUAL = "manual"
    BANK_ONLY_POSTED = "bank_only_posted"


@dataclass(frozen=True, slots=True)
class BankItem:
    """One bank line: `amount_minor` signed from the account holder's side (+ in, - out)."""

    key: int
    posted_on: dt.date
    amount_minor: int
    kind: str = "other"                   # lawledger.core.formats.statement.LineKind value
    references: tuple[str, ...] = ()      # bank reference, end-to-end id
    check_number: str = ""


@dataclass(frozen=True, slots=True)
class BookItem:
    """One journal entry as the bank should see it: `amount_minor` signed from the bank's side."""

    key: int
    effective_date: dt.date
    amount_minor: int
    kind: str = ""                        # lawledger.core.ledger.EntryKind value
    check_number: str = ""
    reference: str = ""
    reverses: int | None = None           # key of the entry this one reverses


class Proposal(NamedTuple):  # a tuple: millions are made per second on a big firm's year
    method: MatchMethod
    confidence: int                       # 0-100
    bank_keys: tuple[int, ...]
    book_keys: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class MatchRules:
    window_days: int = 7          # the bank shows a book item up to this many days after its date
    lead_days: int = 3            # … or this many days before it (a late-dated entry)
    slip_window_days: int = 5
    slip_max_entries: int = 8
    slip_max_candidates: int = 16
    slip_search_budget: int = 1500


_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]+")


def normalise_check_number(text: str) -> str:
    """"00558", "558 " and "#558" are one check; "" means none."""
    kept = text if text.isdigit() else _NOT_ALNUM.sub("", text).upper()
    return kept.lstrip("0") or ("0" if kept else "")


def normalise_reference(text: str) -> str:
    kept = text.upper() if text.isalnum() else _NOT_ALNUM.sub("", text).upper()
    return "" if kept in _NO_REFERENCE else kept


_NO_REFERENCE = frozenset({"", "NONREF", "NOTPROVIDED", "NONE", "0"})


class _Pool:
    """The book entries still unmatched, indexed in one pass: by key, by amount (each amount's
    entries sorted by date), by (check number, amount) and by (reference, amount)."""

    def __init__(self, items: Iterable[BookItem]) -> None:
        self.by_key: dict[int, BookItem] = {}
        self.by_amount: dict[int, list[BookItem]] = {}
        self.checks: dict[tuple[str, int], list[BookItem]] = {}
        self.references: dict[tuple[str, int], list[BookItem]] = {}
        self.reversed: set[int] = set()
        self.used: set[int] = set()
        for item in items:
            self.by_key[item.key] = item
            amount = item.amount_minor
            group = self.by_amount.get(amount)
            if group is None:
                self.by_amount[amount] = [item]
            else:
                group.append(item)
            if item.check_number:
                number = _check_key(item.check_number)
                if number:
                    self.checks.setdefault((number, amount), []).append(item)
            if item.reference:
                reference = normalise_reference(item.reference)
                if reference:
                    self.references.setdefault((reference, amount), []).append(item)
            if item.reverses is not None:
                self.reversed.add(item.reverses)
        for group in self.by_amount.values():
            if len(group) > 1:
                group.sort(key=_date_and_key)

    def take(self, keys: Iterable[int]) -> None:
        self.used.update(keys)

    def free(self, key: int) -> bool:
        return key not in self.used

    def first_free(self, candidates: list[BookItem] | None) -> BookItem | None:
        """The earliest unmatched of `candidates` (an exact index's entries)."""
        if not candidates:
            return None
        used = self.used
        if len(candidates) == 1:
            return None if candidates[0].key in used else candidates[0]
        free = [b for b in candidates if b.key not in used]
        return min(free, key=_date_and_key) if free else None

    def in_window(self, amount: int, low: int, high: int) -> list[BookItem]:
        group = self.by_amount.get(amount)
        if group is None:
            return []
        used = self.used
        if len(group) == 1:
            item = group[0]
            ordinal = item.effective_date.toordinal()
            return [item] if low <= ordinal <= high and item.key not in used else []
        found = []
        for item in group:  # date-sorted; the entries of one amount are few in practice
            ordinal = item.effective_date.toordinal()
            if ordinal > high:
                break
            if ordinal >= low and item.key not in used:
                found.append(item)
        return found


def _check_key(text: str) -> str:
    return (text.lstrip("0") or "0") if text.isdigit() else normalise_check_number(text)


def _date_and_key(item: BookItem) -> tuple[dt.date, int]:
    return item.effective_date, item.key


DEFAULT_RULES = MatchRules()


def propose_matches(bank: Sequence[BankItem], book: Sequence[BookItem],
                    rules: MatchRules = DEFAULT_RULES) -> list[Proposal]:
    """Proposals for the unmatched `bank` lines and `book` entries of one bank account."""
    pool = _Pool(book)
    proposals: list[Proposal] = []
    open_bank = _by_check_number(list(bank), pool, rules, proposals)
    open_bank = _by_reference(open_bank, pool, proposals)
    # The date-window passes take the lines in date order (the exact passes need no order).
    open_bank.sort(key=attrgetter("posted_on", "key"))
    open_bank = _by_amount_and_date(open_bank, pool, rules, proposals)
    open_bank = _by_deposit_slip(open_bank, pool, rules, proposals)
    _bank_reversals(open_bank, rules, proposals)
    _book_reversals(pool, proposals)
    return proposals


def _by_check_number(open_bank: list[BankItem], pool: _Pool, rules: MatchRules,
                     proposals: list[Proposal]) -> list[BankItem]:
    if not pool.checks:
        return open_bank
    left: list[BankItem] = []
    keep, propose, checks = left.append, proposals.append, pool.checks
    lead_days = rules.lead_days
    for line in open_bank:
        chosen = pool.first_free(checks.get((_check_key(line.check_number), line.amount_minor))
                                 ) if line.check_number else None
        if chosen is None:
            keep(line)
            continue
        pool.used.add(chosen.key)
        early = (chosen.effective_date - line.posted_on).days > lead_days
        propose(Proposal(MatchMethod.CHECK_NUMBER, 90 if early else 100, (line.key,),
                         (chosen.key,)))
    return left


def _by_reference(open_bank: list[BankItem], pool: _Pool,
                  proposals: list[Proposal]) -> list[BankItem]:
    if not pool.references:
        return open_bank
    left: list[BankItem] = []
    for line in open_bank:
        chosen = None
        for raw in line.references:
            if raw:
                chosen = pool.first_free(pool.references.get((normalise_reference(raw),
                                                              line.amount_minor)))
                if chosen is not None:
                    break
        if chosen is None:
            left.append(line)
            continue
        pool.used.add(chosen.key)
        proposals.append(Proposal(MatchMethod.REFERENCE, 95, (line.key,), (chosen.key,)))
    return left


def _date_confidence(distance_days: int, ambiguous: bool) -> int:
    confidence = max(60, 90 - 4 * distance_days)
    return min(confidence, 55) if ambiguous else confidence


def _by_amount_and_date(open_bank: list[BankItem], pool: _Pool, rules: MatchRules,
                        proposals: list[Proposal]) -> list[BankItem]:
    left = []
    reversed_keys = pool.reversed
    for line in open_bank:
        day = line.posted_on.toordinal()
        candidates = pool.in_window(line.amount_minor, day - rules.window_days,
                                    day + rules.lead_days)
        if not candidates:
            left.append(line)
            continue
        returned = line.kind == "returned"
        # A returned item is explained by a reversal in the books, and only a returned item is:
        # a reversal matched to an ordinary line would leave the entry it reverses outstanding.
        candidates = [b for b in candidates if (b.reverses is not None) is returned]
        if len(candidates) > 1 and reversed_keys:
            # An entry with its own reversal in the books comes last: the two cancel each other.
            candidates = [b for b in candidates if b.key not in reversed_keys] or candidates
        if not candidates:
            left.append(line)
            continue
        if len(candidates) == 1:
            chosen = candidates[0]
            distance = abs(chosen.effective_date.toordinal() - day)
            tied = False
        else:
            chosen = min(candidates, key=lambda b: (abs(b.effective_date.toordinal() - day),
                                                    b.effective_date, b.key))
            distance = abs(chosen.effective_date.toordinal() - day)
            tied = sum(1 for b in candidates
                       if abs(b.effective_date.toordinal() - day) == distance) > 1
        pool.used.add(chosen.key)
        confidence = _date_confidence(distance, tied)
        if returned:
            proposals.append(Proposal(MatchMethod.RETURNED_ITEM, min(100, confidence + 5),
                                      (line.key,), (chosen.key,)))
        else:
            proposals.append(Proposal(MatchMethod.AMOUNT_DATE, confidence, (line.key,),
                                      (chosen.key,)))
    return left


def _by_deposit_slip(open_bank: list[BankItem], pool: _Pool, rules: MatchRules,
                     proposals: list[Proposal]) -> list[BankItem]:
    by_day: dict[int, list[BookItem]] = defaultdict(list)
    by_slip: dict[tuple[str, int], list[BookItem]] = defaultdict(list)
    for item in sorted(pool.by_key.values(), key=lambda b: b.key):
        if (item.amount_minor > 0 and pool.free(item.key) and item.reverses is None
                and item.key not in pool.reversed):
            by_day[item.effective_date.toordinal()].append(item)
            reference = normalise_reference(item.reference)
            if reference:
                by_slip[(reference, item.effective_date.toordinal())].append(item)
    if not by_day:
        return open_bank
    slip_totals: dict[int, list[list[BookItem]]] = defaultdict(list)
    for group in by_slip.values():
        if len(group) >= 2:
            slip_totals[sum(b.amount_minor for b in group)].append(group)
    left = []
    for line in open_bank:
        found = None
        if line.amount_minor > 0:
            found = _named_slip(line, slip_totals, pool, rules)
        if found is None and line.amount_minor > 0:
            found = _slip_for(line, by_day, pool, rules)
        if found is None:
            left.append(line)
            continue
        items, confidence = found
        pool.take(b.key for b in items)
        proposals.append(Proposal(MatchMethod.DEPOSIT_SLIP, confidence, (line.key,),
                                  tuple(sorted(b.key for b in items))))
    return left


def _named_slip(line: BankItem, slip_totals: dict[int, list[list[BookItem]]], pool: _Pool,
                rules: MatchRules) -> tuple[list[BookItem], int] | None:
    """Receipts recorded with one deposit-slip reference on one day, totalling the bank line."""
    day = line.posted_on.toordinal()
    for group in slip_totals.get(line.amount_minor, ()):
        slip_day = group[0].effective_date.toordinal()
        if (day - rules.slip_window_days <= slip_day <= day + rules.lead_days
                and all(pool.free(b.key) for b in group)):
            return group, 90
    return None


def _slip_for(line: BankItem, by_day: dict[int, list[BookItem]], pool: _Pool,
              rules: MatchRules) -> tuple[list[BookItem], int] | None:
    """The book deposits that one bank deposit is the total of, nearest days first."""
    day = line.posted_on.toordinal()
    offsets = [0]
    for distance in range(1, max(rules.slip_window_days, rules.lead_days) + 1):
        if distance <= rules.slip_window_days:
            offsets.append(-distance)
        if distance <= rules.lead_days:
            offsets.append(distance)
    nearest: list[BookItem] = []
    for offset in offsets:
        group = [b for b in by_day.get(day + offset, ())[:_DAY_SCAN_LIMIT]
                 if pool.free(b.key) and b.amount_minor < line.amount_minor]
        if len(group) >= 2 and sum(b.amount_minor for b in group) == line.amount_minor:
            return group, 85  # the whole day's receipts went to the bank on one slip
        if len(nearest) < rules.slip_max_candidates:
            nearest.extend(group[:rules.slip_max_candidates - len(nearest)])
    found = subset_with_sum(nearest, line.amount_minor, rules.slip_max_entries,
                            rules.slip_search_budget)
    return (found, 70) if found is not None else None


# A day with more receipts than this is not searched as one deposit slip.
_DAY_SCAN_LIMIT = 200


def subset_with_sum(items: Sequence[BookItem], target: int, max_size: int,
                    budget: int) -> list[BookItem] | None:
    """Two or more of `items` (positive amounts) summing exactly to `target`, or None.

    Depth-first over the amounts in descending order, pruned by the remaining suffix sum; gives up
    after `budget` steps so that one awkward deposit can never stall an import.
    """
    ordered = sorted(items, key=lambda b: (-b.amount_minor, b.key))
    suffix = [0] * (len(ordered) + 1)
    for index in range(len(ordered) - 1, -1, -1):
        suffix[index] = suffix[index + 1] + ordered[index].amount_minor
    steps = 0
    chosen: list[int] = []

    def search(start: int, remaining: int) -> bool:
        nonlocal steps
        if remaining == 0:
            return len(chosen) >= 2
        if len(chosen) >= max_size or suffix[start] < remaining:
            return False
        for index in range(start, len(ordered)):
            steps += 1
            if steps > budget:
                return False
            amount = ordered[index].amount_minor
            if amount > remaining:
                continue
            if suffix[index] < remaining:
                return False
            chosen.append(index)
            if search(index + 1, remaining - amount):
                return True
            chosen.pop()
        return False

    if search(0, target):
        return [ordered[index] for index in chosen]
    return None


def _bank_reversals(open_bank: list[BankItem], rules: MatchRules,
                    proposals: list[Proposal]) -> None:
    by_amount: dict[int, list[BankItem]] = defaultdict(list)
    for line in open_bank:
        by_amount[line.amount_minor].append(line)
    used: set[int] = set()
    for line in open_bank:
        if line.kind != "returned" or line.key in used:
            continue
        candidates = [other for other in by_amount.get(-line.amount_minor, ())
                      if other.key not in used and other.key != line.key
                      and 0 <= (line.posted_on - other.posted_on).days <= rules.window_days]
        if not candidates:
            continue
        original = max(candidates, key=lambda other: (other.posted_on, -other.key))
        used.update((line.key, original.key))
        proposals.append(Proposal(MatchMethod.BANK_REVERSAL, 80,
                                  tuple(sorted((line.key, original.key))), ()))


def _book_reversals(pool: _Pool, proposals: list[Proposal]) -> None:
    for item in sorted(pool.by_key.values(), key=lambda b: b.key):
        if item.reverses is None or not pool.free(item.key):
            continue
        original = pool.by_key.get(item.reverses)
        if original is None or not pool.free(original.key):
            continue
        if original.amount_minor + item.amount_minor != 0:
            continue
        pool.take([item.key, original.key])
        proposals.append(Proposal(MatchMethod.BOOK_REVERSAL, 100, (),
                                  tuple(sorted((original.key, item.key)))))


def check_balanced_match(bank_amounts: Iterable[int], book_amounts: Iterable[int]) -> bool:
    """A match by hand must move the same money on both sides (and have something on one side)."""
    bank_list = list(bank_amounts)
    book_list = list(book_amounts)
    if not bank_list and not book_list:
        return False
    return sum(bank_list) == sum(book_list)
