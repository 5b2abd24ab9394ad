"""The banking context's commands (its public surface, with `queries.py` for reads).

Each command is one transaction that checks the role, does the work through the ledger's own
services where money is posted, and appends its audit record:

- statement_import / import_statements      imports.py    a file, all or nothing, deduplicated
- auto_match, match_confirm, matches_confirm_all, match_undo, match_by_hand      matching.py
- bank_only_propose, bank_only_post, bank_only_dismiss                          proposals.py
- reconciliation_report, reconciliation_save (draft or sign-off), reconciliation_pdf
                                                                                reconcile.py
- csv_profile_add, banking_settings_set
"""

from __future__ import annotations

import json
from typing import Any

from django.db import IntegrityError, transaction

from lawledger.access.policy import require
from lawledger.audit.services import record
from lawledger.banking.events import BankingEvent
from lawledger.banking.imports import (
    MAX_STATEMENT_BYTES,
    ImportResult,
    import_statements,
    statement_import,
)
from lawledger.banking.matching import (
    auto_match,
    match_by_hand,
    match_confirm,
    match_undo,
    matches_confirm_all,
)
from lawledger.banking.models import SavedCsvProfile
from lawledger.banking.proposals import bank_only_dismiss, bank_only_post, bank_only_propose
from lawledger.banking.reconcile import (
    reconciliation_document,
    reconciliation_pdf,
    reconciliation_report,
    reconciliation_save,
)
from lawledger.banking.settings import banking_settings_set
from lawledger.core import clock
from lawledger.core.access import Action, Principal
from lawledger.core.errors import Conflict, InvalidInput

MAX_PROFILE_BYTES = 64 * 1024

__all__ = [
    "MAX_STATEMENT_BYTES", "ImportResult", "auto_match", "bank_only_dismiss", "bank_only_post",
    "bank_only_propose", "banking_settings_set", "csv_profile_add", "import_statements",
    "match_by_hand", "match_confirm", "match_undo", "matches_confirm_all",
    "reconciliation_document", "reconciliation_pdf", "reconciliation_report",
    "reconciliation_save", "statement_import",
]


def csv_profile_add(*, actor: Principal, name: str, definition: bytes | str | dict[str, Any]
                    ) -> SavedCsvProfile:
    """`lawledger bank profile add NAME FILE.json`: check the profile by building it, then save."""
    from lawledger.core.formats.csv_profiles import CsvProfile

    require(actor, Action.RECORD_DEPOSIT)
    clean_name = (name or "").strip()
    if not clean_name or len(clean_name) > 64 or not clean_name.isprintable():
        raise InvalidInput("name: 1-64 printable characters", param="name")
    if isinstance(definition, bytes | str):
        if len(definition) > MAX_PROFILE_BYTES:
            raise InvalidInput("file: a profile is at most 64 KB of JSON", param="file")
        try:
            data = json.loads(definition)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"file: not JSON ({exc})", param="file") from None
    else:
        data = definition
    if not isinstance(data, dict):
        raise InvalidInput("file: a profile is a JSON object", param="file")
    profile = CsvProfile.from_dict({**data, "name": clean_name})
    with transaction.atomic():
        if SavedCsvProfile.objects.filter(name=clean_name).exists():
            raise Conflict(f"name: a profile named {clean_name!r} already exists", param="name")
        try:
            with transaction.atomic():
                saved = SavedCsvProfile.objects.create(
                    name=clean_name, definition=profile.to_dict(), created_by=actor.label,
                    created_at=clock.now())
        except IntegrityError:
            raise Conflict(f"name: a profile named {clean_name!r} already exists",
                           param="name") from None
        record(actor, BankingEvent.CSV_PROFILE_SAVED, object_type="csv_profile",
               object_id=clean_name, details={"name": clean_name})
    return saved
