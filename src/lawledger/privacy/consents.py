"""A client's consent to disclose billing to a named third party, with scope and expiry.

Disclosures to a party (`redaction.redacted_invoice(..., party=...)`) call `require_consent`, which
refuses unless an unrevoked consent of that client covers the scope on the day; every check is
audited, refused or not.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from lawledger.access.policy import get_client, require
from lawledger.audit.services import record
from lawledger.core import clock
from lawledger.core.access import Action, Principal
from lawledger.core.errors import InvalidInput, NotFound
from lawledger.firm.models import Client
from lawledger.firm.queries import firm_today
from lawledger.privacy.errors import NoConsent
from lawledger.privacy.events import PrivacyEvent
from lawledger.privacy.models import Consent

SCOPES = tuple(Consent.Scope.values)


def _party(party: str) -> str:
    cleaned = " ".join((party or "").split())
    if not cleaned or len(cleaned) > 200 or not cleaned.isprintable():
        raise InvalidInput("party: name the third party (1-200 printable characters)",
                           param="party")
    return cleaned


def grant_consent(actor: Principal, client: str, party: str, scope: str, expires_on: dt.date,
                  *, valid_from: dt.date | None = None, note: str = "") -> Consent:
    require(actor, Action.MANAGE_FIRM)
    if scope not in SCOPES:
        raise InvalidInput(f"scope: {scope!r} is not one of {', '.join(SCOPES)}", param="scope")
    start = valid_from or firm_today()
    if expires_on < start:
        raise InvalidInput("expires_on: must not be before the consent starts",
                           param="expires_on")
    with transaction.atomic():
        row = get_client(actor, client)
        consent = Consent.objects.create(client=row, party=_party(party), scope=scope,
                                         valid_from=start, expires_on=expires_on,
                                         note=note.strip() or None, granted_by=actor.label,
                                         granted_at=clock.now())
        record(actor, PrivacyEvent.CONSENT_GRANTED, object_type="consent",
               object_id=consent.public_id, client_ref=row.number,
               details={"party": consent.party, "scope": scope,
                        "expires_on": expires_on.isoformat()})
    return consent


def revoke_consent(actor: Principal, consent_id: str) -> Consent:
    require(actor, Action.MANAGE_FIRM)
    with transaction.atomic():
        consent = Consent.objects.select_for_update().filter(public_id=consent_id,
                                                             revoked_at__isnull=True).first()
        if consent is None:
            raise NotFound(f"consent: no active consent {consent_id!r}", param="consent")
        get_client(actor, consent.client.number)
        consent.revoked_at = clock.now()
        consent.save(update_fields=["revoked_at"])
        record(actor, PrivacyEvent.CONSENT_REVOKED, object_type="consent",
               object_id=consent.public_id, client_ref=consent.client.number)
    return consent


def covering_consent(client: Client, party: str, scope: str, day: dt.date) -> Consent | None:
    scopes = [scope, Consent.Scope.ALL_BILLING]
    return Consent.objects.filter(client=client, party=_party(party), scope__in=scopes,
                                  valid_from__lte=day, expires_on__gte=day,
                                  revoked_at__isnull=True).order_by("-expires_on").first()


def require_consent(actor: Principal, client: Client, party: str, scope: str) -> Consent:
    """Inside the caller's transaction: the consent covering this disclosure, or NoConsent."""
    day = firm_today()
    consent = covering_consent(client, party, scope, day)
    if consent is None:
        # The refusal is audited by the interface (RULE_REFUSED), after this transaction rolls back.
        raise NoConsent(f"party: {client.number} has not consented to disclose {scope} to "
                        f"{_party(party)!r} (or the consent expired)", param="party")
    record(actor, PrivacyEvent.CONSENT_CHECKED, object_type="consent",
           object_id=consent.public_id, client_ref=client.number,
           details={"party": consent.party, "scope": scope})
    return consent
