"""API tokens: hashed at rest, scoped within the user's role, limited to clients, expiring,
revocable, checked afresh on every use, and never widened — by the service or by raw SQL."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction

from lawledger.access.models import User
from lawledger.apitokens.errors import InsufficientScope, InvalidToken, TokenExpired, TokenRevoked
from lawledger.apitokens.models import ApiToken
from lawledger.apitokens.scopes import SCOPE_ROLES, Scope, role_scopes
from lawledger.apitokens.services import authenticate, token_create, token_revoke
from lawledger.audit.models import AuditRecord
from lawledger.core.access import Action, Principal, Role, role_allows
from lawledger.core.errors import InvalidInput, NotFound, PermissionDenied
from tests import factories
from tests.api.support import mint
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def bookkeeper() -> Principal:
    factories.firm()
    return factories.user(Role.BOOKKEEPER, email="books@firm.example")


def test_a_token_is_kept_only_as_the_sha256_of_its_text(bookkeeper: Principal) -> None:
    text = mint(bookkeeper, ["ledger:read"])
    row = ApiToken.objects.get()
    assert text.startswith(f"llt_{row.lookup_prefix}_")
    assert row.secret_hash == hashlib.sha256(text.encode()).hexdigest()
    secret = text.split("_", 2)[2]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM apitokens_api_token")
        stored = " ".join(str(value) for value in cursor.fetchone())
    assert secret not in stored and text not in stored


def test_a_token_acts_as_its_user_with_the_scopes_it_was_given(bookkeeper: Principal) -> None:
    grant = authenticate(mint(bookkeeper, ["ledger:read", "ledger:write"]))
    assert grant.principal == bookkeeper
    assert grant.scopes == {Scope.LEDGER_READ, Scope.LEDGER_WRITE}
    assert grant.client_pks is None


def test_it_refuses_a_token_whose_secret_is_wrong_and_audits_it(bookkeeper: Principal) -> None:
    text = mint(bookkeeper, ["ledger:read"])
    forged = text[:-1] + ("A" if text[-1] != "A" else "B")
    with pytest.raises(InvalidToken) as caught:
        authenticate(forged)
    assert caught.value.http_status == 401
    refusal = AuditRecord.objects.order_by("-seq").first()
    assert refusal is not None and refusal.event == "api_token.refused"
    assert refusal.details["reason"] == "invalid_token"


def test_it_refuses_text_that_is_not_a_token(bookkeeper: Principal) -> None:
    for text in ("", "llt_", "Bearer x", "llt_0123456789ab_short", "' OR 1=1--"):
        with pytest.raises(InvalidToken):
            authenticate(text)


def test_an_expired_token_is_refused(bookkeeper: Principal) -> None:
    text = mint(bookkeeper, ["ledger:read"], days=1)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=1, seconds=1)):
        with pytest.raises(TokenExpired) as caught:
            authenticate(text)
    assert caught.value.code == "token_expired"


def test_a_revoked_token_is_refused_and_revoking_twice_changes_nothing(
        bookkeeper: Principal) -> None:
    text = mint(bookkeeper, ["ledger:read"])
    token = ApiToken.objects.get()
    token_revoke(actor=bookkeeper, token=token.public_id)
    first = ApiToken.objects.get().revoked_at
    token_revoke(actor=bookkeeper, token=token.public_id)
    assert ApiToken.objects.get().revoked_at == first
    assert AuditRecord.objects.filter(event="api_token.revoked").count() == 1
    with pytest.raises(TokenRevoked):
        authenticate(text)


def test_nobody_revokes_another_users_token_but_an_admin(bookkeeper: Principal) -> None:
    mint(bookkeeper, ["ledger:read"])
    token = ApiToken.objects.get().public_id
    other = factories.user(Role.BOOKKEEPER)
    with pytest.raises(NotFound):
        token_revoke(actor=other, token=token)
    assert ApiToken.objects.get().revoked_at is None
    token_revoke(actor=factories.user(Role.ADMIN), token=token)
    assert ApiToken.objects.get().revoked_at is not None


def test_a_deactivated_users_token_stops_working(bookkeeper: Principal) -> None:
    text = mint(bookkeeper, ["ledger:read"])
    User.objects.filter(email=bookkeeper.label).update(is_active=False)
    with pytest.raises(InvalidToken):
        authenticate(text)


def test_a_downgraded_users_token_loses_what_the_new_role_may_not_hold(
        bookkeeper: Principal) -> None:
    text = mint(bookkeeper, ["ledger:read", "ledger:write", "banking:read"])
    User.objects.filter(email=bookkeeper.label).update(role=Role.PARALEGAL.value)
    grant = authenticate(text)
    assert grant.principal.role is Role.PARALEGAL
    assert grant.scopes == {Scope.LEDGER_READ}


def test_minting_never_exceeds_what_the_users_role_may_hold(bookkeeper: Principal) -> None:
    with pytest.raises(PermissionDenied) as caught:
        mint(bookkeeper, ["ledger:read", "audit:read"])
    assert caught.value.param == "scopes" and "audit:read" in caught.value.message
    assert ApiToken.objects.count() == 0


def test_portal_users_and_auditors_cannot_mint_and_portal_users_hold_none() -> None:
    factories.firm()
    client = factories.client("Portal Co")
    portal = factories.user(Role.CLIENT, email="p@client.example", client=client)
    auditor = factories.user(Role.AUDITOR)
    with pytest.raises(PermissionDenied):
        mint(portal, ["ledger:read"])
    with pytest.raises(PermissionDenied):
        token_create(actor=auditor, name="mine", scopes=["ledger:read"])
    assert ApiToken.objects.count() == 0
    assert mint(auditor, ["ledger:read", "audit:read"]).startswith("llt_")  # by the operator


def test_the_operator_must_name_the_user_a_token_acts_as() -> None:
    factories.firm()
    with pytest.raises(InvalidInput) as caught:
        token_create(actor=OPERATOR, name="x", scopes=["ledger:read"])
    assert caught.value.param == "user"


def test_only_the_operator_mints_a_token_for_another_user(bookkeeper: Principal) -> None:
    admin = factories.user(Role.ADMIN)
    with pytest.raises(PermissionDenied) as caught:
        token_create(actor=admin, name="x", scopes=["ledger:read"], owner_email=bookkeeper.label)
    assert caught.value.param == "user"
    token_create(actor=admin, name="mine", scopes=["ledger:read"], owner_email=admin.label)
    assert list(ApiToken.objects.values_list("user__email", flat=True)) == [admin.label]


def test_a_token_mints_only_within_its_own_scopes_clients_and_lifetime() -> None:
    factories.firm()
    client_a, client_b = factories.client("A Co"), factories.client("B Co")
    admin = factories.user(Role.ADMIN)
    parent = authenticate(mint(admin, ["ledger:read", "tokens:write"], clients=[client_a],
                               days=10))
    with pytest.raises(InsufficientScope):
        token_create(actor=admin, name="wider", scopes=["ledger:write"], clients=[client_a],
                     within=parent)
    with pytest.raises(InsufficientScope):
        token_create(actor=admin, name="all clients", scopes=["ledger:read"], within=parent)
    with pytest.raises(NotFound):
        token_create(actor=admin, name="other client", scopes=["ledger:read"],
                     clients=[client_b], within=parent)
    with pytest.raises(InsufficientScope):
        token_create(actor=admin, name="longer", scopes=["ledger:read"], clients=[client_a],
                     expires_in_days=11, within=parent)
    assert ApiToken.objects.count() == 1
    child, _ = token_create(actor=admin, name="ok", scopes=["ledger:read"], clients=[client_a],
                            expires_in_days=5, within=parent)
    assert child.scopes == "ledger:read" and child.all_clients is False


def test_a_client_limited_token_covers_only_clients_the_user_still_sees() -> None:
    from lawledger.access.services import wall_raise

    factories.firm()
    client_a = factories.client("A Co")
    attorney = factories.user(Role.ATTORNEY)
    matter = factories.matter(client_a, responsible=attorney)
    text = mint(attorney, ["ledger:read"], clients=[client_a])
    assert len(authenticate(text).client_pks or ()) == 1
    wall_raise(actor=OPERATOR, matter=matter, email=attorney.label, reason="conflict")
    assert authenticate(text).client_pks == frozenset()


def test_it_refuses_bad_names_scopes_and_lifetimes(bookkeeper: Principal) -> None:
    cases = [({"name": "", "scopes": ["ledger:read"]}, "name"),
             ({"name": "x", "scopes": ["ledger:admin"]}, "scopes"),
             ({"name": "x", "scopes": []}, "scopes"),
             ({"name": "x", "scopes": ["ledger:read"], "expires_in_days": 0}, "expires_in_days"),
             ({"name": "x", "scopes": ["ledger:read"], "expires_in_days": 366},
              "expires_in_days")]
    for arguments, param in cases:
        with pytest.raises(InvalidInput) as caught:
            token_create(actor=bookkeeper, **arguments)  # type: ignore[arg-type]
        assert caught.value.param == param
    assert ApiToken.objects.count() == 0


def test_minting_is_audited_without_the_secret(bookkeeper: Principal) -> None:
    text = mint(bookkeeper, ["ledger:read"])
    created = AuditRecord.objects.get(event="api_token.created")
    assert created.details["scopes"] == "ledger:read"
    assert text not in str(created.details) and text.split("_", 2)[2] not in str(created.details)


def test_the_scope_table_follows_the_access_policy() -> None:
    """Hand-written scope roles against `core.access`: a write scope only for roles that may act."""
    by_action = {Scope.LEDGER_WRITE: Action.RECORD_DISBURSEMENT,
                 Scope.MATTERS_WRITE: Action.OPEN_MATTER, Scope.TIME_WRITE: Action.RECORD_TIME,
                 Scope.BANKING_READ: Action.VIEW_FIRM_REPORTS, Scope.LEDGER_READ: Action.VIEW}
    for scope, action in by_action.items():
        for role in Role:
            principal = Principal(label="x", role=role, user_id=1)
            expected = role_allows(principal, action) and principal.is_staff
            assert (role in SCOPE_ROLES[scope]) == expected, (scope, role)
    assert role_scopes(Role.CLIENT) == frozenset()
    assert all(not str(scope).endswith(":write") for scope in role_scopes(Role.AUDITOR))


def _raw(sql: str, params: list[object]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_widening_unrevoking_or_deleting_a_token(
        bookkeeper: Principal) -> None:
    mint(bookkeeper, ["ledger:read"], clients=[factories.client("Only Co")])
    token = ApiToken.objects.get()
    attempts = [
        ("UPDATE apitokens_api_token SET scopes = %s WHERE id = %s", ["ledger:read ledger:write"]),
        ("UPDATE apitokens_api_token SET all_clients = %s, client_ids = '' WHERE id = %s", [True]),
        ("UPDATE apitokens_api_token SET expires_at = %s WHERE id = %s",
         [dt.datetime(2099, 1, 1, tzinfo=dt.UTC)]),
        ("UPDATE apitokens_api_token SET secret_hash = %s WHERE id = %s", ["0" * 64]),
        ("UPDATE apitokens_api_token SET user_id = %s WHERE id = %s",
         [User.objects.get(email=bookkeeper.label).pk + 1000]),
        ("DELETE FROM apitokens_api_token WHERE id = %s", []),
    ]
    for sql, params in attempts:
        with pytest.raises(DatabaseError):
            _raw(sql, [*params, token.pk])
    token_revoke(actor=bookkeeper, token=token.public_id)
    with pytest.raises(DatabaseError):
        _raw("UPDATE apitokens_api_token SET revoked_at = NULL WHERE id = %s", [token.pk])
    after = ApiToken.objects.get()
    assert (after.scopes, after.revoked_at is not None) == ("ledger:read", True)
    _raw("UPDATE apitokens_api_token SET last_used_at = %s WHERE id = %s",
         [dt.datetime(2026, 1, 1, tzinfo=dt.UTC), token.pk])  # the one column that may change
