"""Everything held about one client, as one machine-readable JSON document (privacy access right).

The client's details, consents and holds, and per matter its description, trust ledgers, time
entries, expenses and invoices (with lines). Only an administrator or the operator may make it,
and only of a client they can see; it is built from the same audited queries as every other read,
plus one `privacy.client_exported` record naming what went out.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from lawledger.access.policy import get_client, require, visible_matters
from lawledger.audit.services import record
from lawledger.billing.invoicing import get_invoice
from lawledger.billing.models import Invoice
from lawledger.billing.queries import build_document, expenses_report, time_entries_report
from lawledger.core import clock
from lawledger.core.access import Action, Principal
from lawledger.ledger.accounts import trust_accounts_holding
from lawledger.ledger.queries import client_ledger_report
from lawledger.privacy.events import PrivacyEvent
from lawledger.privacy.models import Consent, LegalHold

FORMAT = "lawledger-client-export/1"


def _matter(principal: Principal, matter: Any) -> dict[str, Any]:
    ledgers = [client_ledger_report(principal, matter.number, account.name)
               for account in trust_accounts_holding(matter)]
    invoices = [build_document(get_invoice(principal, public_id, _view()))
                for public_id in Invoice.objects.filter(matter=matter).order_by("pk")
                .values_list("public_id", flat=True)]
    holds = [{"placed_at": h.placed_at.isoformat(), "placed_by": h.placed_by,
              "reason": h.reason, "released_at": h.released_at.isoformat()
              if h.released_at else None}
             for h in LegalHold.objects.filter(matter=matter).order_by("pk")]
    return {"number": matter.number, "title": matter.title, "status": matter.status,
            "description": matter.description,
            "closed_on": matter.closed_on.isoformat() if matter.closed_on else None,
            "trust_ledgers": ledgers, "time_entries": time_entries_report(principal, matter.number),
            "expenses": expenses_report(principal, matter.number), "invoices": invoices,
            "legal_holds": holds}


def _view() -> Any:
    from lawledger.billing.common import BillingAct

    return BillingAct.VIEW


def client_data_export(principal: Principal, client: str) -> dict[str, Any]:
    require(principal, Action.MANAGE_FIRM)
    with transaction.atomic():
        row = get_client(principal, client)
        matters = list(visible_matters(principal).filter(client=row).order_by("number"))
        consents = [{"id": c.public_id, "party": c.party, "scope": c.scope,
                     "valid_from": c.valid_from.isoformat(), "expires_on": c.expires_on.isoformat(),
                     "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
                     "note": c.note}
                    for c in Consent.objects.filter(client=row).order_by("pk")]
        document = {
            "format": FORMAT, "exported_at": clock.now().isoformat(),
            "exported_by": principal.label,
            "client": {"number": row.number, "name": row.name, "email": row.email,
                       "phone": row.phone, "address": row.address, "notes": row.notes},
            "consents": consents,
            "matters": [_matter(principal, matter) for matter in matters],
        }
        record(principal, PrivacyEvent.CLIENT_DATA_EXPORTED, object_type="client",
               object_id=row.number, client_ref=row.number,
               details={"matters": [m.number for m in matters]})
    return document
