"""CLI commands of the banking area: `lawledger bank …` and the top-level `lawledger reconcile`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from lawledger.interfaces.cli.context import AS_OPTION, JSON_OPTION, Cli, command, print_table, stderr

bank_app = typer.Typer(help="Bank statements, matching and bank-only entries.",
                       no_args_is_help=True)
profile_app = typer.Typer(help="Saved CSV column profiles.", no_args_is_help=True)
settings_app = typer.Typer(help="Ages for stale checks and old deposits in transit.",
                           no_args_is_help=True)

LINE_OPTION = typer.Option(None, "--line", help="A bank line id (repeat for several).")
ENTRY_OPTION = typer.Option(None, "--entry", help="A journal entry id (repeat for several).")
MATCHES_ARGUMENT = typer.Argument(None, help="Match ids to confirm.")


def register(app: typer.Typer) -> None:
    """Add this area's commands and groups to the root `lawledger` app."""
    bank_app.add_typer(profile_app, name="profile")
    bank_app.add_typer(settings_app, name="settings")
    app.add_typer(bank_app, name="bank")
    app.command("reconcile")(reconcile)


def _read_file(path_text: str, *, limit: int, param: str = "file") -> tuple[str, bytes]:
    """The bytes of a file named on the command line, its size checked before it is read."""
    from lawledger.core.errors import InvalidInput

    path = Path(path_text).expanduser()
    try:
        info = path.stat()
    except OSError:
        raise InvalidInput(f"{param}: no such file {path_text!r}", param=param) from None
    if not path.is_file():
        raise InvalidInput(f"{param}: {path_text!r} is not a file", param=param)
    if info.st_size > limit:
        from lawledger.banking.imports import check_statement_size

        check_statement_size(info.st_size)
        raise InvalidInput(f"{param}: larger than {limit:,} bytes", param=param)
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InvalidInput(f"{param}: cannot read {path_text!r} ({exc.strerror})",
                           param=param) from None
    if len(data) > limit:  # it grew while we looked
        raise InvalidInput(f"{param}: larger than {limit:,} bytes", param=param)
    return path.name, data


# import ------------------------------------------------------------------------------------------

