"""`lawledger webhook add | list | remove | deliver`: signed event notifications (admins), and
`lawledger import clients FILE [--dry-run]`: a firm's clients, matters and opening balances.

`deliver` sends what is due once and exits (run it from cron or a systemd timer every minute);
`--watch N` keeps sending every N seconds. The secret that signs an endpoint's deliveries is
printed once, by `add`.
"""

from __future__ import annotations

import time

import typer

from lawledger.interfaces.cli.context import AS_OPTION, JSON_OPTION, command, print_table

webhook_app = typer.Typer(help="Signed webhooks for integrations (admins).", no_args_is_help=True)
EVENT_OPTION = typer.Option(..., "--event", help="entry.posted, invoice.finalized, "
                            "reconciliation.signed or replenishment.needed (repeatable).")


def register(app: typer.Typer) -> None:
    """Add `lawledger webhook …` to the root app."""
    app.add_typer(webhook_app, name="webhook")
    app.add_typer(import_app, name="import")


@webhook_app.command("add")
def add(ctx: typer.Context, url: str,
        event: list[str] = EVENT_OPTION,
        json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Register an endpoint; prints its signing secret once."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.apitokens.webhooks import endpoint_add

        row, secret = endpoint_add(actor=cli.actor, url=url, events=event)
        cli.emit({"id": row.public_id, "url": row.url, "events": row.events.split(),
                  "secret": secret},
                 f"{secret}\nwebhook {row.public_id} sends {row.events} to {row.url}; keep the "
                 "secret above to verify signatures (it is not shown again)")


@webhook_app.command("list")
def list_endpoints(ctx: typer.Context, json_output: bool = JSON_OPTION,
                   as_: str = AS_OPTION) -> None:
    """The endpoints with their pending and failed deliveries."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.apitokens.webhooks import endpoints_list

        rows = endpoints_list(actor=cli.actor)

        cli.emit({"webhooks": rows}, lambda: print_table(
            ["webhook", "url", "events", "pending", "failed"],
            [[row["id"], row["url"], " ".join(row["events"]),  # type: ignore[arg-type]
              row["pending"], row["failed"]] for row in rows]))


@webhook_app.command("remove")
def remove(ctx: typer.Context, endpoint: str, json_output: bool = JSON_OPTION,
           as_: str = AS_OPTION) -> None:
    """Stop sending to an endpoint."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.apitokens.webhooks import endpoint_remove

        row = endpoint_remove(actor=cli.actor, endpoint=endpoint)
        cli.emit({"id": row.public_id, "removed": True}, f"{row.public_id} removed")


@webhook_app.command("deliver")
def deliver(ctx: typer.Context,
            watch: int = typer.Option(0, "--watch", help="Repeat every N seconds (0: once)."),
            json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Send every due delivery (new events first), retrying failures with backoff."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.access.policy import require
        from lawledger.apitokens.webhooks import deliver_due
        from lawledger.core.access import Action

        require(cli.actor, Action.MANAGE_FIRM)
        while True:
            run = deliver_due()
            if not watch:
                break
            time.sleep(max(watch, 1))
        cli.emit({"delivered": run.delivered, "retrying": run.retrying, "failed": run.failed},
                 f"{run.delivered} delivered, {run.retrying} to retry, {run.failed} failed")


import_app = typer.Typer(help="Move a firm onto lawledger from another system.",
                         no_args_is_help=True)


@import_app.command("clients")
def import_clients(ctx: typer.Context, file: str,
                   dry_run: bool = typer.Option(False, "--dry-run",
                                                help="Check every row; write nothing."),
                   json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Clients, matters and opening trust balances from CSV: all rows or none; every bad row
    named (exit 2 when any is bad)."""
    with command(ctx, json_output, as_) as cli:
        from pathlib import Path

        from lawledger.core.errors import InvalidInput
        from lawledger.onboarding.csv_import import MAX_BYTES, clients_import

        path = Path(file)
        if not path.is_file():
            raise InvalidInput(f"file: {file!r} is not a readable file", param="file")
        if path.stat().st_size > MAX_BYTES:
            raise InvalidInput(f"file: larger than {MAX_BYTES} bytes", param="file")
        report = clients_import(actor=cli.actor, data=path.read_bytes(), dry_run=dry_run)
        document = report.as_dict()
        if report.problems:
            first = report.problems[0]
            for problem in report.problems[1:50]:
                cli.warn(f"line {problem['line']}: {problem['code']}: {problem['message']}")
            refusal = InvalidInput(f"line {first['line']}: {first['message']} "
                                   f"({len(report.problems)} bad row(s); nothing written)",
                                   param=f"line {first['line']}")
            if cli.json:
                cli.emit({"error": refusal.as_dict(), **document})
                cli.json = False  # one JSON document only: the refusal itself goes to stderr
            raise refusal
        verb = "would import" if dry_run else "imported"
        cli.emit(document, f"{verb} {len(report.clients)} client(s), {len(report.matters)} "
                           f"matter(s), {len(report.opening_entries)} opening balance(s)")
