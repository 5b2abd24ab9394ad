"""URLs under /api/: version 1 of the API, and a JSON 404 for anything else.

Every API view passes one guard first: the audit source becomes `api:<address>`, a body larger
than the API's limit is refused with 413 before a byte of it is read (C5), a method the path does
not have answers 405 in the error shape, and no response may be cached.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from lawledger.audit.context import set_source
from lawledger.interfaces.api.app import api
from lawledger.interfaces.api.errors import error_response

MAX_BODY_BYTES: int = getattr(settings, "LAWLEDGER_API_MAX_BODY_BYTES", 1024 * 1024)


def _too_large(request: HttpRequest) -> HttpResponse | None:
    try:
        size = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return error_response(400, "bad_request", "Content-Length is not a number", None)
    if size > MAX_BODY_BYTES:
        return error_response(413, "request_too_large",
                              f"the request body is larger than {MAX_BODY_BYTES} bytes", "body")
    return None


def guard(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        set_source(f"api:{request.META.get('REMOTE_ADDR', '')}")
        response = _too_large(request)
        if response is None:
            try:
                response = view(request, *args, **kwargs)
            except Http404:
                response = error_response(404, "not_found", "not found")
        if response.status_code == 405 and response.get("Content-Type", "").startswith(
                "text/html"):
            allowed = response.get("Allow", "")
            response = error_response(405, "method_not_allowed",
                                      f"{request.method} is not allowed here (allowed: {allowed})",
                                      None, {"Allow": allowed})
        response["Cache-Control"] = "no-store"
        return response

    return guarded


@csrf_exempt
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    response = error_response(404, "not_found", "not found")
    response["Cache-Control"] = "no-store"
    return response


def _v1() -> tuple[list[Any], str]:
    patterns, app_name, _namespace = api.urls
    for pattern in patterns:
        assert pattern.callback is not None
        pattern.callback = guard(pattern.callback)
    return patterns, app_name


urlpatterns = [
    path("v1/", include(_v1(), namespace=api.urls_namespace)),
    re_path(r"^", not_found),
]
