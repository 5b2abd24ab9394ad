"""The documents context's refusals, each with a stable code."""

from __future__ import annotations

from lawledger.core.errors import InvalidInput, RuleViolation


class DocumentTypeRefused(InvalidInput):
    """The bytes are not one of the allowed types, or do not match the name they came with."""

    code = "document_type_refused"


class DocumentTooLarge(InvalidInput):
    code = "document_too_large"
    http_status = 413


class DocumentOnLegalHold(RuleViolation):
    code = "document_on_legal_hold"


class DocumentRetained(RuleViolation):
    """The jurisdiction's retention period for the record has not ended."""

    code = "document_retention_period"
