"""Bar-rule packs: the trust rules of each jurisdiction as data, with the pure functions that
apply them (reconciliation due dates, retention, residual balances, notices, report shapes).

    from lawledger.core.jurisdictions import get_pack, next_reconciliation_due
"""

from __future__ import annotations

from lawledger.core.jurisdictions.model import Pack
from lawledger.core.jurisdictions.registry import all_packs, codes, get_pack, register
from lawledger.core.jurisdictions.schedule import ReconciliationDue, next_reconciliation_due

__all__ = ["Pack", "ReconciliationDue", "all_packs", "codes", "get_pack",
           "next_reconciliation_due", "register"]
