"""Second-factor commands: enrol TOTP, issue recovery codes, verify a typed code.

Every success and failure is audited in the transaction that changes the device (its counter,
its throttle, a spent code). Admins verify with a passkey; a typed code for them is only ever a
recovery code (break-glass, audited).
"""

from __future__ import annotations

from typing import cast

from django.db import transaction
from django.utils import timezone
from django_otp.models import Device

from lawledger.access.models import User
from lawledger.access.policy import principal_for
from lawledger.audit.services import record
from lawledger.core.errors import InvalidInput
from lawledger.security import recovery
from lawledger.security.events import AuthEvent
from lawledger.security.models import (
    PasskeyDevice,
    RecoveryCode,
    RecoveryCodeDevice,
    TotpDevice,
)
from lawledger.security.totp import new_secret_hex


def passkey_required(user: User) -> bool:
    return user.role == "admin"


def has_passkey(user: User) -> bool:
    return bool(PasskeyDevice.objects.filter(user=user, confirmed=True).exists())


def has_any_factor(user: User) -> bool:
    """Whether `user` can prove a second factor (so enrolling another needs that proof first)."""
    return (has_passkey(user)
            or TotpDevice.objects.filter(user=user, confirmed=True).exists()
            or RecoveryCode.objects.filter(device__user=user, used_at__isnull=True).exists())


def enrolment_complete(user: User) -> bool:
    """Admins need a passkey; everyone else an authenticator app or a passkey."""
    if passkey_required(user):
        return has_passkey(user)
    return has_passkey(user) or TotpDevice.objects.filter(user=user, confirmed=True).exists()


def totp_enrolment(user: User) -> TotpDevice:
    """The user's pending (unconfirmed) authenticator, created on first call."""
    device = TotpDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TotpDevice.objects.create(user=user, name="authenticator app", confirmed=False,
                                           secret_hex=new_secret_hex(),
                                           created_at=timezone.now())
    return cast(TotpDevice, device)


def confirm_totp(user: User, code: str) -> tuple[TotpDevice, list[str]]:
    """Confirm the pending authenticator with a first code; returns it and new recovery codes."""
    with transaction.atomic():
        device = (TotpDevice.objects.select_for_update()
                  .filter(user=user, confirmed=False).first())
        if device is None or not device.verify_token(code):
            raise InvalidInput("code: that code is not the one your authenticator app shows",
                               param="code")
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record(principal_for(user), AuthEvent.TOTP_ENROLLED, object_type="user",
               object_id=str(user.pk))
        codes = issue_recovery_codes(user)
    return device, codes


def issue_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with new ones; the codes are shown once, kept hashed."""
    with transaction.atomic():
        RecoveryCodeDevice.objects.filter(user=user).delete()
        device = RecoveryCodeDevice.objects.create(user=user, name="recovery codes",
                                                   created_at=timezone.now())
        codes = [recovery.new_code() for _ in range(recovery.CODE_COUNT)]
        RecoveryCode.objects.bulk_create(
            [RecoveryCode(device=device, code_sha256=recovery.code_hash(c)) for c in codes])
        record(principal_for(user), AuthEvent.RECOVERY_CODES_ISSUED, object_type="user",
               object_id=str(user.pk), details={"count": len(codes)})
    return codes


def verify_code(user: User, code: str) -> Device | None:
    """The device that accepts `code` (a TOTP code or a recovery code), or None; audited.

    The devices are locked for the check, so one code sent in two parallel requests passes once.
    """
    with transaction.atomic():
        candidates: list[Device] = []
        # An admin who has a passkey must use it: a typed code is then only a recovery code.
        if not (passkey_required(user) and has_passkey(user)):
            candidates += list(TotpDevice.objects.select_for_update()
                               .filter(user=user, confirmed=True).order_by("pk"))
        candidates += list(RecoveryCodeDevice.objects.select_for_update()
                           .filter(user=user, confirmed=True).order_by("pk"))
        matched = next((d for d in candidates if d.verify_token(code)), None)
        actor = principal_for(user)
        if matched is None:
            record(actor, AuthEvent.MFA_FAILED, object_type="user", object_id=str(user.pk),
                   outcome="denied")
        else:
            event = (AuthEvent.RECOVERY_CODE_USED if isinstance(matched, RecoveryCodeDevice)
                     else AuthEvent.MFA_VERIFIED)
            record(actor, event, object_type="user", object_id=str(user.pk),
                   details={"device": matched.persistent_id})
    return matched


def provision_second_factor(user: User) -> dict[str, str]:
    """Enrol a factor for a user set up by the operator (the demo): a confirmed authenticator
    for staff and clients, recovery codes for admins (who then register a passkey at first
    sign-in). Returns what to hand to the person: the TOTP secret and otpauth URI, or codes."""
    from lawledger.security.totp import base32_secret, otpauth_uri

    if passkey_required(user):
        return {"recovery_codes": " ".join(issue_recovery_codes(user))}
    with transaction.atomic():
        device = TotpDevice.objects.create(user=user, name="authenticator app",
                                           secret_hex=new_secret_hex(),
                                           created_at=timezone.now())
        record(principal_for(user), AuthEvent.TOTP_ENROLLED, object_type="user",
               object_id=str(user.pk), details={"provisioned": True})
    return {"totp_secret": base32_secret(device.secret_hex),
            "otpauth_uri": otpauth_uri(device, user.email)}
