"""The NinjaAPI at /api/v1: authentication, the strict body parser, and every error in one shape.

The OpenAPI schema and the docs page answer authenticated staff only (A9, ASVS 13.4.5). Every
refusal raised outside an operation's own wrapper (authentication, ninja's validation, an
unparsable or oversized body) is turned into `{"error": {...}}` here, and audited when the
caller is known.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.db import DatabaseError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from lawledger.apitokens.events import TokenEvent
from lawledger.audit.services import record
from lawledger.core.errors import LawLedgerError
from lawledger.interfaces.api.auth import (
    BearerAuth,
    Caller,
    CallerRefused,
    SessionAuth,
    authenticate_request,
)
from lawledger.interfaces.api.errors import (
    error_response,
    refusal_response,
    validation_response,
)
from lawledger.interfaces.api.routers import (
    accounts,
    banking,
    billing,
    billing_more,
    fees,
    people,
    receipts,
    tokens,
    trust,
)
from lawledger.interfaces.errors import audit_refusal

log = logging.getLogger("lawledger.api")


class StrictParser(Parser):
    """JSON bodies only, and only text every database can store (no lone surrogates)."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body)
        json.dumps(data, ensure_ascii=False).encode("utf-8")  # raises on "\ud800"
        return data


def _audit_outside(request: HttpRequest, status: int, outcome: str) -> None:
    caller = getattr(request, "auth", None)
    if not isinstance(caller, Caller):
        return
    try:
        with transaction.atomic():
            record(caller.principal, TokenEvent.API_REQUEST, object_type="api",
                   object_id="request", outcome=outcome,
                   details={"method": request.method, "path": request.path[:200],
                            "status": status, "via": caller.via,
                            "token": caller.grant.public_id if caller.grant else None})
    except (DatabaseError, LawLedgerError):
        log.exception("could not audit a refused API request")


def _docs_guard(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            caller = authenticate_request(request)
        except LawLedgerError as error:
            return refusal_response(error)
        if caller is None:
            return error_response(401, "authentication_required",
                                  "the API schema and docs are for signed-in staff", None,
                                  {"WWW-Authenticate": "Bearer"})
        return view(request, *args, **kwargs)

    return guarded


api = NinjaAPI(
    title="lawledger API",
    version="1",
    description="Trust accounting and billing for law firms. Authenticate with "
                "`Authorization: Bearer <token>` (see docs/api.md).",
    urls_namespace="api-v1",
    auth=[BearerAuth(), SessionAuth()],
    parser=StrictParser(),
    docs_decorator=_docs_guard,
)
for router in (people.router, accounts.router, trust.router, banking.router, billing.router,
               billing_more.router, fees.router, receipts.router, tokens.router):
    api.add_router("", router)


@api.exception_handler(LawLedgerError)
def _refused(request: HttpRequest, error: LawLedgerError) -> HttpResponse:
    if isinstance(error, CallerRefused):
        audit_refusal(error.principal, error, f"api:{request.path[:100]}")
    return refusal_response(error)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    response = validation_response(list(error.errors))
    _audit_outside(request, response.status_code, "invalid")
    return response


@api.exception_handler(AuthenticationError)
def _anonymous(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return error_response(401, "authentication_required",
                          "send an API token as 'Authorization: Bearer <token>'", None,
                          {"WWW-Authenticate": "Bearer"})


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    if error.status_code == 400 and str(error).startswith("Cannot parse request body"):
        response = error_response(400, "invalid_json", "body: not a JSON document lawledger "
                                  "accepts (UTF-8 JSON, at most 1 MiB)", "body")
    else:
        response = error_response(error.status_code, f"http_{error.status_code}", str(error))
    _audit_outside(request, response.status_code, "invalid")
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return error_response(404, "not_found", "not found")


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
    return error_response(413, "request_too_large", "the request body is too large", "body")


@api.exception_handler(TooManyFieldsSent)
def _too_many(request: HttpRequest, error: TooManyFieldsSent) -> HttpResponse:
    return error_response(400, "too_many_fields", "the request has too many fields", None)


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, error: SuspiciousOperation) -> HttpResponse:
    return error_response(400, "bad_request", "the request was refused", None)


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, error: Exception) -> HttpResponse:
    # Never the exception text: it may hold another client's data or the server's internals.
    log.exception("API error on %s %s", request.method, request.path[:200])
    return error_response(500, "internal_error", "something went wrong on our side", None)
