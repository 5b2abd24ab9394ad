"""Expense receipts over the API: attach one to an expense, and download one.

Both go through billing's services, which fetch the expense's matter through the access policy,
check the bytes (PDF, PNG or JPEG by their magic bytes, no HTML or script, at most 5 MB), store
them encrypted and audit the upload and every read (in the request's transaction: no audit, no
file). A download is an attachment that is never sniffed nor cached. The API's body limit (1 MiB)
bounds what can be uploaded here; larger receipts go through the web app or the CLI.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from django.http import HttpRequest, HttpResponse
from ninja import Router

from lawledger.apitokens.scopes import Scope
from lawledger.billing import queries as billing_queries
from lawledger.billing import services as billing_services
from lawledger.billing.entries import RECEIPT_TYPES
from lawledger.core.errors import InvalidInput
from lawledger.interfaces.api.auth import caller_of
from lawledger.interfaces.api.endpoint import IDEMPOTENCY_KEY_OPTIONAL, Keys
from lawledger.interfaces.api.fee_schemas import ReceiptIn, ReceiptUploadOut
from lawledger.interfaces.api.routes import operation
from lawledger.interfaces.api.schemas import PATH_REF

router = Router(tags=["billing"])


def _decoded(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("content_base64: not base64", param="content_base64") from None


@operation(router, "post", "/expenses/{expense_id}/receipts", scope=Scope.TIME_WRITE,
           response=ReceiptUploadOut, status=201, operation_id="attachReceipt",
           summary="Attach a receipt to an expense", keys=Keys.OPTIONAL,
           params={"expense": "expense_id", "receipt": "content_base64",
                   "idempotency_key": "Idempotency-Key"})
def attach_receipt(request: HttpRequest, payload: ReceiptIn, expense_id: str = PATH_REF,
                   idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> ReceiptUploadOut:
    """A PDF, PNG or JPEG (checked by its bytes, not its name), stored encrypted."""
    caller = caller_of(request)
    matter = billing_queries.expense_matter(caller.principal, expense_id, param="expense_id")
    caller.matter(matter.number, param="expense_id")
    data = _decoded(payload.content_base64)
    receipt = billing_services.receipt_attach(actor=caller.principal, expense=expense_id,
                                              filename=payload.filename, data=data)
    return ReceiptUploadOut(id=receipt.public_id, expense=expense_id, filename=receipt.filename,
                            content_type=receipt.content_type, bytes=len(data),
                            sha256=hashlib.sha256(data).hexdigest())


@operation(router, "get", "/receipts/{receipt_id}", scope=Scope.BILLING_READ, response=None,
           operation_id="downloadReceipt", summary="Download a receipt",
           params={"receipt": "receipt_id"}, content=tuple(RECEIPT_TYPES))
def download_receipt(request: HttpRequest, receipt_id: str = PATH_REF) -> HttpResponse:
    """The file as it was attached (an audited read), as an attachment."""
    caller = caller_of(request)
    matter = billing_queries.receipt_matter(caller.principal, receipt_id, param="receipt_id")
    caller.matter(matter.number, param="receipt_id")
    filename, content_type, data = billing_services.receipt_read(caller.principal, receipt_id)
    response = HttpResponse(data, content_type=content_type)
    safe = "".join(ch for ch in filename if ch.isalnum() or ch in "._-") or "receipt"
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
