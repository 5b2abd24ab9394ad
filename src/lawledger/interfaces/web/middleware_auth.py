"""Per request: the session's time limits, then the second factor before anything else.

SessionLimitsMiddleware ends a session idle longer than the firm's `session_idle_minutes` or
older than `session_absolute_hours` (times on the server's clock). SecondFactorMiddleware lets a
signed-in session whose second factor is not verified reach only the sign-in pages (B4): web
pages redirect to the second-factor step, the API answers 401. Requests with an API token
(Authorization header) are the API's business and pass untouched.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from lawledger.access.policy import principal_for
from lawledger.audit.services import record
from lawledger.security import services, sessions
from lawledger.security.events import AuthEvent
from lawledger.security.models import PasskeyDevice

_OPEN_PREFIXES = ("/login/", "/logout/", "/static/")
_LIMITS_TTL_SECONDS = 30.0
_limits_cache: dict[str, float] = {}  # read_at, idle_seconds, absolute_seconds


def session_limits_seconds() -> tuple[int, int]:
    """(idle, absolute) limits from the firm settings, re-read at most every 30 seconds."""
    now = time.monotonic()
    if not _limits_cache or now - _limits_cache["read_at"] > _LIMITS_TTL_SECONDS:
        from lawledger.firm.queries import firm_settings

        row = firm_settings()
        _limits_cache.update(read_at=now, idle=row.session_idle_minutes * 60,
                             absolute=row.session_absolute_hours * 3600)
    return int(_limits_cache["idle"]), int(_limits_cache["absolute"])


def forget_session_limits() -> None:
    _limits_cache.clear()


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _uses_token(request: HttpRequest) -> bool:
    return _is_api(request) and "HTTP_AUTHORIZATION" in request.META


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _uses_token(request) or not request.user.is_authenticated:
            return self.get_response(request)
        session = request.session
        now = sessions.now_seconds()
        idle_seconds, absolute_seconds = session_limits_seconds()
        started = session.setdefault(sessions.AUTHENTICATED_AT, now)
        last_seen = session.get(sessions.LAST_SEEN_AT, now)
        if now - last_seen > idle_seconds or now - started > absolute_seconds:
            user = request.user
            with transaction.atomic():
                record(principal_for(user), AuthEvent.SESSION_EXPIRED,
                       object_type="user", object_id=str(user.pk))
            sessions.forget(session.session_key)
            logout(request)
            if _is_api(request):
                return JsonResponse({"detail": "session expired"}, status=401)
            return redirect(f"{reverse('login')}?{urlencode({'next': request.path})}")
        if now - last_seen >= 30:  # not a session write on every request
            session[sessions.LAST_SEEN_AT] = now
        return self.get_response(request)


def _admin_without_passkey(user: Any) -> bool:
    if not services.passkey_required(user) or isinstance(user.otp_device, PasskeyDevice):
        return False
    return not services.has_passkey(user)


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = request.user  # django-otp adds is_verified() and otp_device
        if (_uses_token(request) or not user.is_authenticated
                or request.path.startswith(_OPEN_PREFIXES)):
            return self.get_response(request)
        verified = user.is_verified()
        if verified and not _admin_without_passkey(user):
            return self.get_response(request)
        if _is_api(request):
            return JsonResponse({"detail": "second factor required"}, status=401)
        from lawledger.interfaces.web.views_auth import second_factor_url

        target = request.get_full_path() if request.method == "GET" else "/"
        if verified:  # an admin who has still to register a passkey
            return redirect(f"{reverse('login_enrol')}?{urlencode({'next': target})}")
        return redirect(second_factor_url(user, target))
