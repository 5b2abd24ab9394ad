"""Shared steps of the staff web app's browser tests: signing in, and the axe-core accessibility
check (axe-core comes from the axe-playwright-python package on PyPI, never vendored)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client

from tests import mfa

SERIOUS = ("serious", "critical")


def sign_in(page: Any, base: str, email: str) -> None:
    """Open the home page as `email`, signed in with the second factor verified.

    The session is made by `tests.mfa.login` (the login flow's own helper) and handed to the
    browser as its cookie: the login form and its second factor are the login tests' subject,
    and a TOTP code typed at the edge of its 30-second step would make these journeys flaky.
    """
    browser = Client()
    mfa.login(browser, email)
    cookie = browser.cookies[settings.SESSION_COOKIE_NAME]
    page.context.clear_cookies()
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value,
                               "url": base}])
    page.goto(f"{base}/")
    page.wait_for_url(f"{base}/")


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each (empty = none)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(node["target"][0] for node in v["nodes"][:5])
            for v in results.response["violations"] if v.get("impact") in SERIOUS]
