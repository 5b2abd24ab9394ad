"""What every command shares: Django start-up, the acting principal, output, and exit codes.

Exit codes: 0 done; 1 refused by a rule (the rule's code on stderr); 2 bad input or usage.
With --json exactly one JSON document goes to stdout, also for a refusal ({"error": {...}}).
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import typer
from rich.console import Console

from lawledger.core.errors import EXIT_INPUT, LawLedgerError

JSON_OPTION = typer.Option(False, "--json", help="Print one JSON document on stdout.")
AS_OPTION = typer.Option(None, "--as", help="Act as this user (or set LAWLEDGER_USER).",
                         show_default=False)

# Piped output (a file, a pager, a script) gets room for whole entry ids rather than rich's
# 80-column default, which cut them short: an id is what the next command needs.
stdout = Console(highlight=False, soft_wrap=True,
                 width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def clean_for_terminal(text: str) -> str:
    """No control characters (newlines aside) reach a terminal: no ANSI escapes from data (C7)."""
    return "".join(ch if ch.isprintable() or ch == "\n" else "?" for ch in text)


def print_table(columns: list[str], rows: list[list[Any]], title: str | None = None) -> None:
    """Rows as a table on stdout. Cells and title are data, not rich markup: a name holding
    `[/x]` is shown as typed rather than styling the table or failing to render it."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(*columns, title=escape(title) if title else None)
    for row in rows:
        table.add_row(*[escape("" if cell is None else str(cell)) for cell in row])
    stdout.print(table)


@dataclass
class Cli:
    json: bool
    as_email: str | None
    command: str
    _actor: Any = None
    warnings: list[str] = field(default_factory=list)

    @property
    def actor(self) -> Any:
        if self._actor is None:
            from lawledger.access.policy import principal_by_email
            from lawledger.core.access import Principal

            self._actor = (principal_by_email(self.as_email) if self.as_email
                           else Principal.operator(_os_user()))
        return self._actor

    def emit(self, document: dict[str, Any], text: str | Callable[[], None] | None = None) -> None:
        if self.json:
            sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
        elif callable(text):
            text()
        elif text is not None:
            sys.stdout.write(clean_for_terminal(text) + "\n")

    def warn(self, message: str) -> None:
        stderr.print(f"warning: {clean_for_terminal(message)}", markup=False)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def root_options(ctx: typer.Context) -> dict[str, Any]:
    found: dict[str, Any] = {}
    current: Any = ctx
    while current is not None:
        if isinstance(current.obj, dict):
            found = {**current.obj, **found}
        current = current.parent
    return found


@contextmanager
def command(ctx: typer.Context, json_flag: bool, as_email: str | None, *,
            needs_firm: bool = True) -> Iterator[Cli]:
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    from lawledger.audit.context import set_source

    options = root_options(ctx)
    use_json = json_flag or bool(options.get("json"))
    email = as_email or options.get("as_email") or os.environ.get("LAWLEDGER_USER") or None
    name = ctx.command_path.removeprefix("lawledger ").strip() or "lawledger"
    cli = Cli(use_json, email, name)
    set_source("cli")
    try:
        if needs_firm:
            ensure_firm()
        yield cli
    except LawLedgerError as error:
        _refuse(cli, error)
    except StartupError as error:
        _fail(cli, "not_initialised", str(error), EXIT_INPUT)
    except ImproperlyConfigured as error:  # e.g. a DATABASE_URL lawledger cannot use
        _fail(cli, "bad_configuration", str(error), EXIT_INPUT)
    except DatabaseError as error:
        # A full disk is an operational state, not a bug: say so plainly (E3), no traceback.
        from lawledger.backup.durability import is_disk_full, storage_full

        if not is_disk_full(error):
            raise
        full = storage_full(error)
        _fail(cli, full.code, full.message, full.exit_status)


class StartupError(Exception):
    pass


def ensure_firm() -> None:
    """Start Django on a working firm; a brand-new home or empty database is initialised first.

    A database with no schema at all holds nothing to confuse, so the first command on a fresh
    LAWLEDGER_HOME (or an empty PostgreSQL database) creates the firm, as `lawledger init` would,
    and says so on stderr. Anything else that is not ready (keys missing, a half-made schema) is
    refused with the reason.
    """
    from lawledger import bootstrap
    from lawledger.home import ensure_home

    ensure_home()  # SQLite cannot create its file in a directory that does not exist
    bootstrap.setup()
    from django.db import DatabaseError, connection

    from lawledger.crypto.master import MasterKeyError, load_master_key
    from lawledger.firm.models import FirmSettings

    try:
        schema_absent = "django_migrations" not in connection.introspection.table_names()
    except DatabaseError as exc:
        from lawledger.backup.durability import free_space_hint

        raise StartupError(f"cannot open the database: {exc}{free_space_hint()}") from None
    from lawledger.backup.durability import assert_durable

    assert_durable()  # E6: refuse settings that can lose committed entries (exit 2)
    if schema_absent:
        from lawledger.interfaces.cli.server import initialise

        result = initialise()
        stderr.print(f"note: no firm was here yet, so a new one was created in {result['home']} "
                     f"({result['database']})", markup=False)
        return
    try:
        load_master_key()
    except MasterKeyError as exc:
        raise StartupError(str(exc)) from None
    try:
        ready = FirmSettings.objects.filter(id=1).exists()
    except DatabaseError:
        ready = False
    if not ready:
        raise StartupError("this database is not a lawledger firm yet: run `lawledger init`")
    from lawledger.core.errors import DecryptionFailed
    from lawledger.crypto.keyring import KEYRING

    try:
        KEYRING.primary_key_id()  # a master key that opens no data key is no key at all (F7)
    except DecryptionFailed as exc:
        raise StartupError(str(exc)) from None


def _refuse(cli: Cli, error: LawLedgerError) -> None:
    from lawledger.interfaces.errors import audit_refusal

    principal = None
    try:
        principal = cli.actor
    except LawLedgerError:
        principal = None
    audit_refusal(principal, error, cli.command)
    _fail(cli, error.code, error.message, error.exit_status, param=error.param)


def _fail(cli: Cli, code: str, message: str, status: int, param: str | None = None) -> None:
    if cli.json:
        document = {"error": {"code": code, "message": message, "param": param}}
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    stderr.print(f"error: {code}: {clean_for_terminal(message)}", markup=False)
    raise typer.Exit(status)
