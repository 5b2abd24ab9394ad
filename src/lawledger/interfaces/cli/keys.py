"""`lawledger keys list | rotate | remove | verify`: the data keys that seal confidential text.

`rotate` makes a new primary key (or resumes a rotation left unfinished) and re-seals every stored
value under it in batches, with a progress bar on stderr; `remove` deletes a retired key only once
nothing uses it; `verify` opens every stored value and exits 1 naming any that does not open.
"""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from lawledger.interfaces.cli.context import AS_OPTION, JSON_OPTION, command, stderr, stdout

keys_app = typer.Typer(help="Data keys: list, rotate, remove, verify.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add `lawledger keys …` to the root app."""
    app.add_typer(keys_app, name="keys")


@keys_app.command("list")
def list_keys(ctx: typer.Context, json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """The data keys, which one is primary, and how many stored values each seals."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.crypto.rotation import key_status

        keys = key_status(cli.actor)
        document = {"keys": [{"key_id": k.key_id, "primary": k.primary, "values": k.values}
                             for k in keys]}
        cli.emit(document, "\n".join(f"{k.key_id}{' (primary)' if k.primary else ''}: "
                                     f"{k.values} values" for k in keys))


@keys_app.command("rotate")
def rotate(ctx: typer.Context,
           batch_size: int = typer.Option(500, "--batch-size", min=1,
                                          help="Rows re-sealed per transaction."),
           json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Make a new primary key (or resume) and re-seal every stored value under it."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.crypto.rotation import rotate as rotate_keys

        bar = Progress(TextColumn("re-sealing"), BarColumn(), MofNCompleteColumn(),
                       TimeRemainingColumn(), console=stderr, transient=True,
                       disable=cli.json or not stderr.is_terminal)
        with bar:
            task = bar.add_task("re-seal", total=None)
            result = rotate_keys(cli.actor, batch_size=batch_size,
                                 on_start=lambda total: bar.update(task, total=total),
                                 progress=lambda done: bar.advance(task, done))
        document = {"primary": result.primary, "created": result.created,
                    "resealed": result.resealed, "batches": result.batches,
                    "tables": result.tables}
        verb = "new primary key" if result.created else "resumed rotation to"
        cli.emit(document, f"{verb} {result.primary}: {result.resealed} values re-sealed in "
                           f"{result.batches} batches")


@keys_app.command("remove")
def remove(ctx: typer.Context, key_id: str, json_output: bool = JSON_OPTION,
           as_: str = AS_OPTION) -> None:
    """Delete a retired data key; refused while it is primary or any value uses it."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.crypto.rotation import remove_key

        remove_key(cli.actor, key_id)
        cli.emit({"removed": key_id}, f"data key {key_id} removed")


@keys_app.command("verify")
def verify(ctx: typer.Context, json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Open every stored value; exit 1 naming the ones that do not open."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.crypto.rotation import verify_keys

        check = verify_keys(cli.actor)
        document = {"ok": not check.undecryptable, "values": check.values,
                    "undecryptable": check.undecryptable}
        if not check.undecryptable:
            cli.emit(document, f"all {check.values} stored values open")
            return
        if cli.json:
            cli.emit(document)
        else:
            stdout.print("\n".join(check.undecryptable), markup=False)
        stderr.print(f"error: undecryptable: {len(check.undecryptable)} stored values do not "
                     "open with the key ring", markup=False)
        raise typer.Exit(1)
