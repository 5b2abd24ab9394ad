"""What every API operation shares: scope, allow-listed parameters, one transaction, one audit record,
idempotency keys, and refusals in one shape.

`@endpoint(...)` wraps a view that returns a response schema instance (or, for a download, the
file's own HttpResponse, audited like any read). The wrapper checks the
caller's scope, refuses query parameters the operation does not declare (C1), and runs the view
inside one transaction that also appends the `api.request` audit record (every use of a token is
audited with the work or read it did: no audit, no answer) and notes the token's last use.

With an `Idempotency-Key` (required on the POSTs that move money, accepted on the other POSTs) the
idempotency record is claimed first in that same transaction and completed with the response
before it commits (see `lawledger.apitokens.idempotency`). Refusals by a rule are stored too, so a
retry gets the same answer; server errors (5xx) are not, so a retry may succeed. A key sent with a
GET has no effect: reads are idempotent already.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable, Mapping
from enum import Enum
from functools import wraps
from typing import Any

from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from ninja import Schema
from ninja.params import functions as params
from pydantic import BaseModel

from lawledger.apitokens import idempotency
from lawledger.apitokens.events import TokenEvent
from lawledger.apitokens.scopes import Scope
from lawledger.apitokens.services import token_touch
from lawledger.audit.services import record
from lawledger.core.errors import IdempotencyKeyReused, InvalidInput, LawLedgerError
from lawledger.interfaces.api.auth import Caller, caller_of
from lawledger.interfaces.api.errors import (
    BadParameter,
    json_response,
    payload_of,
    refusal_response,
)
from lawledger.interfaces.errors import audit_refusal

log = logging.getLogger("lawledger.api")

# Tests set this to simulate the process dying at a point ("before_commit", "after_commit").
crash_hook: Callable[[str], None] | None = None

KEY_PATTERN = r"^[\x21-\x7e]{1,128}$"
IDEMPOTENCY_KEY_REQUIRED: Any = params.Header(
    ..., alias=idempotency.HEADER, pattern=KEY_PATTERN,
    description="Required: a unique key per request (e.g. a UUID). A retry with the same key and "
                "body gets the stored response; the same key with another body is refused (422).")
IDEMPOTENCY_KEY_OPTIONAL: Any = params.Header(
    None, alias=idempotency.HEADER, pattern=KEY_PATTERN,
    description="Optional: makes a retry of this request safe (same key and body → stored response).")


class Keys(Enum):
    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


def _hook(point: str) -> None:
    if crash_hook is not None:
        crash_hook(point)


def _check_query(request: HttpRequest, query: type[Schema] | None) -> None:
    allowed = set()
    if query is not None:
        allowed = {field.alias or name for name, field in query.model_fields.items()}
    for name in request.GET:
        if name not in allowed:
            raise BadParameter(f"{name[:40]}: unknown query parameter", param=name[:40])


def _key(request: HttpRequest, keys: Keys) -> str | None:
    if keys is Keys.NONE or request.method != "POST":
        return None
    value = request.headers.get(idempotency.HEADER)
    if value is None:
        if keys is Keys.REQUIRED:
            raise BadParameter(f"{idempotency.HEADER}: required on requests that move money",
                               param=idempotency.HEADER)
        return None
    try:
        return idempotency.validate_key(value)
    except InvalidInput as error:
        raise BadParameter(error.message, param=idempotency.HEADER) from None


def _audit(request: HttpRequest, caller: Caller, operation: str, status: int, *,
           outcome: str = "ok", replayed: bool = False) -> None:
    details: dict[str, Any] = {"operation": operation, "method": request.method,
                               "path": request.path[:200], "status": status, "via": caller.via}
    if caller.grant is not None:
        details["token"] = caller.grant.public_id
    if replayed:
        details["replayed"] = True
    record(caller.principal, TokenEvent.API_REQUEST, object_type="api", object_id=operation,
           outcome=outcome, details=details)
    if caller.grant is not None:
        token_touch(caller.grant)


def refuse(request: HttpRequest, caller: Caller, operation: str, error: LawLedgerError,
           params: Mapping[str, str] | None = None) -> HttpResponse:
    """Answer a refusal and audit it (the refused work has rolled back; this is its own record)."""
    response = refusal_response(error, params)
    audit_refusal(caller.principal, error, f"api:{operation}")
    try:
        with transaction.atomic():
            outcome = "denied" if response.status_code in (403, 404) else "refused"
            _audit(request, caller, operation, response.status_code, outcome=outcome)
    except (DatabaseError, LawLedgerError):
        log.exception("could not audit the refusal of %s", operation)
    return response


def _dump(result: BaseModel) -> str:
    return json.dumps(result.model_dump(mode="json"), ensure_ascii=False)


def _body_of(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body) if request.body else None
    except ValueError:
        return None  # ninja has refused an unparsable body before the view runs


def endpoint(*, scope: Scope, status: int = 200, query: type[Schema] | None = None,
             keys: Keys = Keys.NONE,
             params: Mapping[str, str] | None = None) -> Callable[[Callable[..., BaseModel]],
                                                                 Callable[..., HttpResponse]]:
    """Wrap an API view: see the module docstring. `params` renames service fields for errors."""

    def decorate(view: Callable[..., BaseModel]) -> Callable[..., HttpResponse]:
        operation = view.__name__

        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            caller = caller_of(request)
            kwargs.pop("idempotency_key", None)
            try:
                _check_query(request, query)
                caller.require(scope)
                key = _key(request, keys)
            except LawLedgerError as error:
                return refuse(request, caller, operation, error, params)

            def run() -> Any:
                return view(request, *args, **kwargs)

            if key is None:
                return _once(request, caller, operation, status=status, params=params, run=run)
            return _keyed(request, caller, operation, status=status, params=params, run=run,
                          key=key)

        # ninja reads the view's parameters through the wrapper, resolving names in the wrapper's
        # module: hand it the view's own signature with its annotations already evaluated.
        wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _once(request: HttpRequest, caller: Caller, operation: str, *, status: int,
          params: Mapping[str, str] | None,
          run: Callable[[], BaseModel | HttpResponse]) -> HttpResponse:
    try:
        with transaction.atomic():
            result = run()
            # A download answers its file as it is; the read is audited all the same.
            answer = result if isinstance(result, HttpResponse) else _dump(result)
            _audit(request, caller, operation, status)
    except LawLedgerError as error:
        return refuse(request, caller, operation, error, params)
    return answer if isinstance(answer, HttpResponse) else json_response(status, answer)


def _keyed(request: HttpRequest, caller: Caller, operation: str, *, status: int,
           params: Mapping[str, str] | None, run: Callable[[], BaseModel],
           key: str) -> HttpResponse:
    fingerprint = idempotency.request_fingerprint(request.method or "", request.path,
                                                  _body_of(request))
    try:
        with transaction.atomic():
            claimed = idempotency.claim(caller.principal, key, fingerprint, operation)
            if isinstance(claimed, idempotency.Stored):
                _audit(request, caller, operation, claimed.status, replayed=True)
            else:
                # The ledger keeps its own key for the entry, bound to this record (I7 twice over).
                request.ledger_idempotency_key = f"api:{claimed.public_id}"  # type: ignore[attr-defined]
                result = run()
                body = _dump(result)
                # A result may answer with its own status (202: a payment held for approval).
                status = getattr(result, "http_status", status)
                # A response may keep less than it shows (a new token's secret is never stored).
                replay = getattr(result, "for_replay", None)
                idempotency.complete(claimed, status, _dump(replay()) if replay else body)
                _audit(request, caller, operation, status)
                _hook("before_commit")
        _hook("after_commit")
    except LawLedgerError as error:
        response = refuse(request, caller, operation, error, params)
        if not isinstance(error, IdempotencyKeyReused) and response.status_code < 500:
            idempotency.store_refusal(caller.principal, key, fingerprint, operation=operation,
                                      status=response.status_code,
                                      body=response.content.decode("utf-8"))
        return response
    if isinstance(claimed, idempotency.Stored):
        return json_response(claimed.status, claimed.body, {"Idempotent-Replayed": "true"})
    return json_response(status, body)


def ledger_key(request: HttpRequest) -> str | None:
    """The ledger-level idempotency key of this request (None without an Idempotency-Key)."""
    return getattr(request, "ledger_idempotency_key", None)


__all__ = ["IDEMPOTENCY_KEY_OPTIONAL", "IDEMPOTENCY_KEY_REQUIRED", "Keys", "endpoint",
           "ledger_key", "payload_of", "refuse"]
