"""Until when a document must be kept, under the firm's jurisdiction, and whether a legal hold
forbids deleting it now.

A document is a record of what it supports: it is kept at least the jurisdiction's retention
period after it was filed, and at least as long as the trust record it supports (a trust entry,
or every trust record of its matter) — which is open-ended while the matter still holds trust
money or its period has not started (`lawledger.jurisdictions.retention`).
"""

from __future__ import annotations

import datetime as dt

from lawledger.core.jurisdictions import get_pack
from lawledger.core.jurisdictions.retention import KeepUntil, add_years
from lawledger.documents.models import Document, SubjectKind
from lawledger.firm.queries import firm_settings, firm_zone
from lawledger.jurisdictions.retention import entry_keep_until, matter_keep_until

NO_TRUST_RECORDS = "the matter has no trust records"


def document_keep_until(document: Document) -> KeepUntil:
    rule = get_pack(firm_settings().jurisdiction).retention
    filed_on = document.created_at.astimezone(firm_zone()).date()
    results = [KeepUntil(add_years(filed_on, rule.years),
                         f"{rule.years} years after it was filed ({filed_on.isoformat()})")]
    if document.subject_kind == SubjectKind.TRUST_ENTRY:
        results.append(entry_keep_until(document.subject_ref))
    elif document.matter is not None:
        held = matter_keep_until(document.matter)
        if held.reason != NO_TRUST_RECORDS:
            results.append(held)
    open_ended = [result for result in results if result.date is None]
    if open_ended:
        return open_ended[0]
    return max(results, key=lambda result: result.date or dt.date.min)


def legal_hold_reason(document: Document) -> str | None:
    """Why the document may not be deleted now because of a legal hold on its matter, or None.

    The hold itself belongs to the privacy context; a trigger (migration 0003) refuses the same
    deletion in the database."""
    from lawledger.privacy.holds import active_hold

    matter = document.matter
    if matter is None or active_hold(matter) is None:
        return None
    return f"matter {matter.number} is under legal hold"
