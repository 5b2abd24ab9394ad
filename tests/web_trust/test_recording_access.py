"""Every trust recording page answers each principal of the role matrix as the policy says.

Recording is for bookkeepers and admins. A matter the user may not see is 404, one they see but
may not record on is 403, a portal session is 403 on every staff page, and anonymous users are
sent to sign in. A refused POST changes nothing in the books and leaves an audit record.
"""

from __future__ import annotations

from typing import Any

import pytest

from lawledger.core.access import Action
from tests.access_matrix import EXPECTED_VIEW, Matrix
from tests.mfa import login as mfa_login
from tests.web_trust.helpers import Books, audit_seq, audited_since, browser_for

pytestmark = pytest.mark.django_db

RECORDERS = {"admin", "bookkeeper"}


def _matter_pages(matrix: Matrix) -> dict[str, tuple[Action, dict[str, str]]]:
    common = {"account": "IOLTA", "amount": "10.00"}
    return {
        "deposit": (Action.RECORD_DEPOSIT, {**common, "date": "2026-03-12", "payor": "Payor",
                                            "method": "check"}),
        "disburse": (Action.RECORD_DISBURSEMENT, {**common, "date": "2026-03-21",
                                                  "payee": "Court", "method": "eft",
                                                  "purpose": "filing fee"}),
        "transfer": (Action.RECORD_DISBURSEMENT, {**common, "date": "2026-03-21",
                                                  "to_matter": matrix.other_matter}),
        "fee": (Action.RECORD_DISBURSEMENT, {**common, "date": "2026-03-21",
                                             "operating_account": "Operating",
                                             "invoice_ref": "INV-1"}),
        "refund": (Action.RECORD_DISBURSEMENT, {**common, "date": "2026-03-21",
                                                "payee": "Client A", "method": "eft"}),
    }


def expected_status(matrix: Matrix, who: str, action: Action) -> int:
    if who == "anonymous":
        return 302
    if who.startswith("portal") or not EXPECTED_VIEW[who]:
        return 403 if who.startswith("portal") else 404
    return 200 if matrix.may(who, action) else 403


def _check_refusal(who: str, status: int, since: int) -> None:
    """A refusal is audited: the denial (404, portal) or the rule (a role that may not)."""
    if who == "anonymous":
        assert audited_since(since) == []
        return
    events = [record.event for record in audited_since(since)]
    expected = "rule.refused" if status == 403 and not who.startswith("portal") else "access.denied"
    assert expected in events, (who, events)


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_the_matter_recording_pages_follow_the_policy_for(matrix: Matrix, who: str) -> None:
    browser = browser_for(matrix, who)
    for name, (action, data) in _matter_pages(matrix).items():
        url = f"/matters/{matrix.matter}/trust/{name}/"
        status = expected_status(matrix, who, action)
        assert (status == 200) == (who in RECORDERS), (name, who)
        before, since = Books.take(), audit_seq()
        page = browser.get(url)
        assert page.status_code == status, (name, who, page.status_code)
        if status == 200:
            assert b'name="idempotency_key"' in page.content
        elif status == 404:
            assert b"Canary Payor" not in page.content
        posted = browser.post(url, {**data, "idempotency_key": f"key-{name}-{who}"})
        if status == 200:
            assert posted.status_code == 303, (name, posted.content[:2000])
            assert posted["Location"].startswith("/trust/entries/je_")
            assert Books.take().entries == before.entries + 1
        else:
            assert posted.status_code == status, (name, who, posted.status_code)
            assert Books.take() == before, (name, who)
            _check_refusal(who, status, since)


