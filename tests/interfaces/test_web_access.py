"""Every staff page answers each principal of the role matrix as the policy says, and is audited."""

from __future__ import annotations

import pytest
from django.test import Client

from lawledger.audit.models import AuditRecord
from tests.access_matrix import EXPECTED_VIEW, Matrix, build_matrix
from tests.mfa import login as mfa_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def matrix() -> Matrix:
    built = build_matrix()
    from tests import factories

    factories.trust_account()
    factories.deposit(built.matter, "500.00", payor="Canary Payor 7731")
    return built


def _client_for(matrix: Matrix, who: str) -> Client:
    browser = Client()
    principal = matrix.principals[who]
    if principal is not None:
        mfa_login(browser, principal.label)
    return browser


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_the_matter_pages_follow_the_policy_for(matrix: Matrix, who: str) -> None:
    assert matrix.may(who) == EXPECTED_VIEW[who]
    browser = _client_for(matrix, who)
    before = AuditRecord.objects.count()
    for path in (f"/matters/{matrix.matter}/", f"/matters/{matrix.matter}/ledger/"):
        response = browser.get(path)
        if who == "anonymous":
            assert response.status_code == 302 and "/login/" in response["Location"]
        elif who.startswith("portal"):
            assert response.status_code == 403
        elif EXPECTED_VIEW[who]:
            assert response.status_code == 200
            assert response["Cache-Control"] == "no-store"
        else:
            assert response.status_code == 404
            assert b"Canary Payor" not in response.content
            assert matrix.matter.encode() not in response.content
    if who != "anonymous" and not who.startswith("portal"):
        assert AuditRecord.objects.count() > before  # the read or the denial is recorded


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_the_matter_list_shows_only_what_the_policy_allows_to(matrix: Matrix, who: str) -> None:
    if who == "anonymous" or who.startswith("portal"):
        return
    content = _client_for(matrix, who).get("/matters/").content.decode()
    assert (f">{matrix.matter}<" in content) == EXPECTED_VIEW[who]


def test_a_missing_matter_and_a_forbidden_one_look_the_same(matrix: Matrix) -> None:
    browser = _client_for(matrix, "attorney_unassigned")
    forbidden = browser.get(f"/matters/{matrix.matter}/")
    missing = browser.get("/matters/M-9999/")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.content == missing.content
    denial = AuditRecord.objects.filter(event="access.denied").order_by("-seq").first()
    assert denial is not None and denial.actor == "attorney_unassigned@firm.example"


def test_the_trust_listing_totals_only_visible_matters(matrix: Matrix) -> None:
    from tests import factories

    factories.deposit(matrix.other_matter, "250.00")
    admin = _client_for(matrix, "admin").get("/trust/").content.decode()
    assert "750.00" in admin
    attorney = _client_for(matrix, "attorney_assigned").get("/trust/").content.decode()
    assert matrix.other_matter not in attorney
    assert "250.00" not in attorney


def test_security_headers_are_set(matrix: Matrix) -> None:
    response = _client_for(matrix, "admin").get("/matters/")
    csp = response["Content-Security-Policy"]
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "base-uri 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_passwords_are_stored_with_argon2() -> None:
    from django.test import override_settings

    from lawledger.access.models import User
    from tests import factories

    factories.firm()
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"]):
        factories.user("admin", email="argon@firm.example")
    assert User.objects.get(email="argon@firm.example").password.startswith("argon2")
