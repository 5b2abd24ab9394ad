"""Commands for the firm, its users, clients, matters and bank accounts, and the audit chain."""

from __future__ import annotations

import sys

import typer

from lawledger.interfaces.cli.context import (
    AS_OPTION,
    JSON_OPTION,
    command,
    print_table,
    stderr,
)

firm_app = typer.Typer(help="Firm settings.", no_args_is_help=True)
user_app = typer.Typer(help="Users and roles.", no_args_is_help=True)
client_app = typer.Typer(help="Clients.", no_args_is_help=True)
matter_app = typer.Typer(help="Matters, their teams and ethical walls.", no_args_is_help=True)
account_app = typer.Typer(help="Bank accounts (trust and operating).", no_args_is_help=True)
audit_app = typer.Typer(help="The audit chain.", no_args_is_help=True)


# firm --------------------------------------------------------------------------------------------

@firm_app.command("show")
def firm_show(ctx: typer.Context, json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Show the firm's settings."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.firm.services import settings_as_dict

        _ = cli.actor
        settings = settings_as_dict()
        cli.emit(settings, lambda: print_table(["setting", "value"],
                                               [[k, v] for k, v in settings.items()]))


@firm_app.command("set")
def firm_set(ctx: typer.Context, key: str, value: str, json_output: bool = JSON_OPTION,
             as_: str = AS_OPTION) -> None:
    """Change one firm setting."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.firm.services import firm_set as set_setting
        from lawledger.firm.services import settings_as_dict

        row = set_setting(actor=cli.actor, key=key, value=value)
        cli.emit(settings_as_dict(row), f"{key} = {getattr(row, key)}")


# users -------------------------------------------------------------------------------------------

@user_app.command("add")
def user_add(ctx: typer.Context, email: str,
             role: str = typer.Option(..., "--role", help="admin, bookkeeper, attorney, "
                                      "paralegal, auditor or client"),
             name: str = typer.Option("", "--name", help="Full name."),
             client: str = typer.Option(None, "--client", help="For a client (portal) user."),
             password_stdin: bool = typer.Option(False, "--password-stdin",
                                                 help="Read the password from stdin."),
             json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Add a user; without --password-stdin a one-time password is printed."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.access.services import user_add as add

        password = sys.stdin.readline().rstrip("\n") if password_stdin else None
        user, generated = add(actor=cli.actor, email=email, role=role, full_name=name,
                              password=password, client=client)
        doc = {"email": user.email, "role": user.role, "one_time_password": generated}
        cli.emit(doc, f"{user.email} ({user.role})" + (
            f"\none-time password: {generated} (change it at first login)" if generated else ""))


@user_app.command("list")
def user_list(ctx: typer.Context, json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """List the firm's users."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.access.queries import users_for

        users = users_for(cli.actor)
        cli.emit({"users": users}, lambda: print_table(
            ["email", "name", "role", "active"],
            [[u["email"], u["name"], u["role"], u["active"]] for u in users]))


@user_app.command("set-password")
def user_set_password(ctx: typer.Context, email: str, json_output: bool = JSON_OPTION,
                      as_: str = AS_OPTION) -> None:
    """Set a user's password, read from stdin."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.access.services import user_set_password as set_password

        set_password(actor=cli.actor, email=email, password=sys.stdin.readline().rstrip("\n"))
        cli.emit({"email": email.strip().lower(), "password_set": True}, "password set")


# clients -----------------------------------------------------------------------------------------

@client_app.command("add")
def client_add(ctx: typer.Context, name: str,
               number: str = typer.Option(None, "--number", help="Client number (else C-nnnn)."),
               email: str = typer.Option(None, "--email"),
               phone: str = typer.Option(None, "--phone"),
               address: str = typer.Option(None, "--address"),
               notes: str = typer.Option(None, "--notes"),
               json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Add a client; prints its number."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.firm.services import client_add as add

        client = add(actor=cli.actor, name=name, number=number, email=email, phone=phone,
                     address=address, notes=notes)
        cli.emit({"number": client.number, "id": client.public_id, "name": client.name},
                 client.number)


@client_app.command("list")
def client_list(ctx: typer.Context, json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """List the clients you may see."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.firm.queries import clients_for

        clients = [{"number": c.number, "name": c.name} for c in clients_for(cli.actor)]
        cli.emit({"clients": clients},
                 lambda: print_table(["number", "name"],
                                     [[c["number"], c["name"]] for c in clients]))


# matters -----------------------------------------------------------------------------------------

@matter_app.command("open")
def matter_open(ctx: typer.Context, client: str, title: str,
                number: str = typer.Option(None, "--number", help="Matter number (else M-nnnn)."),
                responsible: str = typer.Option(None, "--responsible",
                                                help="E-mail of the responsible attorney."),
                json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Open a matter for a client; prints its number."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.firm.services import matter_open as open_matter

        matter = open_matter(actor=cli.actor, client=client, title=title, number=number,
                             responsible=responsible)
        cli.emit({"number": matter.number, "id": matter.public_id, "client": matter.client.number,
                  "title": matter.title, "status": matter.status,
                  "responsible": matter.responsible.email if matter.responsible else None},
                 matter.number)


@matter_app.command("close")
def matter_close(ctx: typer.Context, matter: str, json_output: bool = JSON_OPTION,
                 as_: str = AS_OPTION) -> None:
    """Close a matter (refused while its client ledger holds money)."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.firm.services import matter_close as close

        row = close(actor=cli.actor, matter=matter)
        cli.emit({"number": row.number, "status": row.status,
                  "closed_on": row.closed_on.isoformat() if row.closed_on else None},
                 f"{row.number} closed")


@matter_app.command("list")
def matter_list(ctx: typer.Context,
                status: str = typer.Option(None, "--status", help="open or closed"),
                search: str = typer.Option(None, "--search"),
                json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """List the matters you may see."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.firm.queries import matters_for

        matters = [{"number": m.number, "client": m.client.number, "client_name": m.client.name,
                    "title": m.title, "status": m.status,
                    "responsible": m.responsible.email if m.responsible else None}
                   for m in matters_for(cli.actor, status=status, search=search)]
        cli.emit({"matters": matters}, lambda: print_table(
            ["number", "client", "title", "status", "responsible"],
            [[m["number"], m["client_name"], m["title"], m["status"], m["responsible"]]
             for m in matters]))


@matter_app.command("assign")
def matter_assign(ctx: typer.Context, matter: str, email: str, json_output: bool = JSON_OPTION,
                  as_: str = AS_OPTION) -> None:
    """Put a user on a matter's team."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.access.services import matter_assign as assign

        assign(actor=cli.actor, matter=matter, email=email)
        cli.emit({"matter": matter, "assigned": email.strip().lower()}, "assigned")


@matter_app.command("wall")
def matter_wall(ctx: typer.Context, matter: str, email: str,
                reason: str = typer.Option(..., "--reason"), json_output: bool = JSON_OPTION,
                as_: str = AS_OPTION) -> None:
    """Screen a user off a matter with an ethical wall (beats every role)."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.access.services import wall_raise

        wall_raise(actor=cli.actor, matter=matter, email=email, reason=reason)
        cli.emit({"matter": matter, "walled": email.strip().lower()}, "wall raised")


# bank accounts -----------------------------------------------------------------------------------

@account_app.command("add")
def account_add(ctx: typer.Context, name: str,
                kind: str = typer.Option(..., "--kind", help="trust or operating"),
                currency: str = typer.Option(None, "--currency", help="ISO 4217, e.g. USD"),
                bank: str = typer.Option(None, "--bank", help="The bank's name."),
                account_number: str = typer.Option(None, "--number",
                                                   help="The bank account number (encrypted)."),
                matter: str = typer.Option(None, "--matter",
                                           help="A separate trust account for one matter."),
                json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Add a bank account; prints its name."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.ledger.accounts import account_add as add

        account = add(actor=cli.actor, name=name, kind=kind, currency=currency, bank_name=bank,
                      account_number=account_number, matter=matter)
        cli.emit({"name": account.name, "id": account.public_id, "kind": account.kind,
                  "currency": account.currency,
                  "matter": account.matter.number if account.matter else None}, account.name)


@account_app.command("list")
def account_list(ctx: typer.Context, json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """List bank accounts with their balances."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.ledger.queries import account_balances

        accounts = account_balances(cli.actor)
        cli.emit({"accounts": accounts}, lambda: print_table(
            ["account", "kind", "currency", "balance", "client ledgers"],
            [[a["account"], a["kind"], a["currency"], a["balance"], a["client_ledgers_total"]]
             for a in accounts]))


# audit -------------------------------------------------------------------------------------------

@audit_app.command("verify")
def audit_verify(ctx: typer.Context, json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Recompute the audit chain; exit 1 naming the first bad record."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.audit.verify import verify_chain

        _ = cli.actor
        result = verify_chain()
        doc = {"ok": result.ok, "records": result.records, "head_seq": result.head_seq,
               "head_hash": result.head_hash, "first_bad_seq": result.first_bad_seq,
               "problem": result.problem or None}
        if result.ok:
            cli.emit(doc, f"audit chain ok: {result.records} records, head #{result.head_seq} "
                          f"{result.head_hash[:16]}")
            return
        if cli.json:
            cli.emit(doc)
        stderr.print(f"error: audit_chain_broken: {result.problem}", markup=False)
        raise typer.Exit(1)
