"""`lawledger jurisdiction …` (the bar-rule packs and the firm's reports under its pack) and
`lawledger notices …` (client notices the pack requires)."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape

from lawledger.interfaces.cli.context import AS_OPTION, JSON_OPTION, command, print_table, stderr, stdout

jurisdiction_app = typer.Typer(help="Bar-rule packs: the trust rules of the firm's jurisdiction.",
                               no_args_is_help=True)
notices_app = typer.Typer(help="Client notices the firm's jurisdiction requires.",
                          no_args_is_help=True)
DATE_HELP = "YYYY-MM-DD"


def register(app: typer.Typer) -> None:
    app.add_typer(jurisdiction_app, name="jurisdiction")
    app.add_typer(notices_app, name="notices")


def _date(value: str | None, param: str) -> Any:
    from lawledger.core.calendar import parse_iso_date

    return parse_iso_date(value, param=param) if value else None


@jurisdiction_app.command("list")
def list_packs(ctx: typer.Context, json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Every pack lawledger knows; the firm's is marked."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.jurisdictions.queries import packs_summary

        _ = cli.actor
        document = packs_summary()
        cli.emit(document, lambda: print_table(
            ["", "code", "name", "reconciliation", "retention"],
            [["*" if p["active"] else "", p["code"], p["name"], p["reconciliation"],
              p["retention"]] for p in document["packs"]]))


@jurisdiction_app.command("show")
def show(ctx: typer.Context, code: str = typer.Argument(None, help="Default: the firm's."),
         json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """One pack in full: its duties, retention, unclaimed-money rule, notices, rules and sources."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.jurisdictions.queries import pack_document

        _ = cli.actor
        document = pack_document(code)

        def text() -> None:
            stdout.print(f"[bold]{escape(document['name'])}[/bold] ({document['code']})"
                         + (" — the firm's jurisdiction" if document["active"] else ""))
            print_table(["rule", "what it says", "source"],
                        [[r["key"], r["text"], r["source"]] for r in document["rules"]])
            print_table(["reconciliation duty", "deadline", "source"],
                        [[d["label"], d["deadline"], d["source"]]
                         for d in document["reconciliation_duties"]])
            stdout.print(f"retention: {escape(document['retention'])} "
                         f"({escape(document['retention_rule']['source'])})")
            stdout.print("defaults: " + escape(", ".join(f"{k}={v}" for k, v in
                                                          document["defaults"].items())))

        cli.emit(document, text)


@jurisdiction_app.command("due")
def due(ctx: typer.Context, account: str = typer.Option(None, "--account"),
        json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """When each trust account's next reconciliation is due; overdue ones flagged."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.jurisdictions.queries import reconciliation_due_report

        report = reconciliation_due_report(cli.actor, account)
        cli.emit(report, lambda: print_table(
            ["account", "last signed", "next due", "duty", "overdue"],
            [[r["account"], r["last_signed"], r["next_due"], r["kind"],
              "OVERDUE" if r["overdue"] else ""] for r in report["accounts"]]))


@jurisdiction_app.command("retention")
def retention(ctx: typer.Context,
              through: str = typer.Option(None, "--through", help="Only what is purgeable by "
                                          "this date (" + DATE_HELP + ")."),
              json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Until when trust records must be kept, and what becomes purgeable when (deletes nothing)."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.jurisdictions.queries import retention_report

        report = retention_report(cli.actor, through=_date(through, "through"))

        def text() -> None:
            stdout.print(f"retention: {escape(report['rule']['summary'])} "
                         f"({escape(report['rule']['source'])})")
            print_table(["matter", "client", "records", "keep until", "purgeable now"],
                        [[r["matter"], r["client"], r["records"], r["keep_until"] or r["reason"],
                          "yes" if r["purgeable_now"] else ""] for r in report["matters"]])
            print_table(["account", "year", "records", "keep until", "purgeable now"],
                        [[r["account"], r["year"], r["records"], r["keep_until"],
                          "yes" if r["purgeable_now"] else ""] for r in report["firm_records"]])

        cli.emit(report, text)


@jurisdiction_app.command("unclaimed")
def unclaimed(ctx: typer.Context, json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Inactive balances at the pack's age, each with what the pack lets the firm do with it."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.jurisdictions.queries import unclaimed_report

        report = unclaimed_report(cli.actor)
        cli.emit(report, lambda: print_table(
            ["matter", "client", "balance", "last activity", "months", "status"],
            [[r["matter"], r["client"], f"{r['balance']} {r['currency']}", r["last_activity"],
              r["months_inactive"], r["action"]] for r in report["ledgers"]],
            title=f"{report['rule']['source']}"))


@jurisdiction_app.command("pay-residual")
def pay_residual(ctx: typer.Context, matter: str,
                 date: str = typer.Option(..., "--date", help=DATE_HELP),
                 steps: str = typer.Option(..., "--steps",
                                           help="The steps taken to trace and repay the owner."),
                 account: str = typer.Option(None, "--account"),
                 payee: str = typer.Option(None, "--to", help="The charity (SRA) or, to override "
                                           "the pack's, the fund paid."),
                 charity_number: str = typer.Option(None, "--charity-number"),
                 authorisation: str = typer.Option(None, "--authorisation",
                                                   help="The regulator's authorisation reference."),
                 check_number: str = typer.Option(None, "--check-number"),
                 json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Pay a client ledger's unclaimed or residual balance away as the pack allows."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.core.money import format_minor
        from lawledger.jurisdictions.services import residual_payment_record

        payment, result = residual_payment_record(
            actor=cli.actor, matter=matter, date=date, steps_taken=steps, account=account,
            payee=payee, charity_number=charity_number, authorisation_reference=authorisation,
            check_number=check_number)
        for warning in result.warnings:
            cli.warn(warning)
        cli.emit({"id": payment.public_id, "entry": result.entry.public_id,
                  "matter": payment.matter.number, "date": payment.paid_on.isoformat(),
                  "amount": format_minor(payment.amount_minor, payment.currency),
                  "currency": payment.currency, "kind": payment.kind, "payee": payment.payee,
                  "authorisation": payment.authorisation_reference or None,
                  "warnings": result.warnings}, result.entry.public_id)


@jurisdiction_app.command("register")
def register_of_payments(ctx: typer.Context, json_output: bool = JSON_OPTION,
                         as_: str = AS_OPTION) -> None:
    """The register of unclaimed and residual balances paid away, with their records."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.jurisdictions.queries import residual_register

        report = residual_register(cli.actor)
        cli.emit(report, lambda: print_table(
            ["date", "matter", "owner", "amount", "paid to", "authorisation"],
            [[r["date"], r["matter"], r["owner"], f"{r['amount']} {r['currency']}", r["payee"],
              r["authorisation"]] for r in report["payments"]]))


def _shaped_text(report: dict[str, Any]) -> None:
    stdout.print(f"[bold]{escape(report['title'])}[/bold] ({escape(report['source'])})")
    for section in report["sections"]:
        print_table(["", section["heading"], "amount"],
                    [[line["number"], line["label"] + (f" ({line['count']})"
                                                       if line["count"] is not None else ""),
                      line["amount"] or line["answer"] or ""] for line in section["lines"]])
    for note in report["notes"]:
        stderr.print(f"note: {escape(note)}")


@jurisdiction_app.command("reconciliation")
def reconciliation(ctx: typer.Context, account: str = typer.Argument(None),
                   date: str = typer.Option(None, "--date", help=DATE_HELP),
                   statement_balance: str = typer.Option(None, "--statement-balance"),
                   saved: str = typer.Option(None, "--saved", help="A saved reconciliation's id."),
                   json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """The reconciliation in the shape and wording of the firm's regulator."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.core.errors import InvalidInput
        from lawledger.jurisdictions.queries import (
            shaped_reconciliation,
            shaped_saved_reconciliation,
        )

        if saved:
            report = shaped_saved_reconciliation(cli.actor, saved)
        elif account and date and statement_balance is not None:
            report = shaped_reconciliation(cli.actor, account=account, date=date,
                                           statement_balance=statement_balance)
        else:
            raise InvalidInput("account: give ACCOUNT --date D --statement-balance X, or --saved "
                               "ID", param="account")
        cli.emit(report, lambda: _shaped_text(report))


@jurisdiction_app.command("position")
def position(ctx: typer.Context, date: str = typer.Option(None, "--date", help=DATE_HELP),
             json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Every trust account: bank balance, less what is not the clients', against their ledgers."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.jurisdictions.queries import trust_position

        report = trust_position(cli.actor, as_of=_date(date, "date"))
        cli.emit(report, lambda: print_table(
            ["account", "bank", "interest owed", "firm funds", "held for clients",
             "client ledgers", "difference"],
            [[a["account"], a["bank_balance"], a["interest_owed"], a["firm_funds"],
              a["held_for_clients"], a["client_ledgers_total"], a["difference"]]
             for a in report["accounts"]]))


@jurisdiction_app.command("records")
def records(ctx: typer.Context, account: str = typer.Option(None, "--account"),
            date_from: str = typer.Option(None, "--from"), date_to: str = typer.Option(None, "--to"),
            json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Trust entries missing a field the pack requires, with the rule that requires it."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.jurisdictions.queries import record_completeness

        report = record_completeness(cli.actor, account=account,
                                     date_from=_date(date_from, "from"),
                                     date_to=_date(date_to, "to"))
        cli.emit(report, lambda: print_table(
            ["entry", "date", "kind", "matter", "missing"],
            [[r["id"], r["date"], r["kind"], r["matter"],
              "; ".join(f"{m['field']} ({m['source']})" for m in r["missing"])]
             for r in report["incomplete"]]))


@notices_app.command("due")
def notices_due(ctx: typer.Context, json_output: bool = JSON_OPTION,
                as_: str = AS_OPTION) -> None:
    """Client notices the pack requires that have not been generated yet."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.jurisdictions.queries import notices_due as due_report

        report = due_report(cli.actor)
        cli.emit(report, lambda: print_table(
            ["kind", "matter", "for", "due", "overdue"],
            [[r["kind"], r["matter"], r.get("entry") or r.get("period_end") or
              r.get("period_start"), r["due"], "OVERDUE" if r["overdue"] else ""]
             for r in report["notices"]]))


@notices_app.command("generate")
def generate(ctx: typer.Context, matter: str,
             kind: str = typer.Option(..., "--kind",
                                      help="receipt, annual_accounting or trust_statement"),
             entry: str = typer.Option(None, "--entry", help="The receipt (for a receipt)."),
             date_from: str = typer.Option(None, "--from"), date_to: str = typer.Option(None, "--to"),
             out: str = typer.Option(None, "--out", metavar="FILE", help="Write the PDF here."),
             json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Generate a client notice as PDF and log it; prints the notice id."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.jurisdictions.services import notice_generate
        from lawledger.reports.exports import check_report_target, write_report_file

        if out:
            check_report_target(out, param="out")
        notice, pdf = notice_generate(actor=cli.actor, matter=matter, kind=kind, entry=entry,
                                      period_start=_date(date_from, "from"),
                                      period_end=_date(date_to, "to"))
        if out:
            stderr.print(f"wrote PDF to {write_report_file(out, pdf, param='out')}", markup=False)
        cli.emit({"id": notice.public_id, "kind": notice.kind, "matter": notice.matter.number,
                  "entry": notice.entry.public_id if notice.entry else None,
                  "period_start": notice.period_start.isoformat() if notice.period_start
                  else None,
                  "period_end": notice.period_end.isoformat() if notice.period_end else None,
                  "pdf_sha256": notice.pdf_sha256}, notice.public_id)


@notices_app.command("list")
def list_notices(ctx: typer.Context, matter: str = typer.Option(None, "--matter"),
                 json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """When each client notice was generated, for which matter."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.jurisdictions.queries import notices_list

        report = notices_list(cli.actor, matter=matter)
        cli.emit(report, lambda: print_table(
            ["notice", "kind", "matter", "for", "generated", "by"],
            [[r["id"], r["kind"], r["matter"], r["entry"] or r["period_end"], r["generated_at"],
              r["generated_by"]] for r in report["notices"]]))


@notices_app.command("pdf")
def pdf(ctx: typer.Context, notice: str,
        out: str = typer.Option(..., "--out", metavar="FILE", help="Write the PDF here."),
        json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Write a logged notice's PDF, exactly as it was generated."""
    with command(ctx, json_output, as_) as cli:
        import hashlib

        from lawledger.jurisdictions.queries import notice_pdf
        from lawledger.reports.exports import check_report_target, write_report_file

        check_report_target(out, param="out")
        name, body = notice_pdf(cli.actor, notice)
        path = write_report_file(out, body, param="out")
        cli.emit({"notice": notice, "file": str(path), "name": name,
                  "sha256": hashlib.sha256(body).hexdigest()}, str(path))
