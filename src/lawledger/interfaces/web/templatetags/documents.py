"""Template tags that put documents on other contexts' pages with a one-line include.

`documents_panel` lists a subject's attachments with an upload form (the listing is audited like
any other); `documents_missing` names the trust entries on a ledger or journal page that have no
supporting document. Both answer nothing rather than break the page they sit on when the
principal may not see the subject.
"""

from __future__ import annotations

from typing import Any

from django import template

from lawledger.core.errors import LawLedgerError

register = template.Library()


def _principal(context: template.Context) -> Any:
    from lawledger.access.policy import principal_for

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return principal_for(user)


@register.inclusion_tag("documents/_panel.html", takes_context=True)
def documents_panel(context: template.Context, kind: str, ref: str) -> dict[str, Any]:
    from lawledger.documents.queries import documents_for

    principal = _principal(context)
    if principal is None or not principal.is_staff:
        return {"listing": None}
    try:
        listing = documents_for(principal, kind, str(ref))
    except LawLedgerError:
        return {"listing": None}
    return {"listing": listing, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("documents/_missing.html")
def documents_missing(entries: Any) -> dict[str, Any]:
    from lawledger.documents.queries import documented_entry_ids

    rows = [entry for entry in entries if entry.get("id")]
    documented = documented_entry_ids([entry["id"] for entry in rows])
    return {"missing": [entry for entry in rows if entry["id"] not in documented],
            "shown": len(rows)}