@bank_app.command("import")
def bank_import(ctx: typer.Context, account: str, file: str,
                file_format: str = typer.Option("auto", "--format",
                                                help="auto, ofx, csv, camt053, bai2 or mt940"),
                profile: str = typer.Option(None, "--profile", help="A saved CSV profile."),
                json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Import a bank statement file into ACCOUNT: new and duplicate lines, period, closing balance."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.banking.services import MAX_STATEMENT_BYTES, statement_import

        name, data = _read_file(file, limit=MAX_STATEMENT_BYTES)
        result = statement_import(actor=cli.actor, account=account, data=data,
                                  file_format=file_format, profile=profile, file_name=name)
        document = result.as_dict()
        for warning in result.warnings:
            cli.warn(warning)
        period = document["period"]
        closing = (f"closing balance {document['closing_balance']} {result.currency}"
                   f" on {document['closing_balance_date']}" if document["closing_balance"]
                   else "no closing balance in the file")
        already = " (this file was imported before)" if result.already_imported else ""
        cli.emit(document, f"{result.account}: {result.new_lines} new, {result.duplicate_lines} "
                           f"duplicate line(s){already}; statement {period['start']} to "
                           f"{period['end']}, {closing}; {result.proposed_matches} match(es) "
                           "proposed")


# lines and matches -------------------------------------------------------------------------------

@bank_app.command("lines")
def bank_lines(ctx: typer.Context, account: str,
               unmatched: bool = typer.Option(False, "--unmatched", help="Only unmatched lines."),
               date_from: str = typer.Option(None, "--from"),
               date_to: str = typer.Option(None, "--to"),
               json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """The imported bank lines of ACCOUNT with their match state."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.banking.queries import bank_lines_report
        from lawledger.core.calendar import parse_iso_date

        report = bank_lines_report(
            actor=cli.actor, account=account, unmatched_only=unmatched,
            date_from=parse_iso_date(date_from, param="from") if date_from else None,
            date_to=parse_iso_date(date_to, param="to") if date_to else None)
        cli.emit(report, lambda: print_table(
            ["date", "line", "kind", "check", "counterparty / description", "amount", "status"],
            [[row["date"], row["id"], row["kind"], row["check_number"],
              " ".join(t for t in (row["counterparty"], row["description"]) if t)[:60],
              row["amount"], row["status"]] for row in report["lines"]]))


@bank_app.command("match")
def bank_match(ctx: typer.Context, account: str,
               line: list[str] = LINE_OPTION, entry: list[str] = ENTRY_OPTION,
               note: str = typer.Option(None, "--note", help="Why (for a match by hand)."),
               json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Propose matches automatically, or match --line(s) to --entry(s) by hand (confirmed)."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.banking.services import auto_match, match_by_hand

        if not line and not entry:
            result = auto_match(actor=cli.actor, account=account)
            cli.emit(result.as_dict(), f"{result.proposed} match(es) proposed on {result.account}"
                     + "".join(f"; {n} by {method}" for method, n in result.by_method.items()))
            return
        made = match_by_hand(actor=cli.actor, account=account, bank_lines=line or [],
                             entries=entry or [], note=note)
        cli.emit({"id": made.public_id, "method": made.method, "status": made.status,
                  "confidence": made.confidence, "settled_on": made.settled_on.isoformat()},
                 made.public_id)


@bank_app.command("matches")
def bank_matches(ctx: typer.Context, account: str,
                 status: str = typer.Option("proposed", "--status",
                                            help="proposed, confirmed, undone or all"),
                 json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """The matches of ACCOUNT, with their lines and entries."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.banking.queries import matches_report
        from lawledger.core.errors import InvalidInput

        if status not in ("proposed", "confirmed", "undone", "all"):
            raise InvalidInput(f"status: {status!r} is not proposed, confirmed, undone or all",
                               param="status")
        report = matches_report(actor=cli.actor, account=account,
                                status=None if status == "all" else status)
        cli.emit(report, lambda: print_table(
            ["match", "method", "confidence", "status", "bank lines", "entries"],
            [[m["id"], m["method"], m["confidence"], m["status"],
              " ".join(f"{ln['date']} {ln['amount']}" for ln in m["bank_lines"]),
              " ".join(f"{e['id']} {e['amount']}" for e in m["entries"])]
             for m in report["matches"]]))


@bank_app.command("confirm")
def bank_confirm(ctx: typer.Context, account: str,
                 matches: list[str] = MATCHES_ARGUMENT,
                 confirm_all: bool = typer.Option(False, "--all",
                                                  help="Confirm every proposal of ACCOUNT."),
                 min_confidence: int = typer.Option(0, "--min-confidence"),
                 json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Confirm proposed matches (named ones, or --all at or above --min-confidence)."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.banking.services import match_confirm, matches_confirm_all
        from lawledger.core.errors import InvalidInput

        if confirm_all == bool(matches):
            raise InvalidInput("matches: name the matches to confirm, or give --all",
                               param="matches")
        if confirm_all:
            count = matches_confirm_all(actor=cli.actor, account=account,
                                        min_confidence=min_confidence)
            cli.emit({"account": account, "confirmed": count}, f"{count} match(es) confirmed")
            return
        done = [match_confirm(actor=cli.actor, match=ref).public_id for ref in matches]
        cli.emit({"account": account, "confirmed": len(done), "matches": done}, "\n".join(done))


@bank_app.command("unmatch")
def bank_unmatch(ctx: typer.Context, match: str,
                 reason: str = typer.Option(..., "--reason", help="Why it was wrong."),
                 json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Undo a match: its lines and entries are open again (the match keeps its history)."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.banking.services import match_undo

        row = match_undo(actor=cli.actor, match=match, reason=reason)
        cli.emit({"id": row.public_id, "status": row.status}, f"{row.public_id} undone")


# bank-only lines ---------------------------------------------------------------------------------

def _proposal_text(rows: list[dict[str, Any]]) -> None:
    print_table(["proposal", "kind", "date", "amount", "counterparty", "bank line"],
                [[p["id"], p["kind"], p["date"], p["amount"], p["counterparty"], p["bank_line"]]
                 for p in rows])


@bank_app.command("propose")
def bank_propose(ctx: typer.Context, account: str, json_output: bool = JSON_OPTION,
                 as_: str = AS_OPTION) -> None:
    """Turn unmatched bank-only lines into proposed firm-ledger entries (posted by a person)."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.banking.queries import proposals_report
        from lawledger.banking.services import bank_only_propose

        rows = proposals_report(actor=cli.actor,
                                proposals=bank_only_propose(actor=cli.actor, account=account))
        cli.emit({"account": account, "proposals": rows}, lambda: _proposal_text(rows))


@bank_app.command("post")
def bank_post(ctx: typer.Context, proposal: str, json_output: bool = JSON_OPTION,
              as_: str = AS_OPTION) -> None:
    """Post a proposed bank-only entry into its firm ledger; prints the entry id."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.banking.services import bank_only_post
        from lawledger.core.money import format_minor

        result = bank_only_post(actor=cli.actor, proposal=proposal)
        entry = result.entry
        cli.emit({"id": entry.public_id, "kind": entry.kind,
                  "date": entry.effective_date.isoformat(),
                  "amount": format_minor(entry.amount_minor, entry.currency),
                  "currency": entry.currency, "account": entry.bank_account.name,
                  "proposal": proposal}, entry.public_id)


@bank_app.command("dismiss")
def bank_dismiss(ctx: typer.Context, proposal: str,
                 reason: str = typer.Option(..., "--reason"),
                 json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Dismiss a proposed bank-only entry."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.banking.services import bank_only_dismiss

        row = bank_only_dismiss(actor=cli.actor, proposal=proposal, reason=reason)
        cli.emit({"id": row.public_id, "status": row.status}, f"{row.public_id} dismissed")


@bank_app.command("status")
def bank_status(ctx: typer.Context, json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Each bank account: last import, unmatched lines, last reconciliation, next due."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.banking.queries import banking_overview

        accounts = banking_overview(actor=cli.actor)
        cli.emit({"accounts": accounts}, lambda: print_table(
            ["account", "last import", "unmatched", "proposed", "last reconciled", "next due"],
            [[a["account"], a["last_import"], a["unmatched_lines"], a["proposed_matches"],
              a["last_signed"], a["next_due"] + (" (overdue)" if a["overdue"] else "")]
             for a in accounts]))


# profiles and settings ---------------------------------------------------------------------------

@profile_app.command("add")
def profile_add(ctx: typer.Context, name: str, file: str, json_output: bool = JSON_OPTION,
                as_: str = AS_OPTION) -> None:
    """Save a CSV column profile (JSON) under NAME, for `bank import --profile NAME`."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.banking.services import MAX_PROFILE_BYTES, csv_profile_add

        _, data = _read_file(file, limit=MAX_PROFILE_BYTES)
        saved = csv_profile_add(actor=cli.actor, name=name, definition=data)
        cli.emit({"name": saved.name, "profile": saved.definition}, saved.name)


@profile_app.command("list")
def profile_list(ctx: typer.Context, json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """The saved CSV profiles."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.access.policy import require
        from lawledger.banking.queries import saved_profiles
        from lawledger.core.access import Action

        require(cli.actor, Action.VIEW_FIRM_REPORTS)
        rows = saved_profiles()
        cli.emit({"profiles": rows}, lambda: print_table(
            ["name", "saved by", "saved at"],
            [[p["name"], p["created_by"], p["created_at"]] for p in rows]))


@settings_app.command("show")
def settings_show(ctx: typer.Context, json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """stale_check_days and transit_alert_days."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.banking.settings import banking_settings_show

        values = banking_settings_show()
        cli.emit(values, "\n".join(f"{k} = {v}" for k, v in values.items()))


@settings_app.command("set")
def settings_set(ctx: typer.Context, key: str, value: str, json_output: bool = JSON_OPTION,
                 as_: str = AS_OPTION) -> None:
    """Set stale_check_days (30-3650) or transit_alert_days (1-365); admins only."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.banking.services import banking_settings_set

        values = banking_settings_set(actor=cli.actor, key=key, value=value)
        cli.emit(values, f"{key} = {values.get(key.strip().lower())}")


# reconcile ---------------------------------------------------------------------------------------

def _write_pdf(target: str, pdf: bytes) -> Path:
    from lawledger.core.errors import InvalidInput

    path = Path(target).expanduser()
    if path.exists() and not path.is_file():
        raise InvalidInput(f"pdf: {target!r} is not a file", param="pdf")
    if not path.parent.is_dir():
        raise InvalidInput(f"pdf: the folder of {target!r} does not exist", param="pdf")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pdf)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise InvalidInput(f"pdf: cannot write {target!r} ({exc.strerror})", param="pdf") from None
    return path


def _reconcile_text(cli: Cli, document: dict[str, Any]) -> None:
    currency = document["currency"]
    lines = [f"{document['account']} on {document['date']} ({document['status']})"]
    for label, key in (("statement balance", "statement_balance"),
                       ("+ deposits in transit", "deposits_in_transit"),
                       ("- outstanding checks", "outstanding_checks"),
                       ("+/- bank-only items", "other_items"),
                       ("= adjusted bank balance", "adjusted_bank_balance"),
                       ("trust journal balance", "journal_balance"),
                       ("client ledgers total", "client_ledgers_total"),
                       ("firm ledgers total", "firm_ledgers_total")):
        lines.append(f"{label:<26}{document[key]:>16} {currency}")
    from lawledger.banking.report_pdf import problem_words

    lines.append("balanced" if document["balanced"]
                 else f"NOT balanced: {problem_words(document['problems'])}")
    if document.get("next_due"):
        lines.append(f"next reconciliation due {document['next_due']}"
                     + (f" for the period to {document['next_period_end']}"
                        if document.get("next_period_end") else "")
                     + (" (OVERDUE)" if document.get("overdue") else ""))
    for item in document["items"]:
        flag = " stale" if item["stale"] else (" old" if item["old"] else "")
        lines.append(f"  {item['type']:<19} {item['date']} {item['id']:<22} "
                     f"{item['amount']:>14}{flag}")
    if document.get("report_sha256"):
        lines.append(f"report {document['id']} sha256 {document['report_sha256']}")
    cli.emit(document, "\n".join(lines))


def reconcile(ctx: typer.Context, account: str,
              date: str = typer.Option(..., "--date", help="The statement date, YYYY-MM-DD."),
              statement_balance: str = typer.Option(..., "--statement-balance",
                                                    help="The balance on the bank statement."),
              pdf: str = typer.Option(None, "--pdf", help="Write the report as a PDF here."),
              sign_off: bool = typer.Option(False, "--sign-off",
                                            help="Admin: sign off and lock the period."),
              draft: bool = typer.Option(False, "--draft", help="Save as a draft."),
              explanation: str = typer.Option(None, "--explanation",
                                              help="Why a draft does not balance."),
              json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Three-way reconciliation of ACCOUNT on a date: bank, trust journal, client ledgers."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.banking.report_pdf import render_pdf
        from lawledger.banking.services import (
            reconciliation_pdf,
            reconciliation_report,
            reconciliation_save,
        )
        from lawledger.core.errors import InvalidInput

        if sign_off and draft:
            raise InvalidInput("draft: --sign-off and --draft exclude each other", param="draft")
        if sign_off or draft or explanation:
            saved, document = reconciliation_save(
                actor=cli.actor, account=account, date=date, statement_balance=statement_balance,
                sign_off=sign_off, explanation=explanation)
            body = reconciliation_pdf(actor=cli.actor, ref=saved.public_id)[1] if pdf else b""
        else:
            document = reconciliation_report(actor=cli.actor, account=account, date=date,
                                             statement_balance=statement_balance)
            body = render_pdf(document) if pdf else b""
        if pdf:
            written = _write_pdf(pdf, body)
            stderr.print(f"wrote PDF to {written}", markup=False)
        _reconcile_text(cli, document)
