"""`lawledger privacy …`: client data export, legal holds, consents, redacted exports, alerts.

    privacy export CLIENT [--out FILE]                     everything held about a client (JSON)
    privacy hold MATTER --reason T | privacy release MATTER
    privacy consent add CLIENT PARTY --scope S --expires D [--from D] [--note T]
    privacy consent revoke CONSENT
    privacy redact INVOICE --format pdf|csv|ledes --out FILE [--for PARTY]
    privacy redact-ledger MATTER --out FILE [--for PARTY]
    privacy alerts                                          open alerts on unusual access
    privacy acknowledge ALERT
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from lawledger.interfaces.cli.context import AS_OPTION, JSON_OPTION, Cli, command

privacy_app = typer.Typer(help="Client data export, legal holds, consents, redaction, alerts.",
                          no_args_is_help=True)
consent_app = typer.Typer(help="Clients' consents to disclose billing to a third party.",
                          no_args_is_help=True)
privacy_app.add_typer(consent_app, name="consent")
OUT_OPTION = typer.Option(..., "--out", help="Write the file here (never overwritten).")
EXPORT_OUT_OPTION = typer.Option(None, "--out", help="Write the JSON here instead of stdout.")
PARTY_OPTION = typer.Option(None, "--for", help="The third party it is for (consent checked).")


def register(app: typer.Typer) -> None:
    """Add `lawledger privacy …` to the root app."""
    app.add_typer(privacy_app, name="privacy")


def _write(path: Path, content: bytes) -> None:
    """Create the file with 0600 permissions; an existing file is refused (exit 2)."""
    from lawledger.core.errors import InvalidInput

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InvalidInput(f"out: {path} already exists", param="out") from None
    except OSError as exc:
        raise InvalidInput(f"out: cannot write {path}: {exc.strerror}", param="out") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def _wrote(cli: Cli, path: Path, name: str, content: bytes, **extra: object) -> None:
    _write(path, content)
    cli.emit({"file": str(path), "name": name, "bytes": len(content), **extra},
             f"wrote {path} ({len(content)} bytes)")


@privacy_app.command("export")
def export(ctx: typer.Context, client: str,
           out: Path = EXPORT_OUT_OPTION,
           json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Everything held about one client, as JSON."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.privacy.client_export import client_data_export

        document = client_data_export(cli.actor, client)
        text = json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
        if out is None:
            typer.echo(text, nl=False)
            return
        _wrote(cli, out, out.name, text.encode("utf-8"), client=document["client"]["number"])


@privacy_app.command("hold")
def hold(ctx: typer.Context, matter: str, reason: str = typer.Option(..., "--reason"),
         json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Place a matter under legal hold: nothing of it may be purged."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.privacy.holds import place_hold

        row = place_hold(cli.actor, matter, reason)
        cli.emit({"hold": row.public_id, "matter": row.matter.number},
                 f"{row.matter.number} is under legal hold ({row.public_id})")


@privacy_app.command("release")
def release(ctx: typer.Context, matter: str, json_output: bool = JSON_OPTION,
            as_: str = AS_OPTION) -> None:
    """Release a matter's legal hold."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.privacy.holds import release_hold

        row = release_hold(cli.actor, matter)
        cli.emit({"hold": row.public_id, "matter": row.matter.number, "released": True},
                 f"legal hold on {row.matter.number} released")


@consent_app.command("add")
def consent_add(ctx: typer.Context, client: str, party: str,
                scope: str = typer.Option(..., "--scope", help="invoices, ledger or all_billing"),
                expires: str = typer.Option(..., "--expires", help="Last day of the consent."),
                valid_from: str = typer.Option(None, "--from", help="First day (default today)."),
                note: str = typer.Option("", "--note"),
                json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Record a client's consent to disclose billing to a named third party."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.core.calendar import parse_iso_date
        from lawledger.privacy.consents import grant_consent

        row = grant_consent(cli.actor, client, party, scope,
                            parse_iso_date(expires, param="expires"),
                            valid_from=parse_iso_date(valid_from, param="from") if valid_from
                            else None,
                            note=note)
        cli.emit({"consent": row.public_id, "client": row.client.number, "party": row.party,
                  "scope": row.scope, "valid_from": row.valid_from.isoformat(),
                  "expires_on": row.expires_on.isoformat()},
                 f"consent {row.public_id}: {row.party} may receive {row.scope} until "
                 f"{row.expires_on}")


@consent_app.command("revoke")
def consent_revoke(ctx: typer.Context, consent: str, json_output: bool = JSON_OPTION,
                   as_: str = AS_OPTION) -> None:
    """Revoke a consent."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.privacy.consents import revoke_consent

        row = revoke_consent(cli.actor, consent)
        cli.emit({"consent": row.public_id, "revoked": True}, f"consent {row.public_id} revoked")


@privacy_app.command("redact")
def redact(ctx: typer.Context, invoice: str,
           fmt: str = typer.Option(..., "--format", help="pdf, csv or ledes"),
           out: Path = OUT_OPTION, party: str = PARTY_OPTION,
           json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """A redacted, watermarked copy of an invoice (narratives replaced)."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.privacy.redaction import redacted_invoice

        name, content = redacted_invoice(cli.actor, invoice, fmt, party=party)
        _wrote(cli, out, name, content)


@privacy_app.command("redact-ledger")
def redact_ledger(ctx: typer.Context, matter: str, out: Path = OUT_OPTION,
                  party: str = PARTY_OPTION, json_output: bool = JSON_OPTION,
                  as_: str = AS_OPTION) -> None:
    """A redacted, watermarked CSV of a matter's client ledger."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.privacy.redaction import redacted_ledger_csv

        name, content = redacted_ledger_csv(cli.actor, matter, party=party)
        _wrote(cli, out, name, content)


@privacy_app.command("alerts")
def alerts(ctx: typer.Context, json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Open alerts on unusual access (the audit log is scanned first)."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.privacy.alerts import open_alerts

        rows = [{"id": a.pk, "kind": a.kind, "subject": a.subject, "count": a.count,
                 "summary": a.summary, "raised_at": a.raised_at.isoformat(),
                 "first_seq": a.first_seq, "last_seq": a.last_seq}
                for a in open_alerts(cli.actor)]
        cli.emit({"alerts": rows}, "\n".join(f"#{r['id']} {r['kind']}: {r['summary']}"
                                             for r in rows) or "no open alerts")


@privacy_app.command("acknowledge")
def acknowledge(ctx: typer.Context, alert: int, json_output: bool = JSON_OPTION,
                as_: str = AS_OPTION) -> None:
    """Acknowledge an alert (administrators)."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.privacy.alerts import acknowledge as ack

        row = ack(cli.actor, alert)
        cli.emit({"alert": row.pk, "acknowledged": True}, f"alert #{row.pk} acknowledged")
