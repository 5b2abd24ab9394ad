"""Role changes at /people/: admins only (role matrix), audited, and only with a second factor
proved in the last five minutes (step-up, require_recent_mfa)."""

from __future__ import annotations

import pytest
from django.test import Client

from lawledger.access.models import User
from lawledger.audit.models import AuditRecord
from lawledger.security import sessions
from tests.access_matrix import EXPECTED_VIEW, Matrix, build_matrix
from tests.mfa import login, recovery_codes

pytestmark = pytest.mark.django_db

TARGET = "paralegal_unassigned@firm.example"


def _client_for(matrix: Matrix, who: str) -> Client:
    browser = Client()
    principal = matrix.principals[who]
    if principal is not None:
        login(browser, principal.label)
    return browser


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_only_admins_see_people_and_change_roles_as(who: str) -> None:
    matrix = build_matrix()
    browser = _client_for(matrix, who)
    page = browser.get("/people/")
    change = browser.post("/people/role/", {"email": TARGET, "role": "attorney"})
    role = User.objects.get(email=TARGET).role
    if who == "anonymous":
        assert page.status_code == change.status_code == 302
        assert page["Location"].startswith("/login/")
    elif who in ("admin", "admin_walled"):
        assert page.status_code == 200 and TARGET in page.content.decode()
        assert change.status_code == 302 and role == "attorney"
        event = AuditRecord.objects.filter(event="user.role_changed").get()
        assert event.details == {"old": "paralegal", "new": "attorney"}
    else:
        assert page.status_code == 403 and change.status_code == 403
        assert role == "paralegal"
        assert AuditRecord.objects.filter(event="access.denied", actor=who and
                                          matrix.principals[who].label).exists()  # type: ignore[union-attr]


def test_a_role_change_with_a_stale_second_factor_asks_for_it_again() -> None:
    matrix = build_matrix()
    browser = _client_for(matrix, "admin")
    session = browser.session
    session[sessions.MFA_VERIFIED_AT] = sessions.now_seconds() - 6 * 60
    session.save()
    answer = browser.post("/people/role/", {"email": TARGET, "role": "attorney"},
                          HTTP_REFERER="http://testserver/people/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/login/verify/?next=http%3A%2F%2Ftestserver%2Fpeople")
    assert User.objects.get(email=TARGET).role == "paralegal"
    code = recovery_codes(User.objects.get(email="admin@firm.example"))[0]
    proved = browser.post("/login/verify/", {"code": code, "next": "/people/", "step_up": "1"})
    assert proved.status_code == 302 and proved["Location"] == "/people/"
    assert browser.post("/people/role/", {"email": TARGET, "role": "attorney"}).status_code == 302
    assert User.objects.get(email=TARGET).role == "attorney"


def test_the_last_admin_keeps_the_admin_role_and_clients_stay_clients() -> None:
    matrix = build_matrix()
    browser = _client_for(matrix, "admin")
    User.objects.filter(email="admin_walled@firm.example").update(is_active=False)
    refused = browser.post("/people/role/", {"email": "admin@firm.example", "role": "auditor"})
    assert refused.status_code == 400
    assert b"last admin" in refused.content
    client = browser.post("/people/role/", {"email": "portal_own@client.example",
                                            "role": "attorney"})
    assert client.status_code == 400 and b"client logins cannot change role" in client.content
    assert User.objects.get(email="admin@firm.example").role == "admin"