def _firm_level_status(who: str) -> int:
    if who == "anonymous":
        return 302
    if who.startswith("portal"):
        return 403
    return 200 if who in RECORDERS | {"admin_walled"} else 403


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_the_firm_ledger_page_follows_the_policy_for(matrix: Matrix, who: str) -> None:
    browser = browser_for(matrix, who)
    status = _firm_level_status(who)
    before, since = Books.take(), audit_seq()
    assert browser.get("/trust/firm-entry/").status_code == status
    posted = browser.post("/trust/firm-entry/", {
        "kind": "interest", "account": "IOLTA", "date": "2026-03-31", "amount": "1.25",
        "idempotency_key": f"interest-{who}"})
    if status == 200:
        assert posted.status_code == 303
        assert Books.take().entries == before.entries + 1
    else:
        assert posted.status_code == status
        assert Books.take() == before
        _check_refusal(who, status, since)


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_assigning_unidentified_funds_follows_the_policy_for(matrix: Matrix, who: str) -> None:
    from lawledger.core.ledger import EntryKind
    from lawledger.ledger.services import trust_firm_entry_record
    from tests import factories

    trust_firm_entry_record(actor=factories.OPERATOR, kind=EntryKind.UNIDENTIFIED_DEPOSIT,
                            account="IOLTA", amount="40.00", date="2026-03-15",
                            counterparty="Unknown wire")
    browser = browser_for(matrix, who)
    status = _firm_level_status(who)
    before, since = Books.take(), audit_seq()
    assert browser.get("/trust/unidentified/assign/").status_code == status
    posted = browser.post("/trust/unidentified/assign/", {
        "account": "IOLTA", "matter": matrix.matter, "date": "2026-03-16", "amount": "40.00",
        "idempotency_key": f"assign-{who}"})
    if who in RECORDERS:
        assert posted.status_code == 303
        assert Books.take().entries == before.entries + 1
        return
    assert Books.take() == before
    if who == "admin_walled":
        # The page is firm-level, but matter M does not exist for this admin: the same answer
        # as a matter number that does not exist, beside the field, and audited.
        assert posted.status_code == 422
        assert f"matter: no matter &#x27;{matrix.matter}&#x27;".encode() in posted.content
        assert "access.denied" in [record.event for record in audited_since(since)]
    else:
        assert posted.status_code == status
        _check_refusal(who, status, since)


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_the_reversal_page_follows_the_policy_for(matrix: Matrix, who: str,
                                                 first_entry: str) -> None:
    browser = browser_for(matrix, who)
    status = expected_status(matrix, who, Action.RECORD_DISBURSEMENT)
    url = f"/trust/entries/{first_entry}/reverse/"
    before, since = Books.take(), audit_seq()
    assert browser.get(url).status_code == status
    posted = browser.post(url, {"reason": "keyed twice", "date": "2026-03-25"})
    if status == 200:
        assert posted.status_code == 303
        assert Books.take().entries == before.entries + 1
    else:
        assert posted.status_code == status
        assert Books.take() == before
        _check_refusal(who, status, since)


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_the_entry_page_follows_the_policy_for(matrix: Matrix, who: str,
                                               first_entry: str) -> None:
    browser = browser_for(matrix, who)
    since = audit_seq()
    page = browser.get(f"/trust/entries/{first_entry}/")
    if who == "anonymous":
        assert page.status_code == 302
        return
    if who.startswith("portal"):
        assert page.status_code == 403
        assert b"Canary" not in page.content
        return
    if EXPECTED_VIEW[who]:
        assert page.status_code == 200
        assert b"Canary Payor 7731" in page.content and b"canary memo 4412" in page.content
        viewed = audited_since(since, "trust.entry_viewed")
        assert [record.object_id for record in viewed] == [first_entry]
    else:
        missing = browser.get("/trust/entries/je_0000000000000000/")
        assert page.status_code == missing.status_code == 404
        assert page.content == missing.content
        assert b"Canary" not in page.content
        assert "access.denied" in [record.event for record in audited_since(since)]


def _visible_actions(content: bytes, matter: str) -> list[str]:
    return [name for name in ("deposit", "disburse", "transfer", "fee", "refund")
            if f"/matters/{matter}/trust/{name}/".encode() in content]


@pytest.mark.parametrize("who", sorted(w for w in EXPECTED_VIEW if EXPECTED_VIEW[w]
                                       and not w.startswith("portal")))
def test_the_matter_page_offers_the_trust_actions_of_the_role_of(matrix: Matrix,
                                                                 who: str) -> None:
    content = browser_for(matrix, who).get(f"/matters/{matrix.matter}/").content
    expected = ["deposit", "disburse", "transfer", "fee", "refund"] if who in RECORDERS else []
    assert _visible_actions(content, matrix.matter) == expected


def test_the_entry_of_a_matter_is_hidden_from_an_admin_behind_its_wall(
        matrix: Matrix, first_entry: str) -> None:
    journal = browser_for(matrix, "admin_walled").get("/trust/journal/IOLTA/").content
    assert b"Canary Payor" not in journal and b"canary memo" not in journal
    assert b"restricted (ethical wall)" in journal
    assert f"/trust/entries/{first_entry}/".encode() not in journal


def test_writes_need_the_csrf_token(matrix: Matrix) -> None:
    from django.test import Client


    browser = Client(enforce_csrf_checks=True)
    principal: Any = matrix.principals["bookkeeper"]
    mfa_login(browser, principal.label)
    before = Books.take()
    posted = browser.post(f"/matters/{matrix.matter}/trust/deposit/", {
        "account": "IOLTA", "date": "2026-03-12", "amount": "10.00", "payor": "P",
        "method": "check", "idempotency_key": "no-csrf"})
    assert posted.status_code == 403
    assert Books.take() == before


def test_recording_pages_accept_no_other_method(matrix: Matrix, first_entry: str) -> None:
    browser = browser_for(matrix, "bookkeeper")
    before = Books.take()
    assert browser.put(f"/matters/{matrix.matter}/trust/deposit/").status_code == 405
    assert browser.delete(f"/trust/entries/{first_entry}/reverse/").status_code == 405
    assert browser.post(f"/trust/entries/{first_entry}/").status_code == 405
    assert Books.take() == before
