"""Second approval of large trust payments at the command line (SECURITY.md D7).

`trust disburse` and `trust refund` answer with `status: pending_approval` (exit 0) when the
payment reaches the firm's threshold; `trust approvals` lists what waits, `trust approve` and
`trust reject` decide, `trust withdraw` lets the requester take it back.

Step-up: the web asks a second factor proved in the last five minutes; a command line has no
session to remember one, so approve and reject ask the approver's one-time code (`--code`: a TOTP
code or a recovery code) on every call. The operator (no `--as`) has no second factor and cannot
approve or reject: the four-eyes rule is between two named users.
"""

from __future__ import annotations

from typing import Any

import typer

from lawledger.core.errors import PermissionDenied
from lawledger.interfaces.cli.context import AS_OPTION, JSON_OPTION, Cli, command, print_table
from lawledger.interfaces.cli.trust import trust_app

CODE_OPTION = typer.Option(None, "--code", help="Your one-time code (authenticator or recovery).")


class StepUpRequired(PermissionDenied):
    code = "step_up_required"


def request_document(row: Any) -> dict[str, Any]:
    from lawledger.core.money import format_minor

    return {"id": row.public_id, "status": row.status, "kind": row.kind,
            "matter": row.matter.number, "amount": format_minor(row.amount_minor, row.currency),
            "currency": row.currency, "account": row.bank_account.name,
            "date": row.effective_date.isoformat(), "payee": row.payee,
            "requested_by": row.requested_by, "requested_at": row.requested_at.isoformat(),
            "decided_by": row.decided_by or None,
            "entry": row.entry.public_id if row.entry_id else None}


def emit_held(cli: Cli, row: Any) -> None:
    """A payment held for a second approver: exit 0, the request id to approve it by."""
    document = {**request_document(row), "status": "pending_approval", "request": row.public_id}
    cli.emit(document, f"{row.public_id} pending_approval: another user approves it with "
                       f"`lawledger trust approve {row.public_id}`")


def _stepped_up(cli: Cli, code: str | None) -> Any:
    """The acting user, once their one-time code is accepted (the check itself is audited)."""
    from lawledger.access.models import User
    from lawledger.security.services import verify_code

    actor = cli.actor
    if actor.is_operator or actor.user_id is None:
        raise StepUpRequired("approving is a named user's act: use --as EMAIL with --code",
                             param="as")
    if not code or verify_code(User.objects.get(pk=actor.user_id), code.strip()) is None:
        raise StepUpRequired("code: a current one-time code of yours is needed (--code)",
                             param="code")
    return actor


@trust_app.command("approvals")
def approvals_list(ctx: typer.Context, json_output: bool = JSON_OPTION,
                   as_: str = AS_OPTION) -> None:
    """Payments waiting for a second approver, on the matters you may pay from."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.ledger.approvals import approvals_pending

        rows = [request_document(row) for row in approvals_pending(cli.actor)]
        cli.emit({"approvals": rows}, lambda: print_table(
            ["id", "kind", "matter", "amount", "account", "date", "payee", "requested by"],
            [[r["id"], r["kind"], r["matter"], f"{r['amount']} {r['currency']}", r["account"],
              r["date"], r["payee"], r["requested_by"]] for r in rows]))


@trust_app.command("approve")
def approve(ctx: typer.Context, request: str, code: str = CODE_OPTION,
            json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Approve a held payment (not your own): it is posted now, every rule checked again."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.ledger.approvals import approval_approve

        row = approval_approve(actor=_stepped_up(cli, code), request=request)
        document = request_document(row)
        cli.emit(document, f"{row.public_id} approved: {document['entry']}")


@trust_app.command("reject")
def reject(ctx: typer.Context, request: str,
           reason: str = typer.Option(..., "--reason", help="Why it is not paid."),
           code: str = CODE_OPTION, json_output: bool = JSON_OPTION,
           as_: str = AS_OPTION) -> None:
    """Reject a held payment (not your own) with a reason; nothing is posted."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.ledger.approvals import approval_reject

        row = approval_reject(actor=_stepped_up(cli, code), request=request, reason=reason)
        cli.emit(request_document(row), f"{row.public_id} rejected")


@trust_app.command("withdraw")
def withdraw(ctx: typer.Context, request: str, json_output: bool = JSON_OPTION,
             as_: str = AS_OPTION) -> None:
    """Withdraw a payment you asked for that still waits for approval."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.ledger.approvals import approval_withdraw

        row = approval_withdraw(actor=cli.actor, request=request)
        cli.emit(request_document(row), f"{row.public_id} withdrawn")
