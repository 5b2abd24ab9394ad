"""Passkeys (WebAuthn) with py_webauthn: registration and assertion ceremonies.

The relying party is the site the browser is on (its host, validated by ALLOWED_HOSTS), so the
origin and RP id come from the request; the challenge lives in the user's session between the
two steps of a ceremony and is used once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import cast

from django.db import transaction
from django.utils import timezone
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from lawledger.access.models import User
from lawledger.access.policy import principal_for
from lawledger.audit.services import record
from lawledger.core.errors import InvalidInput
from lawledger.security.events import AuthEvent
from lawledger.security.models import PasskeyDevice

RP_NAME = "lawledger"


@dataclass(frozen=True)
class RelyingParty:
    rp_id: str     # the host name, without port
    origin: str    # scheme://host[:port]


def registration_options(user: User, rp: RelyingParty) -> tuple[str, str]:
    """Options JSON for navigator.credentials.create() and the challenge (base64url) to keep."""
    existing = [PublicKeyCredentialDescriptor(id=base64url_to_bytes(d.credential_id))
                for d in PasskeyDevice.objects.filter(user=user)]
    options = generate_registration_options(
        rp_id=rp.rp_id, rp_name=RP_NAME, user_name=user.email,
        user_id=str(user.pk).encode(), user_display_name=user.full_name or user.email,
        exclude_credentials=existing,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED))
    return options_to_json(options), bytes_to_base64url(options.challenge)


def register(user: User, rp: RelyingParty, challenge: str, credential_json: str,
             name: str = "passkey") -> PasskeyDevice:
    try:
        verified = verify_registration_response(
            credential=json.loads(credential_json), expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp.rp_id, expected_origin=rp.origin)
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as error:
        raise InvalidInput(f"credential: the passkey could not be registered ({error})",
                           param="credential") from None
    with transaction.atomic():
        device = PasskeyDevice.objects.create(
            user=user, name=name[:64] or "passkey",
            credential_id=bytes_to_base64url(verified.credential_id),
            public_key=bytes_to_base64url(verified.credential_public_key),
            sign_count=verified.sign_count, created_at=timezone.now())
        record(principal_for(user), AuthEvent.PASSKEY_REGISTERED, object_type="user",
               object_id=str(user.pk), details={"device": device.public_id})
    return cast(PasskeyDevice, device)


def authentication_options(user: User, rp: RelyingParty) -> tuple[str, str]:
    allowed = [PublicKeyCredentialDescriptor(id=base64url_to_bytes(d.credential_id))
               for d in PasskeyDevice.objects.filter(user=user, confirmed=True)]
    options = generate_authentication_options(
        rp_id=rp.rp_id, allow_credentials=allowed,
        user_verification=UserVerificationRequirement.PREFERRED)
    return options_to_json(options), bytes_to_base64url(options.challenge)


def authenticate(user: User, rp: RelyingParty, challenge: str,
                 credential_json: str) -> PasskeyDevice | None:
    """The user's passkey that signed this assertion, or None; the sign counter must grow."""
    try:
        credential = json.loads(credential_json)
        credential_id = str(credential["id"])
    except (ValueError, KeyError, TypeError):
        return None
    with transaction.atomic():
        device = (PasskeyDevice.objects.select_for_update()
                  .filter(user=user, confirmed=True, credential_id=credential_id).first())
        verified = None
        if device is not None:
            try:
                verified = verify_authentication_response(
                    credential=credential, expected_challenge=base64url_to_bytes(challenge),
                    expected_rp_id=rp.rp_id, expected_origin=rp.origin,
                    credential_public_key=base64url_to_bytes(device.public_key),
                    credential_current_sign_count=device.sign_count)
            except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError):
                verified = None
        actor = principal_for(user)
        if device is None or verified is None:
            record(actor, AuthEvent.MFA_FAILED, object_type="user", object_id=str(user.pk),
                   outcome="denied", details={"factor": "passkey"})
            return None
        device.sign_count = verified.new_sign_count
        device.last_used_at = timezone.now()
        device.save(update_fields=["sign_count", "last_used_at"])
        record(actor, AuthEvent.MFA_VERIFIED, object_type="user", object_id=str(user.pk),
               details={"device": device.persistent_id})
    return cast(PasskeyDevice, device)
