"""Passkeys in a real browser: an admin registers one at first sign-in, then signs in with it.

Chromium's virtual authenticator (CDP WebAuthn domain) stands in for a security key; the site is
served on http://localhost so that the relying-party id is a host name.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from lawledger.access.models import User
from lawledger.security.models import PasskeyDevice, RecoveryCode
from tests.access_matrix import PASSWORD
from tests.browser import browser_page, screenshot
from tests.security.auth.support import firm

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

ADMIN = "admin@firm.example"


def _virtual_authenticator(page: Any) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True}})


def _password(page: Any, base: str) -> None:
    page.goto(f"{base}/login/?next=/matters/")
    page.get_by_label("E-mail").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_an_admin_registers_a_passkey_at_first_sign_in_and_then_signs_in_with_it(
        live_server: Any) -> None:
    firm()
    base = str(live_server).replace("127.0.0.1", "localhost")
    assert base.startswith("http://localhost:")
    with browser_page() as page:
        _virtual_authenticator(page)
        _password(page, base)
        page.wait_for_url(re.compile(r"/login/enrol/"))
        page.get_by_role("button", name="Register a passkey").click()
        page.get_by_role("heading", name="Your recovery codes").wait_for()
        codes = page.locator("#recovery-code-list li").all_inner_texts()
        assert len(codes) == 10
        screenshot(page, "passkey-registered")
        page.get_by_role("link", name="Continue").click()
        page.wait_for_url(f"{base}/matters/")
        device = PasskeyDevice.objects.get(user__email=ADMIN)
        assert RecoveryCode.objects.filter(device__user__email=ADMIN).count() == 10

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(re.compile(r"/login/"))
        _password(page, base)
        page.wait_for_url(re.compile(r"/login/verify/"))
        page.get_by_role("button", name="Use a passkey").click()
        page.wait_for_url(f"{base}/matters/")
        assert page.locator("h1").first.inner_text() != "Second factor"
    device.refresh_from_db()
    assert device.last_used_at is not None


def test_an_admin_cannot_skip_the_passkey_with_an_authenticator_code(live_server: Any) -> None:
    firm()
    from tests.mfa import next_totp_code, passkey_device, totp_device

    admin = User.objects.get(email=ADMIN)
    passkey_device(admin)
    code = next_totp_code(totp_device(admin))
    base = str(live_server).replace("127.0.0.1", "localhost")
    with browser_page() as page:
        _password(page, base)
        page.wait_for_url(re.compile(r"/login/verify/"))
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Verify").click()
        assert page.get_by_role("alert").first.inner_text() == (
            "That code was not accepted. Try again.")
        page.goto(f"{base}/matters/")
        assert "/login/verify/" in page.url
