"""`lawledger export beancount|hledger|gl-csv|quickbooks-iif|xero-csv FILE [--account A]`: books
another tool can check or import.

The export is a confidential read: firm-report roles only, audited in the transaction that reads
the books, and the file appears only once that transaction has committed (mode 0600).
"""

from __future__ import annotations

import typer

from lawledger.interfaces.cli.context import AS_OPTION, JSON_OPTION, command

export_app = typer.Typer(help="Export the books for another accounting tool to check.",
                         no_args_is_help=True)
ACCOUNT_OPTION = typer.Option(None, "--account", help="Only this bank account's books.")


def _export(ctx: typer.Context, fmt: str, file: str, account: str | None, json_output: bool,
            as_: str | None) -> None:
    with command(ctx, json_output, as_) as cli:
        from lawledger.exports.beancount import write_beancount
        from lawledger.exports.books import export_books
        from lawledger.exports.hledger import write_hledger
        from lawledger.interchange.ledgers import WRITERS

        writer = {"beancount": write_beancount, "hledger": write_hledger, **WRITERS}[fmt]
        result = export_books(cli.actor, writer=writer, fmt=fmt, path=file, account=account)
        cli.emit(result, f"{result['entries']} entries written to {result['file']} ({fmt})")


@export_app.command("beancount")
def beancount(ctx: typer.Context, file: str, account: str = ACCOUNT_OPTION,
              json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Write the books as a beancount journal (check it with `bean-check FILE`)."""
    _export(ctx, "beancount", file, account, json_output, as_)


@export_app.command("hledger")
def hledger(ctx: typer.Context, file: str, account: str = ACCOUNT_OPTION,
            json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Write the books as an hledger/ledger journal (check it with `hledger -f FILE bal`)."""
    _export(ctx, "hledger", file, account, json_output, as_)


@export_app.command("gl-csv")
def gl_csv(ctx: typer.Context, file: str, account: str = ACCOUNT_OPTION,
           json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Write the books as a general-ledger CSV (debit and credit columns)."""
    _export(ctx, "gl-csv", file, account, json_output, as_)


@export_app.command("quickbooks-iif", help="Write the books as QuickBooks IIF general journal "
                    "entries (--account Operating for the firm's operating books).")
def quickbooks_iif(ctx: typer.Context, file: str, account: str = ACCOUNT_OPTION,
                   json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    _export(ctx, "quickbooks-iif", file, account, json_output, as_)


@export_app.command("xero-csv")
def xero_csv(ctx: typer.Context, file: str, account: str = ACCOUNT_OPTION,
             json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Write the books as Xero manual journals (CSV import)."""
    _export(ctx, "xero-csv", file, account, json_output, as_)


def register(app: typer.Typer) -> None:
    """Add this area's commands and groups to the root `lawledger` app."""
    app.add_typer(export_app, name="export")
