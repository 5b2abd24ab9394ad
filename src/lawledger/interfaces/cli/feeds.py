"""`lawledger feed add | sync | status`: live bank feeds (docs/feeds.md).

`feed sync` is what a scheduler (cron, a systemd timer) runs: every active feed, each through the
same import, deduplication and matching as a statement file. It exits 1 when any feed failed, so
the scheduler's own alerting notices; `feed status` lists failing and stalled feeds first.
"""

from __future__ import annotations

from typing import Any

import typer

from lawledger.interfaces.cli.context import AS_OPTION, JSON_OPTION, command

feed_app = typer.Typer(help="Live bank feeds.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(feed_app, name="feed")


@feed_app.command("add")
def add(ctx: typer.Context, account: str,
        folder: str = typer.Option(None, "--folder", help="file-drop: the folder to watch."),
        connector: str = typer.Option("file_drop", "--connector",
                                      help="file_drop (built in) or http_json."),
        base_url: str = typer.Option(None, "--base-url", help="http_json: the API's address."),
        remote_account: str = typer.Option(None, "--remote-account",
                                           help="http_json: the account's id at the bank."),
        json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Attach a feed to a bank account."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.banking.feeds.services import feed_add

        settings: dict[str, Any] = {key: value for key, value in (
            ("folder", folder), ("base_url", base_url), ("remote_account", remote_account))
            if value}
        made = feed_add(actor=cli.actor, account=account, connector=connector, settings=settings)
        cli.emit(made, f"feed {made['id']} ({made['connector']}) on {made['account']}")


@feed_app.command("sync")
def sync(ctx: typer.Context, json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Fetch and import what every active feed has waiting."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.banking.feeds.services import feeds_sync_all

        results = feeds_sync_all(actor=cli.actor)
        lines = [f"{row['feed']}: error {row['error']}" if "error" in row else
                 f"{row['feed']} {row['account']}: {row['new']} new, {row['duplicate']} already "
                 f"imported" + (f", {len(row['rejected'])} file(s) set aside"
                                if row["rejected"] else "") for row in results]
        failed = [row for row in results if "error" in row or row.get("rejected")]
        cli.emit({"feeds": results, "failed": len(failed)}, "\n".join(lines) or "no feeds")
    if failed:
        cli.warn(f"{len(failed)} feed(s) failed: see `lawledger feed status`")
        raise typer.Exit(1)


@feed_app.command("status")
def status(ctx: typer.Context, json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Each feed's state (ok, failing, stalled, paused), failing and stalled first."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.banking.feeds.queries import feeds_status

        rows = feeds_status(cli.actor)
        cli.emit({"feeds": rows}, "\n".join(
            f"{row['account']}: {row['state']} (last success {row['last_success_at'] or 'never'})"
            + (f" — {row['last_error']}" if row["last_error"] else "") for row in rows)
            or "no feeds")
