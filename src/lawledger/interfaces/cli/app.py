"""The root of the `lawledger` command."""

from __future__ import annotations

import typer

from lawledger.interfaces.cli import (
    approvals,  # noqa: F401 - adds the approval commands to `trust`
    backup,
    banking,
    billing,
    exports,
    feeds,
    jurisdictions,
    keys,
    people,
    privacy,
    server,
    tokens,
    trust,
    webhooks,
)

app = typer.Typer(name="lawledger", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False,
                  help="Trust accounting and billing for law firms.",
                  context_settings={"help_option_names": ["-h", "--help"]})


@app.callback()
def root(ctx: typer.Context,
         json_output: bool = typer.Option(False, "--json", help="Print one JSON document."),
         as_email: str = typer.Option(None, "--as", help="Act as this user.",
                                      show_default=False)) -> None:
    ctx.obj = {"json": json_output, "as_email": as_email}


app.command("init")(server.init)
app.command("serve")(server.serve)
app.command("demo")(server.demo)
app.add_typer(people.firm_app, name="firm")
app.add_typer(people.user_app, name="user")
app.add_typer(people.client_app, name="client")
app.add_typer(people.matter_app, name="matter")
app.add_typer(people.account_app, name="account")
app.add_typer(trust.trust_app, name="trust")
app.add_typer(people.audit_app, name="audit")
banking.register(app)
billing.register(app)
exports.register(app)
backup.register(app)
tokens.register(app)
webhooks.register(app)
jurisdictions.register(app)
keys.register(app)
privacy.register(app)
feeds.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
