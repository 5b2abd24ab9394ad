"""The pure rules of the packs: retention dates, residual and unclaimed balances, required record
fields, notice dates, and the registry that makes adding a pack easy."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from lawledger.core.jurisdictions import all_packs, codes, get_pack, register
from lawledger.core.jurisdictions.model import NoticeKind
from lawledger.core.jurisdictions.notices import (
    annual_accounting_due,
    annual_accounting_start,
    last_statement_year,
    receipt_due,
    statement_required,
)
from lawledger.core.jurisdictions.records import missing_fields
from lawledger.core.jurisdictions.residual import (
    ResidualRequest,
    Status,
    months_between,
    problems,
    status,
)
from lawledger.core.jurisdictions.retention import KeepUntil, RecordFacts, add_years, keep_until

D = dt.date.fromisoformat
CLOSED_MATTER = {"has_matter": True, "matter_closed_on": D("2026-06-30"),
                 "matter_balance_minor": 0, "matter_last_entry_on": D("2026-07-15")}

# (pack, the record's date, its matter's facts, the last day it must be kept)
RETENTION_TABLE = [
    ("aba", "2026-03-10", CLOSED_MATTER, "2031-06-30"),   # 5 years after the representation
    ("aba", "2026-03-10", {}, "2031-03-10"),              # a bank charge: from its own date
    ("wa", "2026-03-10", CLOSED_MATTER, "2033-03-10"),    # 7 years after the event
    ("wa", "2024-02-29", CLOSED_MATTER, "2031-02-28"),    # leap day into a common year
    ("ca", "2026-03-10", CLOSED_MATTER, "2031-07-15"),    # 5 years after final distribution
    ("fl", "2026-03-10", CLOSED_MATTER, "2032-06-30"),    # 6 years after the representation
    ("nc", "2026-03-10", CLOSED_MATTER, "2032-03-10"),    # 6 years
    ("ew", "2026-03-10", CLOSED_MATTER, "2032-03-10"),    # 6 years
    ("on", "2026-03-10", CLOSED_MATTER, "2036-12-31"),    # 10 years plus the current year
    ("on", "2026-12-31", CLOSED_MATTER, "2036-12-31"),
    ("nsw", "2026-03-10", CLOSED_MATTER, "2033-07-15"),   # 7 years after the last transaction
]


@pytest.mark.parametrize(("code", "record_date", "matter", "expected"), RETENTION_TABLE)
def test_a_trust_record_is_kept_until_the_pack_says(code: str, record_date: str,
                                                    matter: dict[str, object],
                                                    expected: str) -> None:
    result = keep_until(get_pack(code).retention, RecordFacts(D(record_date), **matter))  # type: ignore[arg-type]
    assert result.date == D(expected)
    assert not result.allows_purge_on(D(expected))
    assert result.allows_purge_on(D(expected) + dt.timedelta(days=1))


def test_nothing_is_released_while_the_matter_holds_money_or_its_period_has_not_started() -> None:
    held = RecordFacts(D("2010-01-01"), True, D("2012-01-01"), 100, D("2010-01-01"))
    for pack in all_packs():
        assert keep_until(pack.retention, held) == KeepUntil(
            None, "the matter still holds trust money")
    open_matter = RecordFacts(D("2010-01-01"), True, None, 0, D("2010-01-01"))
    assert keep_until(get_pack("aba").retention, open_matter) == KeepUntil(
        None, "the representation has not ended (the matter is open)")
    assert keep_until(get_pack("fl").retention, open_matter).date is None
    assert keep_until(get_pack("wa").retention, open_matter).date == D("2017-01-01")


def test_the_reason_says_what_the_period_runs_from() -> None:
    result = keep_until(get_pack("aba").retention, RecordFacts(D("2026-03-10"), **CLOSED_MATTER))  # type: ignore[arg-type]
    assert result.reason == "5 years after the end of the representation (2026-06-30)"
    result = keep_until(get_pack("on").retention, RecordFacts(D("2026-03-10")))
    assert result.reason == "the end of fiscal year 2036 (10 years plus the current year)"


def test_add_years_keeps_the_day_and_moves_29_february_to_28() -> None:
    assert [add_years(D(d), n) for d, n in (("2026-03-10", 5), ("2024-02-29", 1),
                                             ("2024-02-29", 4))] == [
        D("2031-03-10"), D("2025-02-28"), D("2028-02-29")]


def test_the_sra_lets_500_00_go_to_charity_but_not_500_01_without_authorisation() -> None:
    rule = get_pack("ew").unclaimed
    assert status(rule, 50_000, "GBP", None) is Status.ELIGIBLE
    assert status(rule, 50_001, "GBP", None) is Status.NEEDS_AUTHORISATION
    assert status(rule, 100, "EUR", None) is Status.NEEDS_AUTHORISATION
    request = ResidualRequest(50_000, "GBP", 30, "", "Shelter", "263710", "letters, a trace")
    assert problems(rule, request) == []
    over = dataclasses.replace(request, balance_minor=50_001)
    (problem,) = problems(rule, over)
    assert (problem.code, problem.param, problem.is_input) == (
        "residual_balance_needs_authorisation", "authorisation", False)
    assert problem.message.startswith(
        "500.01 GBP is more than 500.00 GBP: the SRA must authorise it first")
    assert problems(rule, dataclasses.replace(over, authorisation_reference="SRA/123")) == []


def test_a_charity_payment_needs_the_charity_its_number_and_the_steps_taken() -> None:
    rule = get_pack("ew").unclaimed
    found = problems(rule, ResidualRequest(1_000, "GBP", 30))
    assert [(p.code, p.param) for p in found] == [
        ("invalid_input", "steps"), ("invalid_input", "to"), ("invalid_input", "charity_number")]


def test_ontario_pays_to_the_unclaimed_trust_fund_only_after_two_years() -> None:
    rule = get_pack("on").unclaimed
    assert months_between(D("2024-03-15"), D("2026-03-14")) == 23
    assert months_between(D("2024-03-15"), D("2026-03-15")) == 24
    assert status(rule, 5_000, "CAD", 23) is Status.TOO_RECENT
    assert status(rule, 5_000, "CAD", 24) is Status.ELIGIBLE
    assert status(rule, 0, "CAD", 40) is Status.NOTHING_HELD
    (problem,) = problems(rule, ResidualRequest(5_000, "CAD", 23, steps_taken="letters"))
    assert (problem.code, problem.message) == (
        "unclaimed_too_recent", "the money must be held for at least 24 months without activity "
        "first (23 so far; Law Society Act, s. 59.6 (held at least two years))")
    assert rule.destination == "Law Society of Ontario (Unclaimed Trust Fund)"


def test_required_fields_are_named_with_the_rule_that_requires_them() -> None:
    wa = get_pack("wa")
    missing = missing_fields(wa, "disbursement", "check",
                             {"payee": "Court", "purpose": "", "check_number": None})
    assert [(m.field, m.source) for m in missing] == [
        ("check_number", "RPC 1.15B(a)(1)(iii)"), ("purpose", "RPC 1.15B(a)(2)(i)")]
    assert missing_fields(wa, "disbursement", "wire", {"payee": "Court", "purpose": "fee"}) == ()
    aba = get_pack("aba")
    assert [m.field for m in missing_fields(aba, "disbursement", "wire",
                                            {"payee": "X", "purpose": "Y"})] == ["reference"]
    assert [m.field for m in missing_fields(get_pack("on"), "transfer", "internal",
                                            {"memo": None})] == ["memo"]


def test_notice_dates() -> None:
    receipt = get_pack("ca").notice(NoticeKind.RECEIPT)
    assert receipt is not None and receipt.source == "rule 1.15(d)(1)"
    assert receipt_due(receipt, D("2026-03-10")) == D("2026-03-24")
    assert annual_accounting_start(None, D("2026-03-10")) == D("2026-03-10")
    assert annual_accounting_start(D("2027-03-09"), D("2026-03-10")) == D("2027-03-10")
    assert annual_accounting_due(D("2026-03-10")) == D("2027-03-10")
    statement = get_pack("nsw").notice(NoticeKind.TRUST_STATEMENT)
    assert statement is not None
    year = last_statement_year(statement, D("2026-07-01"))
    assert (year.period_start, year.period_end, year.due_on) == (
        D("2025-07-01"), D("2026-06-30"), D("2026-07-31"))
    assert last_statement_year(statement, D("2026-06-30")).period_end == D("2025-06-30")


def test_rule_52_5_excuses_a_statement_for_a_quiet_empty_ledger() -> None:
    end = D("2026-06-30")
    assert statement_required(balance_at_period_end_minor=1, last_transaction_on=D("2020-01-01"),
                              last_statement_on=None, period_end=end)
    assert not statement_required(balance_at_period_end_minor=0,
                                  last_transaction_on=D("2025-06-30"), last_statement_on=None,
                                  period_end=end)
    assert statement_required(balance_at_period_end_minor=0, last_transaction_on=D("2025-07-01"),
                              last_statement_on=None, period_end=end)
    assert not statement_required(balance_at_period_end_minor=0,
                                  last_transaction_on=D("2025-09-01"),
                                  last_statement_on=D("2025-10-01"), period_end=end)


def test_a_new_pack_is_one_register_call_and_codes_stay_unique() -> None:
    pack = dataclasses.replace(get_pack("aba"), code="zz", name="A test pack")
    try:
        register(pack)
        assert get_pack("ZZ") is pack
        assert codes()[-1] == "zz"
        with pytest.raises(ValueError, match="already registered"):
            register(dataclasses.replace(pack, name="another"))
    finally:
        from lawledger.core.jurisdictions import registry

        registry._PACKS.pop("zz", None)
    with pytest.raises(ValueError, match="lower-case"):
        register(dataclasses.replace(pack, code="Bad Code"))


def test_every_pack_default_is_a_valid_firm_setting_and_every_rule_has_a_source() -> None:
    from lawledger.firm.settings_spec import JURISDICTIONS, SETTINGS

    assert codes() == JURISDICTIONS
    for pack in all_packs():
        for key, value in pack.defaults:
            SETTINGS[key].parse(key, value)
        assert all(rule.source and rule.text for rule in pack.rules)
        assert pack.retention.source and pack.unclaimed.source
