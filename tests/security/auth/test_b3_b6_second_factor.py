"""B3 session fixation, B4 MFA bypass, B5 TOTP replay and guessing, B6 recovery codes and the
stored secrets."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from lawledger.access.models import User
from lawledger.audit.models import AuditRecord
from lawledger.security import services
from lawledger.security.models import RecoveryCode, TotpDevice
from tests.access_matrix import PASSWORD
from tests.mfa import next_totp_code, recovery_codes, totp_device
from tests.security.auth.support import ATTORNEY, code_for, firm, password_step


@pytest.mark.django_db
def test_the_session_key_changes_after_the_password_and_after_the_second_factor() -> None:
    firm()
    browser = Client()
    browser.get("/login/")
    browser.cookies["sessionid"] = "attackerchosenkey0000000000000000"
    planted = browser.cookies["sessionid"].value
    assert password_step(browser, ATTORNEY) == 302
    after_password = browser.cookies["sessionid"].value
    assert after_password != planted
    answer = browser.post("/login/verify/", {"code": code_for(ATTORNEY), "next": "/matters/"})
    assert answer.status_code == 302 and answer["Location"] == "/matters/"
    after_mfa = browser.cookies["sessionid"].value
    assert after_mfa not in (planted, after_password)
    stale = Client()
    stale.cookies["sessionid"] = after_password  # the key of the half-way step is dead
    assert stale.get("/matters/").status_code == 302
    assert browser.get("/matters/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role_email", [
    "admin@firm.example", "bookkeeper@firm.example", "auditor@firm.example", ATTORNEY,
    "paralegal_assigned@firm.example", "portal_own@client.example"])
def test_the_password_alone_reaches_no_page_and_no_api(role_email: str) -> None:
    matrix = firm()
    if role_email != "admin@firm.example":
        totp_device(User.objects.get(email=role_email))
    browser = Client()
    assert password_step(browser, role_email) == 302
    for path in ("/", "/matters/", f"/matters/{matrix.matter}/", "/trust/", "/reports/",
                 "/billing/", "/banking/"):
        answer = browser.get(path)
        assert answer.status_code == 302, path
        assert answer["Location"].startswith(("/login/verify/", "/login/enrol/")), path
    api = browser.get("/api/v1/matters", HTTP_ACCEPT="application/json")
    assert api.status_code == 401
    tokens = browser.post("/api/v1/tokens", {}, content_type="application/json")
    assert tokens.status_code == 401


@pytest.mark.django_db
def test_a_code_is_accepted_once_and_guessing_is_slowed_down() -> None:
    firm()
    user = User.objects.get(email=ATTORNEY)
    device = totp_device(user)
    code = next_totp_code(device)
    assert services.verify_code(user, code) is not None
    assert services.verify_code(user, code) is None  # replay in the same time step
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    for guess in range(5):  # within the one-second delay: refused without being tried
        assert services.verify_code(user, f"{guess:06d}") is None
    assert services.verify_code(user, next_totp_code(device)) is None  # the right one too
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # After the delay one more wrong guess doubles it: the right code waits again.
    TotpDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(minutes=5))
    assert services.verify_code(user, "000000" if code != "000000" else "111111") is None
    device.refresh_from_db()
    assert device.throttling_failure_count == 2
    assert services.verify_code(user, next_totp_code(device)) is None
    assert AuditRecord.objects.filter(event="auth.mfa_failed", outcome="denied").count() == 9


@pytest.mark.django_db(transaction=True)
def test_one_code_sent_twice_at_once_passes_exactly_once() -> None:
    firm()
    user = User.objects.get(email=ATTORNEY)
    code = next_totp_code(totp_device(user))
    results: list[bool] = []
    barrier = threading.Barrier(2)

    def attempt() -> None:
        barrier.wait()
        try:
            results.append(services.verify_code(user, code) is not None)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]


@pytest.mark.django_db
def test_recovery_codes_are_single_use_and_stored_hashed() -> None:
    firm()
    user = User.objects.get(email=ATTORNEY)
    codes = recovery_codes(user)
    assert services.verify_code(user, codes[0]) is not None
    assert services.verify_code(user, codes[0]) is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT code_sha256 FROM security_recovery_code")
        stored = [row[0] for row in cursor.fetchall()]
    assert len(stored) == 10
    assert not {c.replace("-", "") for c in codes} & set(stored)
    assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 1


@pytest.mark.django_db
def test_the_totp_seed_column_holds_ciphertext_only() -> None:
    firm()
    device = totp_device(User.objects.get(email=ATTORNEY))
    secret = TotpDevice.objects.get(pk=device.pk).secret_hex
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_hex FROM security_totp_device WHERE id = %s", [device.pk])
        (raw,) = cursor.fetchone()
    assert len(secret) == 40
    assert secret not in raw and secret.upper() not in raw
    with pytest.raises(TypeError):
        TotpDevice.objects.filter(pk=device.pk).update(secret_hex="00" * 20)


@pytest.mark.django_db
def test_a_password_alone_cannot_enrol_a_new_authenticator() -> None:
    firm()
    totp_device(User.objects.get(email=ATTORNEY))  # already enrolled
    browser = Client()
    assert password_step(browser, ATTORNEY) == 302
    answer = browser.get("/login/enrol/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/verify/")
    assert TotpDevice.objects.filter(user__email=ATTORNEY).count() == 1


@pytest.mark.django_db
def test_a_client_who_signs_in_without_a_destination_lands_in_the_portal() -> None:
    firm()
    client_email = "portal_own@client.example"
    totp_device(User.objects.get(email=client_email))
    browser = Client()
    answer = browser.post("/login/", {"username": client_email, "password": PASSWORD},
                          REMOTE_ADDR="10.0.0.9")
    assert answer.status_code == 302
    assert answer["Location"] == "/login/verify/?next=%2Fportal%2F"
    staff = Client()
    answer = staff.post("/login/", {"username": ATTORNEY, "password": PASSWORD},
                        REMOTE_ADDR="10.0.0.9")
    assert answer["Location"].startswith("/login/") and "portal" not in answer["Location"]
