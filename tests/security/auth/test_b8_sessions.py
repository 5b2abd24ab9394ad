"""B8: logout, idle and absolute expiry (server clock), deactivation ends every session."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from lawledger.access.models import User
from lawledger.audit.models import AuditRecord
from lawledger.firm.models import FirmSettings
from lawledger.interfaces.web.middleware_auth import forget_session_limits
from lawledger.security import sessions
from lawledger.security.models import LoginSession
from tests.mfa import login
from tests.security.auth.support import ATTORNEY, firm, full_login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    forget_session_limits()


def test_a_session_cookie_replayed_after_logout_is_dead() -> None:
    firm()
    browser = Client()
    full_login(browser, ATTORNEY)
    cookie = browser.cookies["sessionid"].value
    assert browser.get("/matters/").status_code == 200
    assert browser.post("/logout/").status_code == 302
    replay = Client()
    replay.cookies["sessionid"] = cookie
    answer = replay.get("/matters/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")
    assert not LoginSession.objects.filter(session_key=cookie).exists()


def _after(seconds: int) -> mock._patch[object]:
    return mock.patch.object(sessions, "now_seconds",
                             return_value=sessions.now_seconds() + seconds)


def test_a_session_idle_past_the_firm_limit_ends() -> None:
    firm()
    FirmSettings.objects.update_or_create(id=1, defaults={"session_idle_minutes": 15})
    browser = Client()
    login(browser, ATTORNEY)
    with _after(14 * 60):
        assert browser.get("/matters/").status_code == 200  # activity renews the idle clock
    with _after(28 * 60):
        assert browser.get("/matters/").status_code == 200
    with _after(44 * 60):
        answer = browser.get("/matters/")
    assert answer.status_code == 302 and answer["Location"] == "/login/?next=%2Fmatters%2F"
    assert browser.get("/matters/").status_code == 302  # and stays ended
    assert AuditRecord.objects.filter(event="auth.session_expired").count() == 1


def test_a_busy_session_still_ends_at_the_absolute_limit() -> None:
    firm()
    FirmSettings.objects.update_or_create(
        id=1, defaults={"session_idle_minutes": 60, "session_absolute_hours": 2})
    browser = Client()
    login(browser, ATTORNEY)
    for minutes in (50, 100):
        with _after(minutes * 60):
            assert browser.get("/matters/").status_code == 200
    with _after(121 * 60):
        assert browser.get("/matters/").status_code == 302


def test_a_clock_a_day_behind_or_ahead_does_not_keep_a_session_alive() -> None:
    firm()
    browser = Client()
    login(browser, ATTORNEY)
    with _after(24 * 3600):
        assert browser.get("/matters/").status_code == 302
    again = Client()
    login(again, ATTORNEY)
    with _after(-24 * 3600):  # a clock set back: the session is not extended by it
        assert again.get("/matters/").status_code == 200
    assert again.get("/matters/").status_code == 200


def test_deactivating_a_user_ends_all_three_of_their_sessions_at_once() -> None:
    firm()
    browsers = [Client() for _ in range(3)]
    for browser in browsers:
        login(browser, ATTORNEY)
    other = Client()
    login(other, "bookkeeper@firm.example")
    assert LoginSession.objects.filter(user__email=ATTORNEY).count() == 3
    user = User.objects.get(email=ATTORNEY)
    user.is_active = False
    user.save()
    for browser in browsers:
        assert browser.get("/matters/").status_code == 302
        assert not Session.objects.filter(
            session_key=browser.cookies["sessionid"].value).exists()
    assert other.get("/matters/").status_code == 200
