"""Shared steps of the sign-in attack tests: the password step alone, a TOTP code, a firm."""

from __future__ import annotations

from django.test import Client

from lawledger.access.models import User
from tests.access_matrix import PASSWORD, Matrix, build_matrix
from tests.mfa import next_totp_code, totp_device

ATTORNEY = "attorney_assigned@firm.example"


def firm() -> Matrix:
    return build_matrix()


def password_step(browser: Client, email: str, password: str = PASSWORD,
                  address: str = "10.0.0.1", **extra: str) -> int:
    """Submit the login form; returns the status code (302 when the password was right)."""
    answer = browser.post("/login/", {"username": email, "password": password},
                          REMOTE_ADDR=address, **extra)
    return answer.status_code


def code_for(email: str) -> str:
    return next_totp_code(totp_device(User.objects.get(email=email)))


def full_login(browser: Client, email: str) -> None:
    """Password, then the TOTP code, through the real views."""
    assert password_step(browser, email) == 302
    code = code_for(email)
    assert browser.post("/login/verify/", {"code": code, "next": "/"}).status_code == 302
