"""Signing a test user in as the web app's login flow leaves them: password checked and a
verified second factor on the session.

Web tests call `login(browser, email)` rather than `Client.login` or `force_login`, so that the
login flow can grow (MFA, lockout) without every web test learning its steps. Browser tests that
sign in through the form call `login_page(page, base_url, email)`: it types the password and a
TOTP code (admins, who need a passkey, type a recovery code instead).
"""

from __future__ import annotations

import re
import time
from typing import Any

from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from lawledger.access.models import User
from lawledger.security import recovery, sessions
from lawledger.security.models import (
    PasskeyDevice,
    RecoveryCode,
    RecoveryCodeDevice,
    TotpDevice,
)
from lawledger.security.totp import current_code, new_secret_hex
from tests.access_matrix import PASSWORD


def totp_device(user: User) -> TotpDevice:
    """The user's confirmed TOTP device, enrolled now if they have none."""
    device = TotpDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TotpDevice.objects.create(user=user, name="test authenticator",
                                           secret_hex=new_secret_hex(),
                                           created_at=timezone.now())
    return device


def next_totp_code(device: TotpDevice) -> str:
    """A code the device will accept: the current step's, or the next one if that was spent."""
    device.refresh_from_db()
    step = int(time.time()) // device.step_seconds
    if device.last_t >= step:
        step = device.last_t + 1  # within the one-step tolerance
    return current_code(device.secret_hex, at_seconds=step * device.step_seconds,
                        step_seconds=device.step_seconds, digits=device.digits)


def recovery_codes(user: User, count: int = recovery.CODE_COUNT) -> list[str]:
    """Fresh recovery codes for `user` (their previous set replaced), in clear for the test."""
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name="recovery codes",
                                               created_at=timezone.now())
    codes = [recovery.new_code() for _ in range(count)]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(device=device, code_sha256=recovery.code_hash(c)) for c in codes])
    return codes


def passkey_device(user: User) -> PasskeyDevice:
    """A registered passkey row for `user` (its key is never exercised by `login`)."""
    device = PasskeyDevice.objects.filter(user=user).first()
    if device is None:
        device = PasskeyDevice.objects.create(
            user=user, name="test passkey", credential_id=f"test-{user.pk}",
            public_key="", created_at=timezone.now())
    return device


def login(browser: Client, email: str) -> User:
    """Sign `email` in on the Django test client `browser`, second factor verified."""
    user = User.objects.get(email=email)
    device: Any = passkey_device(user) if user.role == "admin" else totp_device(user)
    if user.role == "admin":
        totp_device(user)
    browser.force_login(user)
    session = browser.session
    now = sessions.now_seconds()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[sessions.MFA_VERIFIED_AT] = now
    session[sessions.AUTHENTICATED_AT] = now
    session[sessions.LAST_SEEN_AT] = now
    session.save()
    sessions.rekeyed(None, session.session_key, user)
    return user


def login_page(page: Any, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real login form in a Playwright page: password, then second factor."""
    user = User.objects.get(email=email)
    if user.role == "admin":
        passkey_device(user)
        totp_device(user)
        codes = recovery_codes(user)
    else:
        device = totp_device(user)
    if "/login/" not in page.url:
        page.goto(f"{base_url}/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/login/verify/"))
    # The code is worked out only now: on a loaded machine the password step can take long
    # enough for a code made before it to leave the accepted window.
    code = codes[0] if user.role == "admin" else next_totp_code(device)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()
