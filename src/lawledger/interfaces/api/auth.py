"""Who is calling the API: a bearer token or the web app's own session (with CSRF), staff only.

A token is read from the `Authorization: Bearer` header and nowhere else (not a cookie, not the
query string). When that header is present the session is never consulted, so a bad token is a
401 even in a signed-in browser. Without it, the session of the web app authenticates, and every
unsafe method must carry the CSRF token. Portal (client) users cannot use the staff API at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security.apikey import APIKeyCookie
from ninja.security.http import HttpBearer
from ninja.utils import check_csrf

from lawledger.access.policy import AccessRefused, get_matter, principal_for, visible_matters
from lawledger.apitokens.errors import ClientLimited, InsufficientScope, InvalidToken
from lawledger.apitokens.scopes import Scope, role_scopes
from lawledger.apitokens.services import TokenGrant, authenticate
from lawledger.core.access import Action, Principal
from lawledger.core.errors import PermissionDenied

if TYPE_CHECKING:
    from lawledger.firm.models import Client, Matter


class CallerRefused(PermissionDenied):
    """A signed-in principal refused at the door; the refusal is audited as theirs."""

    def __init__(self, message: str, principal: Principal) -> None:
        super().__init__(message)
        self.principal = principal


class StaffOnly(CallerRefused):
    code = "staff_only"


class CsrfFailed(CallerRefused):
    code = "csrf_failed"


@dataclass(frozen=True)
class Caller:
    """The authenticated principal of one request and what it may do through the API."""

    principal: Principal
    via: str                                 # "token" or "session"
    grant: TokenGrant | None = None

    @property
    def scopes(self) -> frozenset[Scope]:
        return self.grant.scopes if self.grant else role_scopes(self.principal.role)

    @property
    def client_pks(self) -> frozenset[int] | None:
        return self.grant.client_pks if self.grant else None

    def require(self, scope: Scope) -> None:
        if scope not in role_scopes(self.principal.role):
            raise PermissionDenied(f"a {self.principal.role} may not use {scope}")
        if scope not in self.scopes:
            raise InsufficientScope(f"this token was not granted {scope}")

    def require_firm_wide(self) -> None:
        if self.client_pks is not None:
            raise ClientLimited("this token is limited to some clients; this is firm-wide")

    def allows_client(self, client_pk: int) -> bool:
        return self.client_pks is None or client_pk in self.client_pks

    def matter(self, ref: str, action: Action = Action.VIEW, *, param: str = "matter") -> Matter:
        """The matter if the policy lets this principal see it and the token covers its client."""
        matter = get_matter(self.principal, ref, param=param)
        if not self.allows_client(matter.client_id):
            raise AccessRefused(f"{param}: no matter {ref!r}", param=param,
                                principal=self.principal, object_type="matter",
                                object_id=str(ref)[:64], action=str(action))
        return matter

    def sees(self, matter: Matter) -> bool:
        """May this caller see `matter` (the policy, and the token's clients)?"""
        return self.allows_client(matter.client_id) and visible_matters(self.principal).filter(
            pk=matter.pk).exists()

    def check_client(self, client: Client, *, param: str = "client") -> Client:
        if not self.allows_client(client.pk):
            raise AccessRefused(f"{param}: no client", param=param, principal=self.principal,
                                object_type="client", object_id=str(client.public_id),
                                action="view")
        return client


def caller_of(request: HttpRequest) -> Caller:
    caller = getattr(request, "auth", None)
    if not isinstance(caller, Caller):
        raise RuntimeError("an API view ran without an authenticated caller")
    return caller


def _staff(caller: Caller) -> Caller:
    if not caller.principal.is_staff:
        raise StaffOnly("the API is for the firm's staff; clients use the portal",
                        caller.principal)
    return caller


class BearerAuth(HttpBearer):
    """`Authorization: Bearer llt_…`; any other Authorization header is refused, not skipped."""

    def __call__(self, request: HttpRequest) -> Any:
        value = request.headers.get("Authorization")
        if value is None:
            return None
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidToken("send the API token as 'Authorization: Bearer <token>'")
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        grant = authenticate(token)
        return _staff(Caller(grant.principal, "token", grant))


class SessionAuth(APIKeyCookie):
    """The web app's signed-in session; unsafe methods must pass Django's CSRF check."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Any:
        if "Authorization" in request.headers:
            return None  # a request that names a token is judged by its token alone
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        principal = principal_for(user)
        if check_csrf(request) is not None:
            raise CsrfFailed("CSRF check failed: send the X-CSRFToken header with the session",
                             principal)
        return _staff(Caller(principal, "session"))

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        raise NotImplementedError  # __call__ does the work; kept for ninja's abstract base


def authenticate_request(request: HttpRequest) -> Caller | None:
    """For views outside ninja's operations (the schema and docs): the same two ways in."""
    bearer = BearerAuth()(request)
    if bearer is not None:
        return bearer  # type: ignore[no-any-return]
    return SessionAuth()(request)  # type: ignore[no-any-return]
