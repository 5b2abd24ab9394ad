"""API tokens through the API: list one's own, mint (never beyond the caller), revoke; and the
audit chain check for the roles that read the audit."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from lawledger.apitokens import queries as token_queries
from lawledger.apitokens import services as token_services
from lawledger.apitokens.scopes import Scope
from lawledger.audit.verify import verify_chain
from lawledger.interfaces.api.auth import caller_of
from lawledger.interfaces.api.endpoint import IDEMPOTENCY_KEY_OPTIONAL, Keys
from lawledger.interfaces.api.routes import operation
from lawledger.interfaces.api.schemas import (
    PATH_REF,
    AuditVerifyOut,
    TokenCreatedOut,
    TokenIn,
    TokenList,
    TokenOut,
)

router = Router(tags=["tokens and audit"])


@operation(router, "get", "/tokens", scope=Scope.TOKENS_WRITE, response=TokenList,
           operation_id="listTokens", summary="Your API tokens")
def list_tokens(request: HttpRequest) -> TokenList:
    """The caller's own tokens: never their secrets or hashes."""
    caller = caller_of(request)
    return TokenList(data=[TokenOut(**token_queries.token_as_dict(token))
                           for token in token_queries.tokens_for(caller.principal)])


@operation(router, "post", "/tokens", scope=Scope.TOKENS_WRITE, response=TokenCreatedOut,
           status=201, operation_id="createToken", summary="Mint an API token",
           keys=Keys.OPTIONAL)
def create_token(request: HttpRequest, payload: TokenIn,
                 idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> TokenCreatedOut:
    """Mint a token acting as the caller. Its scopes, clients and lifetime never exceed the
    caller's (nor the minting token's). The secret is in this response only: a replay of this
    request under its Idempotency-Key answers with `secret: null`."""
    caller = caller_of(request)
    token, secret = token_services.token_create(
        actor=caller.principal, name=payload.name, scopes=[str(s) for s in payload.scopes],
        clients=payload.clients, expires_in_days=payload.expires_in_days, within=caller.grant)
    return TokenCreatedOut(token=TokenOut(**token_queries.token_as_dict(token)), secret=secret)


@operation(router, "post", "/tokens/{token_id}/revoke", scope=Scope.TOKENS_WRITE,
           response=TokenOut, operation_id="revokeToken", summary="Revoke an API token",
           keys=Keys.OPTIONAL, params={"token": "token_id"})
def revoke_token(request: HttpRequest, token_id: str = PATH_REF,
                 idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> TokenOut:
    """Revoke one of the caller's tokens (an admin: anyone's). Takes effect on the next request."""
    caller = caller_of(request)
    token = token_services.token_revoke(actor=caller.principal, token=token_id)
    return TokenOut(**token_queries.token_as_dict(token))


@operation(router, "get", "/audit/verify", scope=Scope.AUDIT_READ, response=AuditVerifyOut,
           operation_id="verifyAudit", summary="Verify the audit chain")
def verify_audit(request: HttpRequest) -> AuditVerifyOut:
    """Recompute the hash chain of the audit records and name the first one that does not fit."""
    caller_of(request).require_firm_wide()
    result = verify_chain()
    return AuditVerifyOut(ok=result.ok, records=result.records, head_seq=result.head_seq,
                          head_hash=result.head_hash, first_bad_seq=result.first_bad_seq,
                          problem=result.problem or None)
