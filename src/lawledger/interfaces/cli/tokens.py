"""`lawledger token create | list | revoke`: API tokens for integrations.

A token acts as one user (the acting `--as` user, or for the local operator the `--user` named)
and never exceeds them. Its text is printed once, by `create`, and never stored.
"""

from __future__ import annotations

from typing import Any

import typer

from lawledger.interfaces.cli.context import AS_OPTION, JSON_OPTION, Cli, command, print_table

token_app = typer.Typer(help="API tokens for integrations.", no_args_is_help=True)

SCOPE_OPTION = typer.Option(..., "--scope", help="A scope, e.g. ledger:read (repeatable).")
CLIENT_OPTION = typer.Option(None, "--client", help="Limit the token to this client (repeatable).")


def register(app: typer.Typer) -> None:
    """Add `lawledger token …` to the root app."""
    app.add_typer(token_app, name="token")


def _show_created(cli: Cli, document: dict[str, Any]) -> None:
    cli.emit(document, f"{document['secret']}\n"
                       f"token {document['id']} ({', '.join(document['scopes'])}) acts as "
                       f"{document['user']} until {document['expires_at']}.\n"
                       "This is the only time the token is shown: keep it in a secret store.")


@token_app.command("create")
def create(ctx: typer.Context, name: str,
           scope: list[str] = SCOPE_OPTION, client: list[str] = CLIENT_OPTION,
           expires_in_days: int = typer.Option(None, "--expires-in-days",
                                               help="Lifetime, 1-365 days (default 90)."),
           user: str = typer.Option(None, "--user",
                                    help="Operator only: the user the token acts as."),
           json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Mint an API token; prints the token text once."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.apitokens.queries import token_as_dict
        from lawledger.apitokens.services import token_create

        token, secret = token_create(actor=cli.actor, name=name, scopes=scope, clients=client,
                                     expires_in_days=expires_in_days, owner_email=user)
        _show_created(cli, {**token_as_dict(token), "secret": secret})


@token_app.command("list")
def list_tokens(ctx: typer.Context,
                everyone: bool = typer.Option(False, "--all",
                                              help="Admins and the operator: every user's."),
                json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """List API tokens (never their secrets)."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.apitokens.queries import token_as_dict, tokens_for

        rows = [token_as_dict(token) for token in tokens_for(cli.actor, everyone=everyone)]

        cli.emit({"tokens": rows}, lambda: print_table(
            ["id", "name", "user", "scopes", "clients", "status", "expires", "last used"],
            [[row["id"], row["name"], row["user"], " ".join(row["scopes"]),
              " ".join(row["clients"] or ["all"]), row["status"], row["expires_at"][:10],
              (row["last_used_at"] or "")[:16]] for row in rows]))


@token_app.command("revoke")
def revoke(ctx: typer.Context, token: str, json_output: bool = JSON_OPTION,
           as_: str = AS_OPTION) -> None:
    """Revoke a token (your own; an admin or the operator: anyone's)."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.apitokens.queries import token_as_dict
        from lawledger.apitokens.services import token_revoke

        row = token_revoke(actor=cli.actor, token=token)
        cli.emit(token_as_dict(row), f"{row.public_id} revoked")
