"""CLI commands of the backup area (registered on the root app by `register`).

  lawledger backup create DIR | verify FILE | restore FILE [--to DATABASE_URL]
  lawledger backup prune DIR | keygen | schedule DIR

Refusals of a backup (damaged, truncated, wrong identity, bad signature, newer schema, failed
checks) exit 1 naming the reason; they are audited by the service where a firm database exists.
`verify` also runs on a machine with no firm (an offline box holding the identity), and
`restore` runs before any firm exists: neither may create or touch a database as a side effect,
so their refusals are printed without the generic refusal audit (which would open one).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from lawledger.interfaces.cli.context import (
    AS_OPTION,
    JSON_OPTION,
    Cli,
    StartupError,
    _fail,
    _os_user,
    command,
    stdout,
)

backup_app = typer.Typer(help="Encrypted, verified, restorable backups.", no_args_is_help=True)

IDENTITY_OPTION = typer.Option(None, "--identity", help="The age identity file kept offline "
                               "(or set LAWLEDGER_BACKUP_IDENTITY).", show_default=False)
SIGNER_OPTION = typer.Option(None, "--signer", help="The trusted manifest signer (ed25519:…), "
                             "if the identity file does not name it.", show_default=False)
SCRATCH_OPTION = typer.Option(None, "--scratch", help="PostgreSQL: a server URL where a "
                              "scratch database may be created (default DATABASE_URL).",
                              show_default=False)
RECIPIENT_OPTION = typer.Option(None, "--recipient", metavar="AGE1…",
                                help="A public recipient made offline (repeat for several).")
KEEP_DAILY = typer.Option(7, "--keep-daily", min=0, help="Daily generations kept.")
KEEP_WEEKLY = typer.Option(5, "--keep-weekly", min=0, help="Weekly generations kept.")
KEEP_MONTHLY = typer.Option(12, "--keep-monthly", min=0, help="Monthly generations kept.")


def _refused_without_audit(cli: Cli, error: Any) -> None:
    _fail(cli, error.code, error.message, error.exit_status, param=error.param)


def _print_checks(result: dict[str, Any], last_line: str) -> None:
    for check in result.get("checks", []):
        mark = "ok  " if check["ok"] else "FAIL"
        detail = f" — {check['detail']}" if check["detail"] else ""
        stdout.print(f"{mark} {check['check']}{detail}", markup=False, highlight=False)
    stdout.print(last_line, markup=False, highlight=False)


def _firm_actor(cli: Cli) -> Any:
    """The acting principal if this machine has a firm database; None on an offline box."""
    from lawledger import bootstrap

    bootstrap.setup()
    from django.db import DatabaseError, connections

    from lawledger.core.errors import InvalidInput
    from lawledger.interfaces.cli.context import ensure_firm

    default = connections["default"]
    # Never connect to a SQLite file that does not exist (connecting would create it), nor let
    # ensure_firm turn an empty database into a new firm: an offline box has no firm.
    present = default.vendor != "sqlite" or Path(default.settings_dict["NAME"]).exists()
    try:
        if present:
            present = "django_migrations" in default.introspection.table_names()
    except DatabaseError:
        present = False
    try:
        if not present:
            raise StartupError("no firm database here")
        ensure_firm()
    except StartupError:
        if cli.as_email:
            raise InvalidInput("as: there is no firm database on this machine to act in",
                               param="as") from None
        return None
    return cli.actor


@backup_app.command("create")
def create(ctx: typer.Context, directory: str = typer.Argument(..., metavar="DIR"),
           json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Write an encrypted, signed backup of the database into DIR (while the firm works on)."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.backup.services import backup_create

        result = backup_create(actor=cli.actor, directory=directory)
        for warning in result["warnings"]:
            cli.warn(warning)
        cli.emit(result, result["file"])


@backup_app.command("verify")
def verify(ctx: typer.Context, file: str = typer.Argument(..., metavar="FILE"),
           identity: str = IDENTITY_OPTION, signer: str = SIGNER_OPTION,
           scratch: str = SCRATCH_OPTION, json_output: bool = JSON_OPTION,
           as_: str = AS_OPTION) -> None:
    """Decrypt FILE, check its signature, restore it into a scratch copy and check everything."""
    with command(ctx, json_output, as_, needs_firm=False) as cli:
        from lawledger.backup.errors import BackupRefused
        from lawledger.backup.services import backup_verify
        from lawledger.core.errors import LawLedgerError

        try:
            actor = _firm_actor(cli)
        except LawLedgerError as error:
            _refused_without_audit(cli, error)
            return
        try:
            result = backup_verify(actor=actor, file=file, identity=identity, signer=signer,
                                   scratch=scratch)
        except BackupRefused as error:
            _refused_without_audit(cli, error)
            return
        except LawLedgerError as error:
            if actor is None:  # nothing to audit in, and nothing may be opened to try
                _refused_without_audit(cli, error)
                return
            raise
        for warning in result["warnings"]:
            cli.warn(warning)
        cli.emit(result, lambda: _print_checks(result, f"backup verified: {result['file']}"))


@backup_app.command("restore")
def restore(ctx: typer.Context, file: str = typer.Argument(..., metavar="FILE"),
            to: str = typer.Option(None, "--to", metavar="DATABASE_URL",
                                   help="sqlite:///path or postgres://… (default: this "
                                        "firm's database, which must not exist or be empty)"),
            identity: str = IDENTITY_OPTION, signer: str = SIGNER_OPTION,
            scratch: str = SCRATCH_OPTION, json_output: bool = JSON_OPTION,
            as_: str = AS_OPTION) -> None:
    """Restore FILE into an EMPTY database, after checking it; refuse anything doubtful."""
    with command(ctx, json_output, as_, needs_firm=False) as cli:
        from lawledger import bootstrap
        from lawledger.core.access import Principal
        from lawledger.core.errors import LawLedgerError, PermissionDenied

        bootstrap.setup()
        try:
            if cli.as_email:
                raise PermissionDenied("a restore is the server operator's act: run it without "
                                       "--as and without LAWLEDGER_USER", param="as")
            from lawledger.backup.services import backup_restore

            result = backup_restore(actor=Principal.operator(_os_user()), file=file, to=to,
                                    identity=identity, signer=signer, scratch=scratch)
        except LawLedgerError as error:
            _refused_without_audit(cli, error)
            return
        for warning in result["warnings"]:
            cli.warn(warning)
        cli.emit(result, lambda: _print_checks(
            result, f"restored {result['file']} into {result['target']}"))


@backup_app.command("prune")
def prune(ctx: typer.Context, directory: str = typer.Argument(..., metavar="DIR"),
          keep_daily: int = KEEP_DAILY, keep_weekly: int = KEEP_WEEKLY,
          keep_monthly: int = KEEP_MONTHLY,
          dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would go."),
          json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Delete the backups in DIR that no daily/weekly/monthly generation keeps."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.backup.retention import Keep
        from lawledger.backup.services import backup_prune

        result = backup_prune(actor=cli.actor, directory=directory, dry_run=dry_run,
                              keep=Keep(keep_daily, keep_weekly, keep_monthly))
        verb = "would delete" if dry_run else "deleted"
        cli.emit(result, f"kept {len(result['kept'])}, {verb} {len(result['pruned'])}")


@backup_app.command("keygen")
def keygen(ctx: typer.Context,
           identity: str = typer.Option(None, "--identity", metavar="FILE",
                                        help="Write a NEW identity here (then move it offline)."),
           recipient: list[str] = RECIPIENT_OPTION,
           force: bool = typer.Option(False, "--force", help="Replace the current recipient."),
           json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Set who can read backups: the server keeps only the public recipient."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.backup.services import backup_keygen

        result = backup_keygen(actor=cli.actor, identity_out=identity,
                               recipients=list(recipient or []), force=force)
        text = [f"backups are encrypted to: {', '.join(result['recipients'])}",
                f"manifests are signed by: {result['signer']}"]
        if result["identity_file"]:
            text.append(f"identity written to {result['identity_file']}: MOVE IT OFF THIS "
                        "SERVER (offline, with a copy of the master key kept apart)")
        cli.emit(result, "\n".join(text))


@backup_app.command("schedule")
def schedule(ctx: typer.Context, directory: str = typer.Argument(..., metavar="DIR"),
             kind: str = typer.Option("systemd", "--format", help="systemd or cron"),
             at: str = typer.Option("02:30", "--at", help="Time of day, HH:MM."),
             keep_daily: int = KEEP_DAILY, keep_weekly: int = KEEP_WEEKLY,
             keep_monthly: int = KEEP_MONTHLY,
             out: str = typer.Option(None, "--out", help="Write the files into this directory "
                                                         "(default: print them)."),
             env_file: str = typer.Option(None, "--env-file", help="File with DATABASE_URL=… "
                                                                   "for PostgreSQL."),
             json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """A systemd timer+service or a crontab line that backs up daily and prunes generations."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.backup.services import backup_schedule

        result = backup_schedule(actor=cli.actor, directory=directory, kind=kind, at=at,
                                 keep=(keep_daily, keep_weekly, keep_monthly), out=out,
                                 env_file=env_file)

        def show() -> None:
            for name, text in result["files"].items():
                if result["written"]:
                    stdout.print(f"wrote {Path(result['written'][name])}", markup=False)
                else:
                    sys.stdout.write(f"# ---- {name}\n{text}")

        cli.emit(result, show)


def register(app: typer.Typer) -> None:
    """Add this area's commands and groups to the root `lawledger` app."""
    app.add_typer(backup_app, name="backup")
