"""The nine idempotency cases of issue 8 over HTTP (I7, SECURITY.md D3): first use, replay,
mismatch, in flight, expired, per-principal scope, error replay, crash between effect and
response, and a key on a GET."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import time_machine
from django.db import connection

from lawledger.apitokens.models import ApiIdempotencyRecord, ApiToken
from lawledger.core.access import Role
from lawledger.interfaces.api import endpoint
from lawledger.ledger.models import JournalEntry
from tests import factories
from tests.api.support import Api, mint


class Crash(BaseException):
    """The process dies: nothing after this point runs (not an Exception, so nothing catches it)."""


@pytest.fixture
def setup() -> dict[str, Any]:
    money = factories.trust_firm()
    bookkeeper = factories.user(Role.BOOKKEEPER, email="books@firm.example")
    return {**money, "bookkeeper": bookkeeper, "api": Api(mint(bookkeeper))}


def _deposit(setup: dict[str, Any], amount: str = "100.00") -> dict[str, str]:
    return {"matter": setup["matter"], "account": "IOLTA", "amount": amount, "currency": "USD",
            "date": "2026-03-10", "payor": "Acme Corp"}


def _disbursement(setup: dict[str, Any], amount: str) -> dict[str, str]:
    return {"matter": setup["matter"], "account": "IOLTA", "amount": amount, "currency": "USD",
            "date": "2026-03-20", "payee": "Court clerk"}


@pytest.mark.django_db
def test_first_use_applies_the_request_and_keeps_its_response(setup: dict[str, Any]) -> None:
    answer = setup["api"].post("/trust/deposits", _deposit(setup), key="first-use")
    assert answer.status == 201
    assert "Idempotent-Replayed" not in answer.headers
    assert JournalEntry.objects.count() == 1
    kept = ApiIdempotencyRecord.objects.get()
    assert (kept.key, kept.response_status) == ("first-use", 201)
    assert kept.response_body == answer.raw.decode()


@pytest.mark.django_db
def test_a_replay_answers_the_stored_response_without_a_second_effect(
        setup: dict[str, Any]) -> None:
    first = setup["api"].post("/trust/deposits", _deposit(setup), key="replay")
    again = setup["api"].post("/trust/deposits", _deposit(setup), key="replay")
    assert (again.status, again.raw) == (first.status, first.raw)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert JournalEntry.objects.count() == 1
    assert factories.balance(setup["matter"]) == "100.00"


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused(setup: dict[str, Any]) -> None:
    setup["api"].post("/trust/deposits", _deposit(setup), key="mismatch")
    answer = setup["api"].post("/trust/deposits", _deposit(setup, "100.01"), key="mismatch")
    assert answer.status == 422
    assert answer.error == {"code": "idempotency_key_reused", "param": "Idempotency-Key",
                            "message": "Idempotency-Key 'mismatch' was already used for a "
                                       "different request"}
    other_path = setup["api"].post("/trust/disbursements", _disbursement(setup, "1.00"),
                                   key="mismatch")
    assert other_path.error["code"] == "idempotency_key_reused"
    assert JournalEntry.objects.count() == 1
    assert factories.balance(setup["matter"]) == "100.00"


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_in_flight_waits_and_gets_the_first_answer(setup: dict[str, Any],
                                                               monkeypatch: Any) -> None:
    from lawledger.ledger import services

    inside, release = threading.Event(), threading.Event()
    original = services.trust_deposit_record

    def slow_deposit(**kwargs: Any) -> Any:
        result = original(**kwargs)
        inside.set()
        assert release.wait(30)  # hold the first request's transaction open
        return result

    monkeypatch.setattr(services, "trust_deposit_record", slow_deposit)
    token = setup["api"].token
    answers: dict[str, Any] = {}

    def send(name: str) -> None:
        try:
            answers[name] = Api(token).post("/trust/deposits", _deposit(setup), key="in-flight")
        finally:
            connection.close()

    first = threading.Thread(target=send, args=("first",))
    first.start()
    assert inside.wait(30)
    second = threading.Thread(target=send, args=("second",))
    second.start()
    second.join(1.0)
    assert second.is_alive()  # waiting on the first one's claim, not running its own effect
    release.set()
    first.join(30)
    second.join(30)
    assert answers["first"].status == answers["second"].status == 201
    assert answers["second"].raw == answers["first"].raw
    assert answers["second"].headers["Idempotent-Replayed"] == "true"
    assert JournalEntry.objects.count() == 1


@pytest.mark.django_db
def test_an_expired_key_is_a_new_request(setup: dict[str, Any]) -> None:
    first = setup["api"].post("/trust/deposits", _deposit(setup), key="expires")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=24, minutes=1)
    with time_machine.travel(later):
        again = setup["api"].post("/trust/deposits", _deposit(setup), key="expires")
    assert (first.status, again.status) == (201, 201)
    assert "Idempotent-Replayed" not in again.headers
    assert again.body["id"] != first.body["id"]
    assert JournalEntry.objects.count() == 2
    assert ApiIdempotencyRecord.objects.filter(key="expires").count() == 1


@pytest.mark.django_db
def test_keys_belong_to_one_principal(setup: dict[str, Any]) -> None:
    other = Api(mint(factories.user(Role.ADMIN, email="admin@firm.example")))
    mine = setup["api"].post("/trust/deposits", _deposit(setup), key="shared-key")
    theirs = other.post("/trust/deposits", _deposit(setup, "7.00"), key="shared-key")
    assert (mine.status, theirs.status) == (201, 201)
    assert "Idempotent-Replayed" not in theirs.headers
    assert JournalEntry.objects.count() == 2
    # Two tokens of one user share the user's keys: a retry through another token still replays.
    second_token = Api(mint(setup["bookkeeper"]))
    replay = second_token.post("/trust/deposits", _deposit(setup), key="shared-key")
    assert replay.raw == mine.raw and replay.headers["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_a_refusal_is_replayed_too(setup: dict[str, Any]) -> None:
    refused = setup["api"].post("/trust/disbursements", _disbursement(setup, "50.00"),
                                key="error-replay")
    assert (refused.status, refused.error["code"]) == (409, "client_ledger_overdraft")
    setup["api"].post("/trust/deposits", _deposit(setup), key="fund-it")
    again = setup["api"].post("/trust/disbursements", _disbursement(setup, "50.00"),
                              key="error-replay")
    assert (again.status, again.raw) == (409, refused.raw)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert factories.balance(setup["matter"]) == "100.00"
    fresh = setup["api"].post("/trust/disbursements", _disbursement(setup, "50.00"),
                              key="error-replay-2")
    assert fresh.status == 201
    assert factories.balance(setup["matter"]) == "50.00"


@pytest.mark.django_db
def test_a_crash_after_the_commit_loses_only_the_response(setup: dict[str, Any],
                                                          monkeypatch: Any) -> None:
    def crash(point: str) -> None:
        if point == "after_commit":
            raise Crash(point)

    monkeypatch.setattr(endpoint, "crash_hook", crash)
    with pytest.raises(Crash):
        setup["api"].post("/trust/deposits", _deposit(setup), key="crash-after")
    monkeypatch.setattr(endpoint, "crash_hook", None)
    assert JournalEntry.objects.count() == 1
    retry = setup["api"].post("/trust/deposits", _deposit(setup), key="crash-after")
    assert retry.status == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.body["id"] == JournalEntry.objects.get().public_id
    assert factories.balance(setup["matter"]) == "100.00"


@pytest.mark.django_db
def test_a_crash_before_the_commit_leaves_nothing_and_the_retry_applies_once(
        setup: dict[str, Any], monkeypatch: Any) -> None:
    def crash(point: str) -> None:
        if point == "before_commit":
            raise Crash(point)

    monkeypatch.setattr(endpoint, "crash_hook", crash)
    with pytest.raises(Crash):
        setup["api"].post("/trust/deposits", _deposit(setup), key="crash-before")
    monkeypatch.setattr(endpoint, "crash_hook", None)
    assert (JournalEntry.objects.count(), ApiIdempotencyRecord.objects.count()) == (0, 0)
    retry = setup["api"].post("/trust/deposits", _deposit(setup), key="crash-before")
    assert retry.status == 201 and "Idempotent-Replayed" not in retry.headers
    assert JournalEntry.objects.count() == 1


@pytest.mark.django_db
def test_a_key_on_a_get_has_no_effect(setup: dict[str, Any]) -> None:
    first = setup["api"].get("/matters", key="on-a-get")
    setup["api"].post("/matters", {"client": "C-0001", "title": "Another"})
    second = setup["api"].get("/matters", key="on-a-get")
    assert (first.status, second.status) == (200, 200)
    assert len(second.body["data"]) == len(first.body["data"]) + 1
    assert "Idempotent-Replayed" not in second.headers
    assert ApiIdempotencyRecord.objects.count() == 0


@pytest.mark.django_db
def test_money_posts_require_a_well_formed_key(setup: dict[str, Any]) -> None:
    missing = setup["api"].post("/trust/deposits", _deposit(setup))
    too_long = setup["api"].post("/trust/deposits", _deposit(setup), key="k" * 129)
    spaces = setup["api"].post("/trust/deposits", _deposit(setup), key="has space")
    for answer in (missing, too_long, spaces):
        assert (answer.status, answer.error["param"]) == (400, "Idempotency-Key")
    assert JournalEntry.objects.count() == 0


@pytest.mark.django_db
def test_a_replayed_token_mint_never_shows_the_secret_again(setup: dict[str, Any]) -> None:
    body = {"name": "integration", "scopes": ["ledger:read"]}
    first = setup["api"].post("/tokens", body, key="mint-once")
    again = setup["api"].post("/tokens", body, key="mint-once")
    assert first.status == again.status == 201
    assert first.body["secret"].startswith("llt_")
    assert again.body == {**first.body, "secret": None}
    assert ApiToken.objects.count() == 2  # the test's own token and the minted one
    kept = ApiIdempotencyRecord.objects.get(key="mint-once").response_body
    assert first.body["secret"] not in kept
