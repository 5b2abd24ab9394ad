"""The jurisdiction packs' commands (the app's public surface for writes)."""

from __future__ import annotations

from lawledger.jurisdictions.defaults import apply_pack_defaults
from lawledger.jurisdictions.notices import notice_generate
from lawledger.jurisdictions.unclaimed import residual_payment_record

__all__ = ["apply_pack_defaults", "notice_generate", "residual_payment_record"]
