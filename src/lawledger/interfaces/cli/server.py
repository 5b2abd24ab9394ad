"""`init`, `serve` and `demo`: create a firm's database and keys, and serve the web app."""

from __future__ import annotations

import os
import shutil
import sys

import typer

from lawledger.interfaces.cli.context import AS_OPTION, JSON_OPTION, command, stderr


def initialise(name: str | None = None) -> dict[str, object]:
    """Create LAWLEDGER_HOME, the keys, the schema and the firm row. Safe to run again."""
    from lawledger.crypto.master import create_master_key_file, ensure_secret_file, master_key_path
    from lawledger.home import ensure_home

    home = ensure_home()
    created_key = False
    if not os.environ.get("LAWLEDGER_MASTER_KEY") and not master_key_path().exists():
        create_master_key_file()
        created_key = True
    ensure_secret_file("django-secret")
    from lawledger import bootstrap

    bootstrap.setup()
    from django.core.management import call_command
    from django.db import transaction

    from lawledger.core.access import Principal
    from lawledger.crypto.keyring import ensure_data_key
    from lawledger.firm.services import firm_initialise
    from lawledger.interfaces.cli.context import _os_user

    call_command("migrate", interactive=False, verbosity=0)
    with transaction.atomic():
        key_id = ensure_data_key()
    firm = firm_initialise(actor=Principal.operator(_os_user()), name=name)
    from django.db import connection

    return {"home": str(home), "database": connection.vendor, "firm": firm.name,
            "master_key_created": created_key, "data_key": key_id}


def init(ctx: typer.Context, name: str = typer.Option(None, "--name", help="The firm's name."),
         json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Create or migrate the database (and the keys in LAWLEDGER_HOME)."""
    with command(ctx, json_output, as_, needs_firm=False) as cli:
        result = initialise(name)
        cli.emit(result, f"lawledger is ready in {result['home']} ({result['database']})")


def _serve(host: str, port: int, workers: int) -> None:
    """Run gunicorn on a firm that is ready: `serve` got there through `command()` (ensure_firm:
    schema, master key, a data key it opens (F7), durability refusals), `demo` by initialising."""
    from django.core.management import call_command

    from lawledger.backup.durability import assert_durable

    for warning in assert_durable():  # refusals raise; say the rest before serving
        stderr.print(f"warning: {warning}", markup=False)

    call_command("check", fail_level="ERROR")
    from gunicorn.app.base import BaseApplication

    from lawledger.interfaces.wsgi import application

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", 4)
            self.cfg.set("accesslog", "-")
            self.cfg.set("access_log_format", '%(t)s "%(r)s" %(s)s %(b)s %(M)sms')

        def load(self) -> object:
            return application

    Server().run()


def serve(ctx: typer.Context, host: str = typer.Option("127.0.0.1", "--host"),
          port: int = typer.Option(8000, "--port"),
          workers: int = typer.Option(2, "--workers")) -> None:
    """Serve the web app (gunicorn)."""
    with command(ctx, False, None):
        _serve(host, port, workers)


def demo(ctx: typer.Context, port: int = typer.Option(8000, "--port"),
         host: str = typer.Option("127.0.0.1", "--host"),
         no_serve: bool = typer.Option(False, "--no-serve", help="Seed only, do not serve."),
         json_output: bool = JSON_OPTION) -> None:
    """Create a demo firm in a fresh database and serve it."""
    from lawledger.home import home_dir

    if os.environ.get("DATABASE_URL"):
        stderr.print("error: invalid_input: `lawledger demo` makes a fresh SQLite firm; "
                     "unset DATABASE_URL (or use `lawledger init` on PostgreSQL)", markup=False)
        raise typer.Exit(2)
    demo_home = home_dir() / "demo"
    if demo_home.exists():
        shutil.rmtree(demo_home)
    os.environ["LAWLEDGER_HOME"] = str(demo_home)
    os.environ.pop("LAWLEDGER_MASTER_KEY", None)
    with command(ctx, json_output, None, needs_firm=False) as cli:
        initialise("Hartwell & Osei LLP (demo)")
        from lawledger.demo import seed_demo_firm

        logins = seed_demo_firm(progress=not json_output)
        cli.emit({"home": str(demo_home), "url": f"http://{host}:{port}/", "logins": logins},
                 lambda: _print_logins(logins, host, port))
        sys.stdout.flush()
        if not no_serve:
            _serve(host, port, 2)


def _print_logins(logins: list[dict[str, str]], host: str, port: int) -> None:
    from rich.table import Table

    from lawledger.interfaces.cli.context import stdout

    table = Table("role", "e-mail", "password", "second factor", title="demo logins")
    for login in logins:
        factor = (f"TOTP secret {login['totp_secret']}" if "totp_secret" in login
                  else f"recovery codes {login.get('recovery_codes', '')}")
        table.add_row(login["role"], login["email"], login["password"], factor)
    stdout.print(table)
    stdout.print("Add a TOTP secret to any authenticator app (or open its otpauth URI:\n"
                 + "\n".join(f"  {x['email']}: {x['otpauth_uri']}"
                             for x in logins if "otpauth_uri" in x)
                 + "\n) and type its code after the password. Admins type a recovery code, then "
                 f"register a passkey: for that, open http://localhost:{port}/ (a host name).")
    stdout.print(f"Open http://{host}:{port}/ and sign in with any of these. Ctrl-C stops.")
