"""Minting, revoking and checking API tokens: each command one transaction with its audit record.

A token's text is `llt_<lookup prefix>_<secret>`: the prefix (60 random bits) finds the row, the
secret (256 random bits) is never stored; the row keeps sha256 of the whole text and the check
compares digests in constant time. A token acts as its user: `authenticate` re-reads the user on
every request, so a deactivation, a role change or a new ethical wall applies on the next request,
and the effective scopes are the token's scopes intersected with what the current role may hold.
Minting never exceeds the minting principal: scopes within the owner's role (and within the
minting token's scopes, clients and expiry when a token mints), clients the owner may see.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from lawledger.access.policy import AccessRefused, get_client, principal_by_email, principal_for
from lawledger.apitokens.errors import (
    AuthenticationFailed,
    InsufficientScope,
    InvalidToken,
    TokenExpired,
    TokenRevoked,
)
from lawledger.apitokens.events import TokenEvent
from lawledger.apitokens.models import ApiToken
from lawledger.apitokens.scopes import (
    Scope,
    format_scopes,
    parse_scopes,
    role_scopes,
    stored_scopes,
)
from lawledger.audit.services import record
from lawledger.core import clock
from lawledger.core.access import Principal, Role
from lawledger.core.errors import InvalidInput, NotFound, PermissionDenied

TOKEN_PREFIX = "llt"
DEFAULT_EXPIRY_DAYS = 90
MAX_EXPIRY_DAYS = 365
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)  # last_used_at is written at most once a minute
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_TOKEN_TEXT = re.compile(r"^llt_(?P<prefix>[0-9a-hjkmnp-tv-z]{12})_(?P<secret>[A-Za-z0-9_-]{43})$")
_ANONYMOUS = Principal(label="anonymous", role=Role.CLIENT)


@dataclass(frozen=True)
class TokenGrant:
    """What one authenticated token may do right now (computed afresh on every request)."""

    token_pk: int
    public_id: str
    principal: Principal
    scopes: frozenset[Scope]
    client_pks: frozenset[int] | None         # None: every client the user may see
    client_public_ids: tuple[str, ...] | None
    expires_at: dt.datetime


def token_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _new_token_text() -> tuple[str, str]:
    prefix = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return prefix, f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"


def _clean_name(name: str) -> str:
    cleaned = (name or "").strip()
    if not cleaned or len(cleaned) > 100 or not cleaned.isprintable():
        raise InvalidInput("name: 1-100 printable characters", param="name")
    return cleaned


def _owner(actor: Principal, owner_email: str | None) -> Principal:
    if owner_email and actor.is_operator:
        return principal_by_email(owner_email)
    if owner_email and owner_email.strip().lower() != actor.label.lower():
        raise PermissionDenied("user: only the operator may mint a token for another user",
                               param="user")
    if actor.user_id is None:
        raise InvalidInput("user: name the user the token acts as (--user EMAIL)", param="user")
    return actor


def _expiry(now: dt.datetime, days: int | None, within: TokenGrant | None) -> dt.datetime:
    count = DEFAULT_EXPIRY_DAYS if days is None else days
    if type(count) is not int or not 1 <= count <= MAX_EXPIRY_DAYS:
        raise InvalidInput(f"expires_in_days: a whole number from 1 to {MAX_EXPIRY_DAYS}",
                           param="expires_in_days")
    expires = now + dt.timedelta(days=count)
    if within is not None and days is None:
        return min(expires, within.expires_at)  # by default a child lives as long as it may
    if within is not None and expires > within.expires_at:
        raise InsufficientScope("expires_in_days: a token cannot outlive the token that mints it",
                                param="expires_in_days")
    return expires


def _clients(owner: Principal, refs: Iterable[str] | None,
             within: TokenGrant | None) -> list[str] | None:
    wanted = [ref.strip() for ref in refs or () if ref and ref.strip()]
    if not wanted:
        if within is not None and within.client_public_ids is not None:
            raise InsufficientScope("clients: a token limited to clients mints only tokens "
                                    "limited to some of them", param="clients")
        return None
    found = set()
    for ref in wanted:
        client = get_client(owner, ref, param="clients")
        if within is not None and within.client_pks is not None \
                and client.pk not in within.client_pks:
            raise AccessRefused(f"clients: no client {ref!r}", param="clients",
                                principal=owner, object_type="client", object_id=ref[:64],
                                action="mint_token")
        found.add(str(client.public_id))
    return sorted(found)


def _check_scopes(actor: Principal, owner: Principal, scopes: frozenset[Scope],
                  within: TokenGrant | None) -> None:
    if owner.role is Role.CLIENT:
        raise PermissionDenied("user: portal users cannot hold API tokens", param="user")
    if not actor.is_operator and Scope.TOKENS_WRITE not in role_scopes(actor.role):
        raise PermissionDenied(f"{actor.role} may not mint API tokens", param="scopes")
    beyond_role = scopes - role_scopes(owner.role)
    if beyond_role:
        raise PermissionDenied(f"scopes: a {owner.role} may not hold "
                               f"{format_scopes(beyond_role)}", param="scopes")
    if within is not None and scopes - within.scopes:
        raise InsufficientScope("scopes: a token cannot mint a token with scopes it does not "
                                f"hold ({format_scopes(scopes - within.scopes)})", param="scopes")


def token_create(*, actor: Principal, name: str, scopes: Iterable[str],
                 clients: Iterable[str] | None = None, expires_in_days: int | None = None,
                 owner_email: str | None = None,
                 within: TokenGrant | None = None) -> tuple[ApiToken, str]:
    """Mint a token; returns the row and the token text, which is shown this once only."""
    clean_name = _clean_name(name)
    wanted = parse_scopes(scopes)
    owner = _owner(actor, owner_email)
    _check_scopes(actor, owner, wanted, within)
    now = clock.now()
    expires = _expiry(now, expires_in_days, within)
    with transaction.atomic():
        client_ids = _clients(owner, clients, within)
        for _attempt in range(5):
            prefix, text = _new_token_text()
            assert owner.user_id is not None
            token = ApiToken(lookup_prefix=prefix, secret_hash=token_digest(text), name=clean_name,
                             user_id=owner.user_id, scopes=format_scopes(wanted),
                             all_clients=client_ids is None,
                             client_ids=" ".join(client_ids or []), created_at=now,
                             created_by=actor.label, expires_at=expires)
            try:
                with transaction.atomic():
                    token.save(force_insert=True)
                break
            except IntegrityError:
                continue  # a prefix collision (60 random bits): draw again
        else:
            raise RuntimeError("could not draw a unique token prefix")
        record(actor, TokenEvent.TOKEN_CREATED, object_type="api_token", object_id=token.public_id,
               details={"name": clean_name, "user_id": owner.user_id, "scopes": token.scopes,
                        "clients": client_ids, "expires_at": expires.isoformat(),
                        "via_token": within.public_id if within else None})
    return token, text


def token_revoke(*, actor: Principal, token: str) -> ApiToken:
    """Revoke a token of one's own (an admin or the operator: anyone's). Revoking twice is a no-op."""
    ref = (token or "").strip()
    with transaction.atomic():
        row = ApiToken.objects.select_for_update().filter(public_id=ref).first() if ref else None
        may = row is not None and (actor.is_operator or actor.role is Role.ADMIN
                                   or row.user_id == actor.user_id)
        if row is None or not may:
            raise AccessRefused(f"token: no token {ref!r}", param="token", principal=actor,
                                object_type="api_token", object_id=ref[:64], action="revoke")
        if row.revoked_at is None:
            row.revoked_at = clock.now()
            row.revoked_by = actor.label
            row.save(update_fields=["revoked_at", "revoked_by"])
            record(actor, TokenEvent.TOKEN_REVOKED, object_type="api_token",
                   object_id=row.public_id, details={"user_id": row.user_id})
    return row


def _refuse(error: AuthenticationFailed, *, prefix: str,
            row: ApiToken | None) -> AuthenticationFailed:
    """Audit a presented token that did not authenticate (own transaction), return the error."""
    who = principal_for(row.user) if row is not None else _ANONYMOUS
    with transaction.atomic():
        record(who, TokenEvent.TOKEN_REFUSED, object_type="api_token",
               object_id=row.public_id if row is not None else "", outcome="denied",
               details={"reason": error.code, "prefix": prefix})
    return error


def authenticate(text: str) -> TokenGrant:
    """The grant of a presented token, or InvalidToken / TokenExpired / TokenRevoked (all 401)."""
    match = _TOKEN_TEXT.match(text or "")
    if match is None:
        raise _refuse(InvalidToken("the bearer token is not a lawledger API token"),
                      prefix="", row=None)
    prefix = match.group("prefix")
    row = ApiToken.objects.select_related("user").filter(lookup_prefix=prefix).first()
    digest = token_digest(text)
    # Compare even when nothing was found, so timing does not tell a known prefix from another.
    if not hmac.compare_digest(row.secret_hash if row is not None else "0" * 64, digest) \
            or row is None:
        raise _refuse(InvalidToken("the bearer token is not valid"), prefix=prefix, row=None)
    if row.revoked_at is not None:
        raise _refuse(TokenRevoked("this API token was revoked"), prefix=prefix, row=row)
    if row.expires_at <= clock.now():
        raise _refuse(TokenExpired("this API token has expired"), prefix=prefix, row=row)
    if not row.user.is_active:
        raise _refuse(InvalidToken("the token's user is deactivated"), prefix=prefix, row=row)
    principal = principal_for(row.user)
    scopes = stored_scopes(row.scopes) & role_scopes(principal.role)
    client_pks: frozenset[int] | None = None
    client_public_ids: tuple[str, ...] | None = None
    if not row.all_clients:
        client_public_ids = tuple(row.client_ids.split())
        client_pks = frozenset(_visible_client_pks(principal, client_public_ids))
    return TokenGrant(row.pk, str(row.public_id), principal, scopes, client_pks,
                      client_public_ids, row.expires_at)


def _visible_client_pks(principal: Principal, public_ids: Iterable[str]) -> set[int]:
    """The allow-listed clients the user still sees (a new wall can only narrow a token)."""
    found = set()
    for public_id in public_ids:
        try:
            found.add(get_client(principal, public_id).pk)
        except NotFound:
            continue
    return found


def token_touch(grant: TokenGrant) -> None:
    """Note the use on the token (inside the request's transaction; at most once a minute)."""
    now = clock.now()
    ApiToken.objects.filter(pk=grant.token_pk, revoked_at__isnull=True).exclude(
        last_used_at__gt=now - LAST_USED_RESOLUTION).update(last_used_at=now)
