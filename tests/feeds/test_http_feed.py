"""A feed against a fake bank on loopback that pages, repeats, reorders, times out and answers
errors: after enough runs every line is imported exactly once, and a failing run shows."""

from __future__ import annotations

import pytest

from lawledger.banking.feeds.errors import FeedLineInvalid, FeedUnavailable
from lawledger.banking.feeds.queries import feeds_needing_attention, feeds_status
from lawledger.banking.feeds.services import feed_add, feed_sync, feeds_sync_all
from lawledger.banking.models import BankLine
from tests import factories
from tests.factories import OPERATOR
from tests.feeds.fake_bank import FakeBank, serving, transactions

pytestmark = pytest.mark.django_db


@pytest.fixture
def account() -> str:
    return factories.trust_firm()["account"]


def _add(account: str, url: str) -> str:
    return feed_add(actor=OPERATOR, account=account, connector="http_json",
                    settings={"base_url": url, "remote_account": "iolta-1",
                              "timeout_seconds": 0.4})["id"]


def _references() -> list[str]:
    return sorted(BankLine.objects.values_list("bank_reference", flat=True))


def test_a_misbehaving_bank_neither_duplicates_nor_loses_a_line(account: str) -> None:
    bank = FakeBank(transactions(23), faults={2: "timeout", 4: "500", 5: "garbage",
                                              7: "truncated", 9: "503"})
    with serving(bank) as url:
        feed = _add(account, url)
        failures = 0
        for _ in range(12):
            try:
                feed_sync(actor=OPERATOR, feed=feed)
            except FeedUnavailable:
                failures += 1
                continue
            break
    assert failures == 5
    assert _references() == [f"T{number:04d}" for number in range(1, 24)]
    assert feeds_status(OPERATOR)[0]["state"] == "ok"
    assert feeds_status(OPERATOR)[0]["lines_imported"] == 23


def test_running_a_feed_again_from_the_start_adds_nothing(account: str) -> None:
    from lawledger.banking.feeds.models import Feed

    bank = FakeBank(transactions(12), overlap=3)
    with serving(bank) as url:
        feed = _add(account, url)
        first = feed_sync(actor=OPERATOR, feed=feed)
        Feed.objects.filter(public_id=feed).update(cursor="")
        again = feed_sync(actor=OPERATOR, feed=feed)
    assert (first["new"], first["pages"]) == (12, 3)
    assert (again["new"], again["duplicate"] > 0) == (0, True)
    assert len(_references()) == 12


def test_a_failing_feed_shows_with_its_error_and_the_others_still_run(account: str) -> None:
    factories.trust_account("Second IOLTA")
    broken = FakeBank(transactions(3), faults={1: "500"})
    healthy = FakeBank(transactions(4))
    with serving(broken) as broken_url, serving(healthy) as healthy_url:
        bad = _add(account, broken_url)
        good = _add("Second IOLTA", healthy_url)
        results = feeds_sync_all(actor=OPERATOR)
    assert [row.get("error") for row in results] == [
        "feed_unavailable: bank answered HTTP 500", None]
    attention = feeds_needing_attention(OPERATOR)
    assert [(row["feed"], row["state"], row["consecutive_failures"], row["last_error"])
            for row in attention] == [(bad, "failing", 1, "feed_unavailable: bank answered HTTP 500")]
    assert {row["feed"]: row["state"] for row in feeds_status(OPERATOR)}[good] == "ok"


def test_a_feed_with_no_success_for_a_day_and_a_half_shows_as_stalled(account: str) -> None:
    import time_machine

    bank = FakeBank(transactions(2))
    with serving(bank) as url:
        feed = _add(account, url)
        feed_sync(actor=OPERATOR, feed=feed)
    with time_machine.travel("2099-01-01"):
        assert [(row["feed"], row["state"]) for row in feeds_needing_attention(OPERATOR)] == [
            (feed, "stalled")]


def test_a_line_without_a_bank_transaction_id_is_refused_and_nothing_moves(account: str) -> None:
    from lawledger.banking.feeds.models import Feed

    lines = transactions(3)
    lines[1]["id"] = ""
    with serving(FakeBank(lines, reorder=False, overlap=0)) as url:
        feed = _add(account, url)
        with pytest.raises(FeedLineInvalid, match="line 2: no bank transaction id"):
            feed_sync(actor=OPERATOR, feed=feed)
    assert (_references(), Feed.objects.get(public_id=feed).cursor) == ([], "")


@pytest.mark.parametrize("url", ["http://bank.example", "http://127.0.0.1.evil.example",
                                 "file:///etc/passwd", "ftp://bank.example"])
def test_an_aggregator_is_reached_over_https_only(account: str, url: str) -> None:
    from lawledger.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="base_url: an aggregator is reached over https"):
        _add(account, url)
