"""B1 brute force and lockout (django-axes, our two limits), B2 no user enumeration."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client

from lawledger.audit.models import AuditRecord
from tests.security.auth.support import ATTORNEY, firm, password_step

pytestmark = pytest.mark.django_db

WRONG = "not the password at all"


def test_it_locks_one_username_from_one_address_after_five_failures() -> None:
    firm()
    browser = Client()
    assert [password_step(browser, ATTORNEY, WRONG) for _ in range(5)] == [200] * 4 + [429]
    # The right password is refused during the lockout, with no hint that it was right.
    answer = browser.post("/login/", {"username": ATTORNEY, "password": "correct horse battery "
                                      "staple"}, REMOTE_ADDR="10.0.0.1")
    assert answer.status_code == 429
    assert "_auth_user_id" not in browser.session
    assert b"Too many failed sign-ins" in answer.content
    locked = AuditRecord.objects.filter(event="auth.locked_out").first()
    assert locked is not None and locked.details["attempted"] == ATTORNEY
    # Another address is not locked by those five: the victim can still sign in from elsewhere.
    assert password_step(Client(), ATTORNEY, address="10.0.0.2") == 302


def test_a_forged_forwarded_for_header_neither_resets_nor_escapes_the_count() -> None:
    firm()
    statuses = [password_step(Client(), ATTORNEY, WRONG, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
                for i in range(6)]
    assert statuses == [200] * 4 + [429, 429]
    assert password_step(Client(), ATTORNEY, HTTP_X_FORWARDED_FOR="198.51.100.7") == 429


def test_it_caps_failures_per_username_across_thirty_addresses() -> None:
    firm()
    statuses = [password_step(Client(), ATTORNEY, WRONG, address=f"10.1.0.{i}")
                for i in range(30)]
    assert statuses[:19] == [200] * 19
    assert set(statuses[19:]) == {429}
    assert password_step(Client(), ATTORNEY, address="10.9.9.9") == 429  # right password too
    failed = AuditRecord.objects.filter(event="auth.login_failed").count()
    assert failed >= 19


def test_existing_and_unknown_emails_get_the_same_answer() -> None:
    firm()
    known = Client().post("/login/", {"username": ATTORNEY, "password": WRONG},
                          REMOTE_ADDR="10.0.0.3")
    unknown = Client().post("/login/", {"username": "nobody@firm.example", "password": WRONG},
                            REMOTE_ADDR="10.0.0.4")
    assert known.status_code == unknown.status_code == 200
    assert normalised(known.content, ATTORNEY) == normalised(unknown.content,
                                                             "nobody@firm.example")
    # Locking out an unknown name looks exactly like locking out a real one.
    for email, address in ((ATTORNEY, "10.0.1.1"), ("nobody@firm.example", "10.0.1.2")):
        statuses = [password_step(Client(), email, WRONG, address=address) for _ in range(5)]
        assert statuses == [200] * 4 + [429]


def normalised(content: bytes, email: str) -> bytes:
    """The page without what differs on every response (the CSRF token) or is typed (email)."""
    without_token = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)
    return without_token.replace(email.encode(), b"EMAIL")


def test_unknown_and_known_emails_take_comparable_time() -> None:
    firm()

    def median_seconds(email: str, base: int) -> float:
        times = []
        for i in range(3):
            started = time.perf_counter()
            password_step(Client(), email, WRONG, address=f"10.2.{base}.{i}")
            times.append(time.perf_counter() - started)
        return sorted(times)[1]

    known = median_seconds(ATTORNEY, 1)
    unknown = median_seconds("nobody@firm.example", 2)
    # Django runs the password hasher for unknown users too; the rest is the same code path.
    assert abs(known - unknown) < max(known, unknown) * 0.5 + 0.05
