"""One way for every interface to turn a refusal into an answer, and to audit it.

The refused action's own transaction has rolled back by the time this runs, so the audit record
of the refusal is written in a fresh transaction of its own (A1: "denial audited").
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, transaction

from lawledger.audit.events import Event
from lawledger.audit.services import record
from lawledger.core.access import Principal
from lawledger.core.errors import DecryptionFailed, LawLedgerError, RuleViolation

log = logging.getLogger("lawledger.refusals")


def audit_refusal(principal: Principal | None, error: LawLedgerError, command: str) -> None:
    if principal is None:
        return
    denial = getattr(error, "audit_denial", None)
    try:
        with transaction.atomic():
            if denial is not None:
                who, object_type, object_id, action = denial
                record(who, Event.ACCESS_DENIED, object_type=object_type, object_id=object_id,
                       outcome="denied", details={"action": action, "command": command})
            elif isinstance(error, RuleViolation):
                record(principal, Event.RULE_REFUSED, outcome="refused",
                       details={"code": error.code, "command": command,
                                "param": error.param or ""})
            elif isinstance(error, DecryptionFailed):
                # A value that does not open was moved, tampered with or keyed wrongly (F5).
                record(principal, Event.DECRYPTION_FAILED, outcome="failed",
                       details={"command": command, "reason": error.message})
    except (DatabaseError, LawLedgerError):
        # The refusal stands whatever happens here; a failing audit is logged, never hidden.
        log.exception("could not audit a refusal of %s", command)
