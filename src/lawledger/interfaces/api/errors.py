"""One error shape for every answer that is not a success: `{"error": {"code", "message", "param"}}`.

Typed refusals (`lawledger.core.errors`) keep their code and status. Validation errors name the
field: an unknown body field is 422 `unknown_field` (A6), a bad body value 422 `invalid_input`, a
bad query or header parameter 400 `invalid_parameter` (C1), a malformed path id 404 like any id
that does not exist. A 404 never echoes what was asked, so "forbidden" and "missing" are the same
bytes (A1). Nothing about the server's internals is ever put in an error (A9).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.http import HttpResponse
from ninja import Schema

from lawledger.core.errors import InvalidInput, LawLedgerError, NotFound

# The errors every authenticated operation can answer with, declared on each one in the schema.
COMMON_ERRORS = frozenset({400, 401, 403, 404, 413, 503})
WRITE_ERRORS = COMMON_ERRORS | {409, 422}


class ErrorDetail(Schema):
    code: str
    message: str
    param: str | None


class ErrorOut(Schema):
    error: ErrorDetail


class BadParameter(InvalidInput):
    """A query or header parameter that is not allowed here (an unknown sort key, say)."""

    code = "invalid_parameter"
    http_status = 400


def error_body(code: str, message: str, param: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "param": param}}


def json_response(status: int, body: str | dict[str, Any],
                  headers: Mapping[str, str] | None = None) -> HttpResponse:
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    response = HttpResponse(text, status=status, content_type="application/json")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(status: int, code: str, message: str, param: str | None = None,
                   headers: Mapping[str, str] | None = None) -> HttpResponse:
    return json_response(status, error_body(code, message, param), headers)


def payload_of(error: LawLedgerError, params: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The error body of a typed refusal; `params` renames service fields to the API's names."""
    param = error.param
    if param is not None and params:
        param = params.get(param, param)
    if isinstance(error, NotFound):
        # The same bytes whether the object is missing or hidden from this principal (A1).
        noun = param or "object"
        return error_body(NotFound.code, f"{noun}: not found", param)
    message = error.message
    if param is not None and error.param is not None and param != error.param \
            and message.startswith(error.param + ":"):
        message = param + message[len(error.param):]
    return error_body(error.code, message, param)


def refusal_response(error: LawLedgerError,
                     params: Mapping[str, str] | None = None) -> HttpResponse:
    headers = {"WWW-Authenticate": "Bearer"} if error.http_status == 401 else None
    return json_response(error.http_status, payload_of(error, params), headers)


def _field(loc: Iterable[Any]) -> str:
    parts = [str(part) for part in loc]
    return ".".join(parts) if parts else "body"


def validation_response(errors: list[dict[str, Any]]) -> HttpResponse:
    """Ninja's validation errors in our shape, naming the first field at fault."""
    first = errors[0] if errors else {"loc": ("body",), "msg": "invalid request", "type": ""}
    loc = tuple(first.get("loc") or ("body",))
    source, rest = loc[0], loc[1:]
    if source == "body" and len(rest) > 1:
        rest = rest[1:]  # drop the view's argument name: ("body", "payload", "amount")
    field = _field(rest) if rest else str(source)
    message = f"{field}: {first.get('msg', 'invalid')}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more)"
    if source == "path":
        return error_response(404, NotFound.code, f"{field}: not found", field)
    if source in ("query", "header", "cookie"):
        return error_response(400, BadParameter.code, message, field)
    if first.get("type") == "extra_forbidden":
        return error_response(422, "unknown_field", f"{field}: unknown field", field)
    return error_response(422, InvalidInput.code, message, field)
