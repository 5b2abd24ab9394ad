"""Sign-in: the password step (throttled by django-axes), the second factor, enrolment, logout.

Each step cycles the session key (B3). A session whose second factor is not verified reaches
only these pages (SecondFactorMiddleware). `require_recent_mfa` is the step-up guard other views
put on sensitive acts.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import login as auth_login
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.models import Device

from lawledger.access.models import User
from lawledger.core.access import Role
from lawledger.core.errors import InvalidInput
from lawledger.security import passkeys, services, sessions
from lawledger.security.totp import base32_secret, otpauth_uri

View = Callable[..., HttpResponse]
STEP_UP_SECONDS = 5 * 60
LOCKED_MESSAGE = "Too many failed sign-ins. Wait a few minutes, then try again."
_PASSKEY_CHALLENGE = "security_passkey_challenge"


def safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _with_next(name: str, target: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': target})}"


def second_factor_url(user: User, target: str) -> str:
    """Where a signed-in but unverified (or admin-without-passkey) user must go next."""
    if services.has_any_factor(user):
        return _with_next("login_verify", target)
    return _with_next("login_enrol", target)


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        auth_login(self.request, user)  # cycles the session key: step one (B3)
        target = self.get_success_url()
        asked_for = self.request.POST.get("next") or self.request.GET.get("next")
        if user.role == Role.CLIENT and not asked_for:
            target = reverse("portal:home")  # the staff home refuses clients: land in the portal
        return redirect(second_factor_url(user, target))


def locked_out(request: HttpRequest, original_response: Any = None,
               credentials: Any = None) -> HttpResponse:
    """django-axes' lockout answer: the login page, one message whoever the username is."""
    return render(request, "web/login.html", {"locked": LOCKED_MESSAGE, "next": ""},
                  status=429)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    sessions.forget(request.session.session_key)
    logout(request)
    return redirect("login")


def complete_second_factor(request: HttpRequest, device: Device) -> None:
    """Mark the session verified by `device` and cycle its key: step two (B3)."""
    user: User = request.user  # type: ignore[assignment]
    old_key = request.session.session_key
    otp_login(request, device)
    request.session.cycle_key()
    sessions.rekeyed(old_key, request.session.session_key, user)
    request.session[sessions.MFA_VERIFIED_AT] = sessions.now_seconds()


def _verify_context(request: HttpRequest, user: User, error: str = "") -> dict[str, Any]:
    return {"next": safe_next(request), "error": error, "has_passkey": services.has_passkey(user),
            "step_up": request.GET.get("step_up") == "1" or request.POST.get("step_up") == "1"}


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second factor: a TOTP or recovery code typed here, or a passkey (passkey.js)."""
    user: User = request.user  # type: ignore[assignment]
    if not services.has_any_factor(user):
        return redirect(_with_next("login_enrol", safe_next(request)))
    if request.method == "POST":
        device = services.verify_code(user, request.POST.get("code", ""))
        if device is None:
            context = _verify_context(request, user, "That code was not accepted. Try again.")
            return render(request, "web/login_verify.html", context, status=400)
        complete_second_factor(request, device)
        if services.passkey_required(user) and not services.has_passkey(user):
            return redirect(_with_next("login_enrol", safe_next(request)))
        return redirect(safe_next(request))
    return render(request, "web/login_verify.html", _verify_context(request, user))


def _enrolment_allowed(request: HttpRequest, user: User) -> bool:
    # A new factor needs the proof of an existing one, or there must be none yet (first login):
    # otherwise a stolen password would be enough to enrol the thief's authenticator.
    verified = bool(getattr(user, "is_verified", lambda: False)())
    return verified or not services.has_any_factor(user)


@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in: an authenticator app (staff and clients) or a passkey (admins)."""
    user: User = request.user  # type: ignore[assignment]
    target = safe_next(request)
    if not _enrolment_allowed(request, user):
        return redirect(_with_next("login_verify", target))
    if services.passkey_required(user):
        return render(request, "web/login_enrol_passkey.html", {"next": target})
    device = services.totp_enrolment(user)
    context = {"next": target, "secret": base32_secret(device.secret_hex),
               "uri": otpauth_uri(device, user.email), "error": ""}
    if request.method == "POST":
        try:
            confirmed, codes = services.confirm_totp(user, request.POST.get("code", ""))
        except InvalidInput:
            context["error"] = "That code was not accepted. Check the app's clock and try again."
            return render(request, "web/login_enrol_totp.html", context, status=400)
        complete_second_factor(request, confirmed)
        return render(request, "web/login_recovery_codes.html", {"codes": codes, "next": target})
    return render(request, "web/login_enrol_totp.html", context)


def _relying_party(request: HttpRequest) -> passkeys.RelyingParty:
    host = request.get_host()  # validated against ALLOWED_HOSTS
    rp_id = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return passkeys.RelyingParty(rp_id=rp_id, origin=f"{request.scheme}://{host}")


@require_POST
@login_required
def passkey_options(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    options, challenge = passkeys.authentication_options(user, _relying_party(request))
    request.session[_PASSKEY_CHALLENGE] = challenge
    return HttpResponse(options, content_type="application/json")


@require_POST
@login_required
def passkey_verify(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    challenge = request.session.pop(_PASSKEY_CHALLENGE, None)
    device = None if challenge is None else passkeys.authenticate(
        user, _relying_party(request), challenge, request.POST.get("credential", ""))
    if device is None:
        return JsonResponse({"ok": False, "error": "The passkey was not accepted."}, status=400)
    complete_second_factor(request, device)
    return JsonResponse({"ok": True, "next": safe_next(request)})


@require_POST
@login_required
def passkey_register_options(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not _enrolment_allowed(request, user):
        return JsonResponse({"ok": False, "error": "Verify your second factor first."},
                            status=403)
    options, challenge = passkeys.registration_options(user, _relying_party(request))
    request.session[_PASSKEY_CHALLENGE] = challenge
    return HttpResponse(options, content_type="application/json")


@require_POST
@login_required
def passkey_register(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    challenge = request.session.pop(_PASSKEY_CHALLENGE, None)
    if challenge is None or not _enrolment_allowed(request, user):
        return JsonResponse({"ok": False, "error": "Start the registration again."}, status=400)
    first = not services.has_any_factor(user)
    try:
        device = passkeys.register(user, _relying_party(request), challenge,
                                   request.POST.get("credential", ""))
    except InvalidInput as error:
        return JsonResponse({"ok": False, "error": error.message}, status=400)
    complete_second_factor(request, device)
    codes = services.issue_recovery_codes(user) if first else []
    return JsonResponse({"ok": True, "next": safe_next(request), "recovery_codes": codes})


def require_recent_mfa(view: View | None = None, *,
                       max_age_seconds: int = STEP_UP_SECONDS) -> Any:
    """Step-up: the wrapped view runs only if the second factor was proved in the last
    `max_age_seconds`; otherwise the user is sent to prove it again and come back.

    Use as `@require_recent_mfa` or `@require_recent_mfa(max_age_seconds=60)`, outside
    `staff_view`.
    """

    def decorate(inner: View) -> View:
        @wraps(inner)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            verified_at = request.session.get(sessions.MFA_VERIFIED_AT)
            fresh = (isinstance(verified_at, int)
                     and sessions.now_seconds() - verified_at <= max_age_seconds)
            if request.user.is_authenticated and not fresh:
                back = request.get_full_path() if request.method == "GET" else (
                    request.META.get("HTTP_REFERER") or request.path)
                query = urlencode({"next": back, "step_up": "1"})
                return redirect(f"{reverse('login_verify')}?{query}")
            return inner(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate

