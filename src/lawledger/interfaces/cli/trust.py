"""Trust commands: record deposits, disbursements, transfers, fees, reversals; show ledgers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from rich.table import Table

from lawledger.interfaces.cli.context import AS_OPTION, JSON_OPTION, Cli, command, stderr, stdout

trust_app = typer.Typer(help="The trust ledger.", no_args_is_help=True)

KEY_OPTION = typer.Option(None, "--idempotency-key",
                          help="Apply this request at most once (retries return the first result).")
MEMO_OPTION = typer.Option(None, "--memo", help="A note kept encrypted.")
DATE_OPTION = typer.Option(..., "--date", help="Effective date, YYYY-MM-DD.")
CSV_OPTION = typer.Option(None, "--csv", metavar="FILE",
                          help="Also write the report to FILE as CSV (audited as an export).")
PDF_OPTION = typer.Option(None, "--pdf", metavar="FILE",
                          help="Also write the report to FILE as PDF (audited as an export).")


def _posted(cli: Cli, result: Any) -> None:
    from lawledger.core.money import format_minor

    entry = result.entry
    for warning in result.warnings:
        cli.warn(warning)
    balances = {}
    for posting in entry.postings.select_related("ledger_account__matter"):
        account = posting.ledger_account
        if account.kind == "client" and account.matter is not None:
            balances[account.matter.number] = format_minor(posting.balance_after_minor,
                                                           posting.currency)
    cli.emit({"id": entry.public_id, "kind": entry.kind, "date": entry.effective_date.isoformat(),
              "amount": format_minor(entry.amount_minor, entry.currency),
              "currency": entry.currency, "account": entry.bank_account.name,
              "matter": entry.matter.number if entry.matter else None,
              "balances": balances, "replayed": result.replayed,
              "warnings": result.warnings}, entry.public_id)


def _posted_or_held(cli: Cli, result: Any) -> None:
    """A posted entry as before; a payment held for a second approver (D7) as its request."""
    from lawledger.ledger.approvals import ApprovalRequest

    if isinstance(result, ApprovalRequest):
        from lawledger.interfaces.cli.approvals import emit_held

        emit_held(cli, result)
    else:
        _posted(cli, result)


@trust_app.command("deposit")
def deposit(ctx: typer.Context, matter: str, amount: str,
            account: str = typer.Option(..., "--account", help="The trust account."),
            date: str = DATE_OPTION,
            payor: str = typer.Option(..., "--from", help="Who paid the money in."),
            method: str = typer.Option(None, "--method", help="check, wire, ach, card or cash"),
            reference: str = typer.Option(None, "--ref", help="Bank or check reference."),
            memo: str = MEMO_OPTION, idempotency_key: str = KEY_OPTION,
            json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Record money received into trust for a matter; prints the entry id."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.ledger.services import trust_deposit_record

        _posted(cli, trust_deposit_record(
            actor=cli.actor, matter=matter, amount=amount, account=account, date=date,
            payor=payor, method=method, reference=reference, memo=memo,
            idempotency_key=idempotency_key))


@trust_app.command("disburse")
def disburse(ctx: typer.Context, matter: str, amount: str,
             account: str = typer.Option(..., "--account", help="The trust account."),
             date: str = DATE_OPTION,
             payee: str = typer.Option(..., "--to", help="Who is paid."),
             check_number: str = typer.Option(None, "--check-number"),
             method: str = typer.Option(None, "--method", help="check, wire, ach or eft"),
             reference: str = typer.Option(None, "--ref", help="EFT or wire reference."),
             purpose: str = typer.Option(None, "--purpose", help="What the payment is for."),
             memo: str = MEMO_OPTION, idempotency_key: str = KEY_OPTION,
             override_uncleared: bool = typer.Option(
                 False, "--override-uncleared", help="Admin only: pay against uncleared funds."),
             json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Pay money out of a matter's trust ledger; prints the entry id."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.core.ledger import EntryKind
        from lawledger.ledger.approvals import outflow_request

        _posted_or_held(cli, outflow_request(
            cli.actor, EntryKind.DISBURSEMENT, matter=matter, amount=amount, account=account,
            date=date, payee=payee, method=method, check_number=check_number,
            reference=reference, purpose=purpose, memo=memo, idempotency_key=idempotency_key,
            override_uncleared=override_uncleared))


@trust_app.command("transfer")
def transfer(ctx: typer.Context, from_matter: str, to_matter: str, amount: str,
             date: str = DATE_OPTION,
             account: str = typer.Option(None, "--account", help="The trust account."),
             memo: str = MEMO_OPTION, idempotency_key: str = KEY_OPTION,
             json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Move trust money from one matter's ledger to another's; prints the entry id."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.ledger.services import trust_transfer_record

        _posted(cli, trust_transfer_record(
            actor=cli.actor, from_matter=from_matter, to_matter=to_matter, amount=amount,
            date=date, account=account, memo=memo, idempotency_key=idempotency_key))


@trust_app.command("fee")
def fee(ctx: typer.Context, matter: str, amount: str,
        account: str = typer.Option(None, "--account", help="The trust account."),
        date: str = DATE_OPTION,
        operating: str = typer.Option(None, "--to-account", help="The operating account."),
        invoice: str = typer.Option(None, "--invoice", help="The invoice the fees were billed on."),
        memo: str = MEMO_OPTION, idempotency_key: str = KEY_OPTION,
        json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Transfer earned fees from trust to the operating account."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.ledger.services import earned_fee_transfer_record

        _posted(cli, earned_fee_transfer_record(
            actor=cli.actor, matter=matter, amount=amount, account=account, date=date,
            operating_account=operating, invoice_ref=invoice, memo=memo,
            idempotency_key=idempotency_key))


@trust_app.command("refund")
def refund(ctx: typer.Context, matter: str, amount: str,
           account: str = typer.Option(None, "--account", help="The trust account."),
           date: str = DATE_OPTION, payee: str = typer.Option(..., "--to", help="The client."),
           check_number: str = typer.Option(None, "--check-number"),
           method: str = typer.Option(None, "--method"), memo: str = MEMO_OPTION,
           idempotency_key: str = KEY_OPTION,
           json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Return unused trust money to the client."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.core.ledger import EntryKind
        from lawledger.ledger.approvals import outflow_request

        _posted_or_held(cli, outflow_request(
            cli.actor, EntryKind.REFUND, matter=matter, amount=amount, account=account,
            date=date, payee=payee, method=method, check_number=check_number,
            purpose="refund to client", memo=memo, idempotency_key=idempotency_key))


def _firm_entry(kind_name: str, help_text: str, party_flag: str | None) -> None:
    def run(ctx: typer.Context, account: str, amount: str, date: str = DATE_OPTION,
            party: str = typer.Option(None, party_flag or "--party", hidden=party_flag is None),
            reference: str = typer.Option(None, "--ref"), memo: str = MEMO_OPTION,
            idempotency_key: str = KEY_OPTION, json_output: bool = JSON_OPTION,
            as_: str = AS_OPTION) -> None:
        with command(ctx, json_output, as_) as cli:
            from lawledger.core.ledger import EntryKind
            from lawledger.ledger.services import trust_firm_entry_record

            _posted(cli, trust_firm_entry_record(
                actor=cli.actor, kind=EntryKind(kind_name.replace("-", "_")), account=account,
                amount=amount, date=date, counterparty=party, reference=reference, memo=memo,
                idempotency_key=idempotency_key))

    run.__doc__ = help_text
    trust_app.command(kind_name)(run)


_firm_entry("bank-charge", "Record a bank charge, paid from the firm's funds in trust.", None)
_firm_entry("interest", "Record interest credited by the bank (owed on, e.g. to the foundation).",
            None)
_firm_entry("interest-remittance", "Pay accrued interest on (e.g. IOLTA interest).", "--to")
_firm_entry("firm-deposit", "Deposit firm money into trust to cover bank charges.", None)
_firm_entry("firm-withdrawal", "Take the firm's own money back out of trust.", None)
_firm_entry("unidentified-deposit", "Record money received whose owner is not yet known.",
            "--from")


@trust_app.command("assign-unidentified")
def assign_unidentified(ctx: typer.Context, account: str, matter: str, amount: str,
                        date: str = DATE_OPTION, memo: str = MEMO_OPTION,
                        json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Move unidentified funds to the matter they belong to."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.ledger.services import unidentified_assign_record

        _posted(cli, unidentified_assign_record(actor=cli.actor, account=account, matter=matter,
                                                amount=amount, date=date, memo=memo))


@trust_app.command("reverse")
def reverse(ctx: typer.Context, entry: str, reason: str = typer.Option(..., "--reason"),
            date: str = typer.Option(None, "--date", help="Default: today."),
            json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Reverse an entry with a new entry (the original stays); prints the new entry id."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.ledger.services import trust_reversal_record

        _posted(cli, trust_reversal_record(actor=cli.actor, entry=entry, reason=reason, date=date))


def _report(cli: Cli, kind: str, csv_file: str | None, pdf_file: str | None,
            fetch: Callable[[], dict[str, Any]], **params: Any) -> dict[str, Any]:
    """The report's document; with --csv/--pdf also its files, audited as exports and written
    whole (temp file and rename, mode 0600). The JSON on stdout is the same either way."""
    if not (csv_file or pdf_file):
        return fetch()
    from lawledger.reports.exports import (
        ExportFormat,
        ReportKind,
        check_report_target,
        export_report,
        write_report_file,
    )

    targets = {fmt: target for fmt, target in ((ExportFormat.CSV, csv_file),
                                                (ExportFormat.PDF, pdf_file)) if target}
    for fmt, target in targets.items():
        check_report_target(target, param=fmt.value)
    exported = export_report(cli.actor, ReportKind(kind), list(targets), **params)
    for fmt, target in targets.items():
        path = write_report_file(target, exported.files[fmt].body, param=fmt.value)
        stderr.print(f"wrote {fmt.value.upper()} to {path}", markup=False)
    return exported.document


def _entries_table(report: dict[str, Any], party: bool = True) -> None:
    from rich.markup import escape

    table = Table("date", "entry", "kind", "matter" if not party else "from / to", "amount",
                  "balance")
    for item in report["entries"]:
        who = item.get("payor") or item.get("payee") or item.get("purpose") or ""
        table.add_row(item["date"], item["id"], item["kind"],
                      escape(str(who if party else item.get("matter") or "")),
                      item["amount"], item["running_balance"])
    stdout.print(table)
    stdout.print(f"balance: {report['balance']} {report['currency']}")


@trust_app.command("ledger")
def ledger(ctx: typer.Context, matter: str,
           account: str = typer.Option(None, "--account"),
           date_from: str = typer.Option(None, "--from"), date_to: str = typer.Option(None, "--to"),
           csv_file: str = CSV_OPTION, pdf_file: str = PDF_OPTION,
           json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """One client ledger with its running balance."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.core.calendar import parse_iso_date
        from lawledger.ledger.queries import client_ledger_report

        start = parse_iso_date(date_from, param="from") if date_from else None
        end = parse_iso_date(date_to, param="to") if date_to else None
        report = _report(cli, "client_ledger", csv_file, pdf_file,
                         lambda: client_ledger_report(cli.actor, matter, account,
                                                      date_from=start, date_to=end),
                         matter=matter, account=account, date_from=start, date_to=end)
        cli.emit(report, lambda: _entries_table(report))


@trust_app.command("journal")
def journal(ctx: typer.Context, account: str,
            date_from: str = typer.Option(None, "--from"), date_to: str = typer.Option(None, "--to"),
            csv_file: str = CSV_OPTION, pdf_file: str = PDF_OPTION,
            json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """The chronological journal of one bank account."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.core.calendar import parse_iso_date
        from lawledger.ledger.queries import trust_journal_report

        start = parse_iso_date(date_from, param="from") if date_from else None
        end = parse_iso_date(date_to, param="to") if date_to else None
        report = _report(cli, "trust_journal", csv_file, pdf_file,
                         lambda: trust_journal_report(cli.actor, account, date_from=start,
                                                      date_to=end),
                         account=account, date_from=start, date_to=end)
        cli.emit(report, lambda: _entries_table(report, party=False))


@trust_app.command("listing")
def listing(ctx: typer.Context, account: str = typer.Option(None, "--account"),
            include_zero: bool = typer.Option(False, "--all", help="Include zero balances."),
            csv_file: str = CSV_OPTION, pdf_file: str = PDF_OPTION,
            json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Every client ledger with a balance, with its last activity (the client trust listing)."""
    with command(ctx, json_output, as_) as cli:
        from rich.markup import escape

        from lawledger.ledger.queries import trust_listing_report

        report = _report(cli, "trust_listing", csv_file, pdf_file,
                         lambda: trust_listing_report(cli.actor, account,
                                                      include_zero=include_zero),
                         account=account, include_zero=include_zero)

        def show() -> None:
            for item in report["accounts"]:
                table = Table("ledger", "client", "balance", "last activity",
                              title=f"{escape(item['account'])} ({item['currency']})")
                for row in item["ledgers"]:
                    table.add_row(escape(row["matter"] or row["kind"]),
                                  escape(row["client"] or ""), row["balance"],
                                  row["last_activity"] or "")
                stdout.print(table)
                stdout.print(f"total: {item['total']} {item['currency']}")

        cli.emit(report, show)


@trust_app.command("inactive")
def inactive(ctx: typer.Context, months: int = typer.Option(None, "--months"),
             csv_file: str = CSV_OPTION, pdf_file: str = PDF_OPTION,
             json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Balances with no activity for N months (candidates for unclaimed funds)."""
    with command(ctx, json_output, as_) as cli:
        from rich.markup import escape

        from lawledger.ledger.queries import inactive_balances_report

        report = _report(cli, "inactive_balances", csv_file, pdf_file,
                         lambda: inactive_balances_report(cli.actor, months), months=months)

        def show() -> None:
            table = Table("matter", "client", "account", "balance", "last activity")
            for row in report["ledgers"]:
                table.add_row(row["matter"], escape(row["client"]), escape(row["account"]),
                              row["balance"], row["last_activity"] or "")
            stdout.print(table)

        cli.emit(report, show)
