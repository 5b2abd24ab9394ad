"""Second-factor devices and the live login sessions of each user.

TotpDevice          an authenticator app. The seed is sealed (EncryptedTextField), unlike
                    django-otp's stock TOTPDevice; `last_t` refuses a code's second use and the
                    throttling fields slow guessing down exponentially.
RecoveryCodeDevice  a user's set of one-time recovery codes; each RecoveryCode keeps only the
                    sha256 of its code (the codes are random, 50 bits) and is spent once.
PasskeyDevice       a WebAuthn credential (public key, sign counter): phishing-resistant, and
                    required for admins.
LoginSession        the session keys a user holds, so that deactivating a user (or an MFA reset)
                    ends every one of their sessions at once.

All three devices subclass django_otp's Device, so django_otp.login() and OTPMiddleware
(`request.user.is_verified()`) treat them alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:  # django-otp is untyped: what we use of its bases, for the type checker

    class Device(models.Model):
        name: str
        confirmed: bool

        class Meta:
            abstract = True

        @property
        def persistent_id(self) -> str: ...
        def verify_is_allowed(self) -> tuple[bool, dict[str, Any] | None]: ...
        def verify_token(self, token: object) -> bool: ...

    class ThrottlingMixin(models.Model):
        throttling_failure_timestamp: Any
        throttling_failure_count: int

        class Meta:
            abstract = True

        def throttle_reset(self, commit: bool = True) -> None: ...
        def throttle_increment(self, commit: bool = True) -> None: ...
else:
    from django_otp.models import Device, ThrottlingMixin

from lawledger.crypto.fields import EncryptedTextField, PublicIdField

THROTTLE_FACTOR_SECONDS = 1


class DeviceManager(models.Manager[Any]):
    """django-otp's DeviceManager, restated here so that the type checker can see it."""

    def devices_for_user(self, user: Any, confirmed: bool | None = None) -> Any:
        devices = self.model.objects.filter(user=user)
        if confirmed is not None:
            devices = devices.filter(confirmed=bool(confirmed))
        return devices


class TotpDevice(ThrottlingMixin, Device):
    PUBLIC_ID_PREFIX = "totp"

    user = models.ForeignKey("access.User", on_delete=models.CASCADE, related_name="totp_devices")
    objects = DeviceManager()
    public_id = PublicIdField()
    secret_hex = EncryptedTextField()  # 20 random bytes, hex: the shared TOTP seed
    digits = models.PositiveSmallIntegerField(default=6)
    step_seconds = models.PositiveSmallIntegerField(default=30)
    tolerance_steps = models.PositiveSmallIntegerField(default=1)
    last_t = models.BigIntegerField(default=-1)  # the last time step accepted: no replay
    created_at = models.DateTimeField()

    class Meta:
        db_table = "security_totp_device"
        constraints = [
            models.CheckConstraint(condition=Q(digits__in=[6, 8]), name="security_totp_digits"),
        ]

    def get_throttle_factor(self) -> int:
        return THROTTLE_FACTOR_SECONDS

    def verify_token(self, token: object) -> bool:
        from lawledger.security.totp import verify_totp_device

        return verify_totp_device(self, str(token))


class RecoveryCodeDevice(ThrottlingMixin, Device):
    PUBLIC_ID_PREFIX = "rcv"

    user = models.ForeignKey("access.User", on_delete=models.CASCADE, related_name="recovery_devices")
    objects = DeviceManager()
    public_id = PublicIdField()
    created_at = models.DateTimeField()

    class Meta:
        db_table = "security_recovery_device"

    def get_throttle_factor(self) -> int:
        return THROTTLE_FACTOR_SECONDS

    def verify_token(self, token: object) -> bool:
        from lawledger.security.recovery import verify_recovery_device

        return verify_recovery_device(self, str(token))


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE,
                               related_name="codes")
    code_sha256 = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "security_recovery_code"
        constraints = [
            models.UniqueConstraint(fields=["device", "code_sha256"],
                                    name="security_recovery_code_unique"),
        ]


class PasskeyDevice(Device):
    PUBLIC_ID_PREFIX = "pk"

    user = models.ForeignKey("access.User", on_delete=models.CASCADE, related_name="passkey_devices")
    objects = DeviceManager()
    public_id = PublicIdField()
    credential_id = models.CharField(max_length=700, unique=True)  # base64url
    public_key = models.TextField()  # COSE key, base64url: public by nature
    sign_count = models.BigIntegerField(default=0)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "security_passkey_device"
        constraints = [
            models.CheckConstraint(condition=Q(sign_count__gte=0),
                                   name="security_passkey_sign_count_positive"),
        ]

    def verify_token(self, token: object) -> bool:
        # A passkey proves itself with a signed WebAuthn assertion, never with a typed code.
        return False


class LoginSession(models.Model):
    user = models.ForeignKey("access.User", on_delete=models.CASCADE,
                             related_name="login_sessions")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "security_login_session"
