"""Register an operation on a router and wrap it with `endpoint`, declaring every status it can
answer, the scope it needs and whether it takes an Idempotency-Key, in one place.

A download (`response=None` with `content` naming its media types) answers a file's bytes rather
than JSON; its errors are still in the one JSON shape."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ninja import Router, Schema
from pydantic import BaseModel

from lawledger.apitokens.scopes import Scope
from lawledger.interfaces.api.endpoint import Keys, endpoint
from lawledger.interfaces.api.errors import COMMON_ERRORS, WRITE_ERRORS, ErrorOut

_KEY_NOTES = {
    Keys.NONE: "",
    Keys.OPTIONAL: " Accepts an `Idempotency-Key` header.",
    Keys.REQUIRED: " Requires an `Idempotency-Key` header.",
}


def operation(router: Router, method: str, path: str, *, scope: Scope,
              response: type[BaseModel] | None, operation_id: str, summary: str,
              status: int = 200, query: type[Schema] | None = None, keys: Keys = Keys.NONE,
              errors: Iterable[int] | None = None, params: Mapping[str, str] | None = None,
              content: Iterable[str] = (),
              also: Mapping[int, type[BaseModel]] | None = None
              ) -> Callable[[Callable[..., Any]], Any]:
    declared = frozenset(errors if errors is not None
                         else (WRITE_ERRORS if method == "post" else COMMON_ERRORS))

    def decorate(view: Callable[..., Any]) -> Any:
        wrapped = endpoint(scope=scope, status=status, query=query, keys=keys,
                           params=params)(view)
        description = ((view.__doc__ or "").strip() + f"\n\nScope: `{scope}`." + _KEY_NOTES[keys])
        extra: dict[str, Any] = {"x-required-scope": str(scope)}
        if content:
            binary = {"schema": {"type": "string", "format": "binary"}}
            extra["responses"] = {status: {"description": "The file, as an attachment.",
                                           "content": dict.fromkeys(content, binary)}}
        register = getattr(router, method)
        # `also`: other successes the view may answer (202 for a payment held for approval).
        responses: dict[Any, Any] = {status: response, **(also or {}), declared: ErrorOut}
        register(path, response=responses, operation_id=operation_id,
                 summary=summary, description=description.strip(), openapi_extra=extra)(wrapped)
        return wrapped

    return decorate
