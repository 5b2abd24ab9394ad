"""B9 cookie and header flags, B11 password policy and storage, B12 Host header and open
redirects, and `manage.py check --deploy` clean with the production settings."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings

from lawledger import settings as lawledger_settings
from lawledger.access.models import User
from tests.mfa import totp_device
from tests.security.auth.support import ATTORNEY, code_for, firm, password_step

PRODUCTION_COOKIES = {
    "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
    "SESSION_COOKIE_NAME": "__Host-sessionid", "CSRF_COOKIE_NAME": "__Host-csrftoken",
    "SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
}


@pytest.mark.django_db
@override_settings(**PRODUCTION_COOKIES)
def test_production_cookies_are_host_prefixed_secure_and_samesite() -> None:
    firm()
    browser = Client()
    login_page = browser.get("/login/", secure=True)
    csrf = login_page.cookies["__Host-csrftoken"]
    assert csrf["secure"] is True and csrf["samesite"] == "Lax" and csrf["path"] == "/"
    assert csrf["domain"] == ""
    answer = browser.post("/login/", {"username": ATTORNEY, "password":
                                      "correct horse battery staple"},
                          secure=True, REMOTE_ADDR="10.3.0.1")
    session = answer.cookies["__Host-sessionid"]
    assert session["secure"] is True and session["httponly"] is True
    assert session["samesite"] == "Lax" and session["path"] == "/" and session["domain"] == ""


@pytest.mark.django_db
@override_settings(**PRODUCTION_COOKIES)
@pytest.mark.parametrize("path", ["/login/", "/matters/", "/login/verify/"])
def test_every_page_type_sends_the_security_headers(path: str) -> None:
    firm()
    totp_device(User.objects.get(email=ATTORNEY))
    browser = Client()
    if path != "/login/":
        assert password_step(browser, ATTORNEY) == 302
    if path == "/matters/":
        browser.post("/login/verify/", {"code": code_for(ATTORNEY)}, secure=True)
    answer = browser.get(path, secure=True)
    assert answer.status_code == 200
    assert answer["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Referrer-Policy"] == "same-origin"
    assert answer["Cross-Origin-Opener-Policy"] == "same-origin"
    assert answer["X-Frame-Options"] == "DENY"
    csp = answer["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
                      "default-src 'self'"):
        assert directive in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    # No inline script: every <script> tag is a file carrying the response's nonce.
    body = answer.content.decode()
    for tag in body.split("<script")[1:]:
        assert ' src="' in tag.split(">")[0] and "nonce=" in tag.split(">")[0]


def test_the_production_settings_turn_on_hsts_and_host_prefixed_cookies() -> None:
    code = ("from lawledger import settings as s; print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME,"
            " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,"
            " s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE)")
    env = {**os.environ, "LAWLEDGER_PRODUCTION": "1"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.split() == ["__Host-sessionid", "__Host-csrftoken", "True", "True",
                                   "31536000", "True", "Lax"]


def test_check_deploy_is_clean_with_the_production_settings(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "keys").mkdir(parents=True, mode=0o700)
    key = home / "keys" / "master.key"
    key.write_bytes(base64.b64encode(os.urandom(32)) + b"\n")
    key.chmod(0o600)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LAWLEDGER_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(LAWLEDGER_HOME=str(home), LAWLEDGER_PRODUCTION="1",
               LAWLEDGER_SECRET_KEY=base64.urlsafe_b64encode(os.urandom(48)).decode(),
               DJANGO_SETTINGS_MODULE="lawledger.settings")
    done = subprocess.run([sys.executable, "-m", "django", "check", "--deploy",
                           "--fail-level", "WARNING"], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


@pytest.mark.parametrize("password, message", [
    ("password1234", "This password is too common."),
    ("Tr0ub4d!", "This password is too short. It must contain at least 12 characters."),
])
def test_common_and_short_passwords_are_refused_with_a_clear_message(
        password: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert message in refused.value.messages


def test_a_long_pasted_passphrase_is_accepted_and_stored_as_argon2() -> None:
    passphrase = "the quick brown fox jumps over the lazy dog, twice: " * 2
    assert len(passphrase[:100]) == 100
    validate_password(passphrase[:100])
    assert lawledger_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=lawledger_settings.PASSWORD_HASHERS):
        assert make_password(passphrase[:100]).startswith("argon2$argon2id$")


def test_django_settings_of_the_tests_keep_the_production_validators() -> None:
    assert django_settings.AUTH_PASSWORD_VALIDATORS == lawledger_settings.AUTH_PASSWORD_VALIDATORS


@pytest.mark.django_db
def test_an_unknown_host_is_refused() -> None:
    answer = Client().get("/login/", HTTP_HOST="evil.example")
    assert answer.status_code == 400


@pytest.mark.django_db
def test_a_next_pointing_elsewhere_is_ignored_after_login() -> None:
    firm()
    browser = Client()
    answer = browser.post("/login/?next=https://evil.example/x",
                          {"username": ATTORNEY, "password": "correct horse battery staple",
                           "next": "https://evil.example/x"}, REMOTE_ADDR="10.4.0.1")
    assert answer.status_code == 302 and "evil.example" not in answer["Location"]
    done = browser.post("/login/verify/", {"code": code_for(ATTORNEY),
                                           "next": "//evil.example/x"})
    assert done.status_code == 302 and done["Location"] == "/"
