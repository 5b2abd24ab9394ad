"""Choosing a jurisdiction applies the pack's defaults the firm has not set itself."""

from __future__ import annotations

import pytest

from lawledger.audit.models import AuditRecord
from lawledger.core.errors import UnclearedFunds
from lawledger.firm.services import firm_set, settings_as_dict
from lawledger.jurisdictions.models import SettingOrigin
from tests import factories
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db

FIRM_SHOW_KEYS = ["name", "jurisdiction", "base_currency", "uncleared_funds",
                  "clearing_business_days", "billing_increment_minutes", "invoice_prefix",
                  "time_zone", "inactive_balance_months", "earned_fees_left_days"]


def _settings(*keys: str) -> dict[str, object]:
    current = settings_as_dict()
    return {key: current[key] for key in keys}


def test_choosing_washington_holds_uncleared_funds_and_sets_its_other_defaults() -> None:
    factories.firm()
    row = firm_set(actor=OPERATOR, key="jurisdiction", value="wa")
    assert (row.jurisdiction, row.uncleared_funds, row.inactive_balance_months,
            row.time_zone) == ("wa", "hold", 36, "America/Los_Angeles")
    applied = AuditRecord.objects.get(event="jurisdiction.default_applied")
    assert (applied.object_id, applied.details) == ("wa", {"jurisdiction": "wa", "applied": {
        "uncleared_funds": {"old": "warn", "new": "hold"},
        "inactive_balance_months": {"old": "24", "new": "36"},
        "time_zone": {"old": "UTC", "new": "America/Los_Angeles"}}})
    # Other areas add their own settings: the ones the packs set are all shown.
    assert set(FIRM_SHOW_KEYS) <= set(settings_as_dict())


def test_a_setting_the_firm_chose_itself_is_kept() -> None:
    factories.firm(uncleared_funds="off", time_zone="America/Chicago")
    firm_set(actor=OPERATOR, key="jurisdiction", value="wa")
    assert _settings("uncleared_funds", "time_zone", "inactive_balance_months") == {
        "uncleared_funds": "off", "time_zone": "America/Chicago", "inactive_balance_months": 36}
    assert list(SettingOrigin.objects.filter(key="uncleared_funds")
                .values_list("origin", "value")) == [("firm", "off")]


def test_pack_defaults_follow_the_firm_from_pack_to_pack() -> None:
    factories.firm()
    firm_set(actor=OPERATOR, key="jurisdiction", value="ew")
    assert _settings("base_currency", "time_zone", "uncleared_funds") == {
        "base_currency": "GBP", "time_zone": "Europe/London", "uncleared_funds": "warn"}
    firm_set(actor=OPERATOR, key="jurisdiction", value="nsw")
    assert _settings("base_currency", "time_zone") == {"base_currency": "AUD",
                                                       "time_zone": "Australia/Sydney"}
    firm_set(actor=OPERATOR, key="base_currency", value="NZD")
    firm_set(actor=OPERATOR, key="jurisdiction", value="aba")
    assert _settings("base_currency", "time_zone") == {"base_currency": "NZD",
                                                       "time_zone": "UTC"}
    assert list(SettingOrigin.objects.filter(key="time_zone").values_list("origin", "value")) == [
        ("pack", "Europe/London"), ("pack", "Australia/Sydney"), ("pack", "UTC")]


def test_under_washington_a_disbursement_before_the_deposit_clears_is_refused() -> None:
    factories.firm()
    firm_set(actor=OPERATOR, key="jurisdiction", value="wa")
    factories.trust_account()
    matter = factories.matter()
    factories.deposit(matter, "1000.00", date="2026-03-10")
    with pytest.raises(UnclearedFunds):
        factories.disburse(matter, "100.00", date="2026-03-11")
    assert factories.balance(matter) == "1000.00"
    factories.disburse(matter, "100.00", date="2026-03-17")  # five business days later
    assert factories.balance(matter) == "900.00"
