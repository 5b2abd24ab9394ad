"""The jurisdiction packs' reads (the app's public surface): the packs themselves, and the firm's
reports under its pack. Every read of client data goes through the access policy and is audited
by the module that makes it."""

from __future__ import annotations

from typing import Any

from lawledger.core.jurisdictions import Pack, all_packs, get_pack
from lawledger.firm.queries import firm_settings
from lawledger.jurisdictions.due import account_reconciliation_due, reconciliation_due_report
from lawledger.jurisdictions.notices import notice_pdf, notices_due, notices_list
from lawledger.jurisdictions.reports import (
    record_completeness,
    shaped_reconciliation,
    shaped_saved_reconciliation,
    trust_position,
)
from lawledger.jurisdictions.retention import (
    entry_keep_until,
    matter_keep_until,
    may_purge_entry,
    may_purge_matter,
    retention_report,
)
from lawledger.jurisdictions.unclaimed import residual_register, unclaimed_report

__all__ = [
    "account_reconciliation_due", "entry_keep_until", "matter_keep_until", "may_purge_entry",
    "may_purge_matter", "notice_pdf", "notices_due", "notices_list", "pack_document",
    "packs_summary", "reconciliation_due_report", "record_completeness", "residual_register",
    "retention_report", "shaped_reconciliation", "shaped_saved_reconciliation",
    "trust_position", "unclaimed_report",
]


def _summary(pack: Pack, active: str) -> dict[str, Any]:
    return {"code": pack.code, "name": pack.name, "active": pack.code == active,
            "reconciliation": "; ".join(f"{c.label} ({c.deadline.describe()})"
                                        for c in pack.cadences),
            "retention": pack.retention.describe()}


def packs_summary() -> dict[str, Any]:
    """Every pack lawledger knows, the firm's marked (public rule data: no audit)."""
    active = firm_settings().jurisdiction
    return {"jurisdiction": active, "packs": [_summary(pack, active) for pack in all_packs()]}


def pack_document(code: str | None = None) -> dict[str, Any]:
    """One pack in full (the firm's when no code is given): rules, sources, duties, defaults."""
    active = firm_settings().jurisdiction
    pack = get_pack(code or active, param="code")
    rule = pack.unclaimed
    return {
        **_summary(pack, active), "regulator": pack.regulator,
        "reconciliation_duties": [{"kind": c.kind, "label": c.label, "period": c.period.value,
                                   "deadline": c.deadline.describe(), "source": c.source}
                                  for c in pack.cadences],
        "report": {"shape": pack.report_shape.value, "title": pack.report_title},
        "retention_rule": {"years": pack.retention.years,
                           "runs_from": pack.retention.runs_from.value,
                           "source": pack.retention.source},
        "unclaimed": {"kind": rule.kind.value, "destination": rule.destination or None,
                      "after_months": rule.after_months, "source": rule.source,
                      "authority": rule.authority or None, "records": list(rule.records),
                      "without_authorisation_max_minor": rule.without_authorisation_max_minor,
                      "threshold_currency": rule.threshold_currency or None},
        "notices": [{"kind": n.kind.value, "title": n.title, "summary": n.summary,
                     "source": n.source} for n in pack.notices],
        "required_fields": [{"field": r.field.value, "kinds": sorted(r.kinds),
                             "methods": sorted(r.methods), "source": r.source}
                            for r in pack.records],
        "defaults": pack.default_settings(),
        "rules": [{"key": r.key, "text": r.text, "source": r.source} for r in pack.rules],
    }
