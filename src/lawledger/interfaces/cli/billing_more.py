"""More billing commands: pre-bill review, credit notes and write-offs (on `invoice`), payments,
and the `billing` group (settings, timekeepers, fee arrangements, settlements, evergreen
retainers, batch runs and reports)."""

from __future__ import annotations

from typing import Any

import typer

from lawledger.interfaces.cli.context import AS_OPTION, JSON_OPTION, Cli, command, print_table

payment_app = typer.Typer(help="Client payments, credit and refunds.", no_args_is_help=True)
billing_app = typer.Typer(help="Billing settings, arrangements, runs and reports.",
                          no_args_is_help=True)
INVOICES_OPTION = typer.Option(None, "--invoice", help="Apply to these, in order.")
TASK_FEE_OPTION = typer.Option(None, "--task-fee", help="TASK=AMOUNT flat fee per task.")
TIER_OPTION = typer.Option(None, "--tier", help="LIMIT:PERCENT, last ':PERCENT'")
LIEN_OPTION = typer.Option(None, "--lien", help="PAYEE=AMOUNT")


def _parse_day(text: str | None, param: str) -> Any:
    from lawledger.core.calendar import parse_iso_date

    return parse_iso_date(text, param=param) if text else None


def _emit_invoice(cli: Cli, ref: str, text: str) -> None:
    from lawledger.billing.queries import invoice_document

    cli.emit(invoice_document(cli.actor, ref) if cli.json else {}, text)


# invoice review, corrections ----------------------------------------------------------------

def invoice_list(ctx: typer.Context, matter: str = typer.Option(None, "--matter"),
                 client: str = typer.Option(None, "--client"),
                 status: str = typer.Option(None, "--status", help="draft, approved, finalized"),
                 json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Invoices and pre-bills you may see, newest first."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.queries import invoices_list

        rows = invoices_list(cli.actor, matter=matter, client=client, status=status)
        cli.emit({"invoices": rows}, lambda: print_table(
            ["invoice", "matter", "client", "date", "status", "total", "balance due"],
            [[r["number"] or r["id"], r["matter"], r["client_name"], r["date"], r["status"],
              f"{r['total']} {r['currency']}", r["balance_due"]] for r in rows]))


def invoice_approve(ctx: typer.Context, invoice: str, json_output: bool = JSON_OPTION,
                    as_: str = AS_OPTION) -> None:
    """Approve a pre-bill (its matter's responsible attorney, or an admin)."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.services import invoice_approve as approve

        row = approve(actor=cli.actor, invoice=invoice)
        _emit_invoice(cli, row.public_id, f"{row.public_id} approved")


def invoice_discount(ctx: typer.Context, invoice: str,
                     reason: str = typer.Option(..., "--reason"),
                     percent: str = typer.Option(None, "--percent", help="e.g. 10 or 12.5"),
                     amount: str = typer.Option(None, "--amount"),
                     line: int = typer.Option(None, "--line", help="Write down one line only."),
                     expenses: bool = typer.Option(False, "--expenses",
                                                   help="On the expenses, not the fees."),
                     json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Discount a pre-bill, or write down one of its lines, with a reason."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.services import invoice_discount_add

        row = invoice_discount_add(actor=cli.actor, invoice=invoice, reason=reason,
                                   percent=percent, amount=amount, line=line, expenses=expenses)
        _emit_invoice(cli, row.public_id, f"{row.public_id} total {row.total_minor}")


def invoice_remove_line(ctx: typer.Context, invoice: str, line: int,
                        non_billable: bool = typer.Option(
                            False, "--non-billable", help="Never bill it (a write-down of WIP)."),
                        reason: str = typer.Option(None, "--reason"),
                        json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Take a line off a pre-bill (back to work in progress)."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.services import invoice_line_remove

        row = invoice_line_remove(actor=cli.actor, invoice=invoice, line=line,
                                  non_billable=non_billable, reason=reason)
        _emit_invoice(cli, row.public_id, f"line {line} removed")


def invoice_delete(ctx: typer.Context, invoice: str, json_output: bool = JSON_OPTION,
                   as_: str = AS_OPTION) -> None:
    """Delete a pre-bill; its work goes back to work in progress."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.services import invoice_delete as delete

        delete(actor=cli.actor, invoice=invoice)
        cli.emit({"id": invoice, "deleted": True}, f"{invoice} deleted")


def invoice_credit(ctx: typer.Context, invoice: str, amount: str = typer.Argument(None),
                   reason: str = typer.Option(..., "--reason"),
                   date: str = typer.Option(None, "--date"),
                   json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Issue a credit note against a finalized invoice (all of it, or AMOUNT); prints its number."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.services import credit_note_issue

        note = credit_note_issue(actor=cli.actor, invoice=invoice, amount=amount, reason=reason,
                                 date=date)
        _emit_invoice(cli, note.public_id, note.number or "")


def invoice_write_off(ctx: typer.Context, invoice: str, amount: str = typer.Argument(None),
                      reason: str = typer.Option(..., "--reason"),
                      date: str = typer.Option(None, "--date"),
                      json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Write off what is due on an invoice (all of it, or AMOUNT), with the reason."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.services import write_off

        write_off(actor=cli.actor, invoice=invoice, amount=amount, reason=reason, date=date)
        _emit_invoice(cli, invoice, f"{invoice} written off")


# payments -----------------------------------------------------------------------------------

@payment_app.command("receive")
def payment_receive(ctx: typer.Context, client: str, amount: str,
                    date: str = typer.Option(..., "--date"),
                    method: str = typer.Option(None, "--method"),
                    reference: str = typer.Option(None, "--ref"),
                    invoices: list[str] = INVOICES_OPTION,
                    currency: str = typer.Option(None, "--currency"),
                    json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """A client's payment, applied to the invoices named or the oldest open ones first."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.services import payment_receive as receive

        result = receive(actor=cli.actor, client=client, amount=amount, date=date, method=method,
                         reference=reference, invoices=invoices or None, currency=currency)
        document = result.document()
        cli.emit(document, f"{document['id']} (credit {document['credit']})")


@payment_app.command("apply-credit")
def payment_apply_credit(ctx: typer.Context, client: str,
                         date: str = typer.Option(None, "--date"),
                         json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Apply a client's unapplied payments and credit notes to open invoices, oldest first."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.services import credit_apply
        from lawledger.core.money import format_minor

        applied = credit_apply(actor=cli.actor, client=client, date=date)
        rows = [{"invoice": invoice.number, "amount": format_minor(amount, invoice.currency)}
                for invoice, amount in applied]
        cli.emit({"client": client, "applied": rows}, f"{len(rows)} applications")


@payment_app.command("refund")
def payment_refund(ctx: typer.Context, source: str, amount: str,
                   date: str = typer.Option(..., "--date"),
                   method: str = typer.Option(None, "--method"),
                   reference: str = typer.Option(None, "--ref"),
                   json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Refund unapplied credit of a payment (pay_…) or a credit note."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.services import refund_record
        from lawledger.core.money import format_minor

        refund = refund_record(actor=cli.actor, source=source, amount=amount, date=date,
                               method=method, reference=reference)
        cli.emit({"id": refund.public_id, "source": source,
                  "amount": format_minor(refund.amount_minor, refund.currency),
                  "currency": refund.currency, "date": refund.refunded_on.isoformat()},
                 refund.public_id)


# the billing group --------------------------------------------------------------------------

@billing_app.command("run")
def billing_run(ctx: typer.Context, through: str = typer.Option(None, "--through"),
                json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Draft invoices for every matter with unbilled work through a date."""
    with command(ctx, json_output, as_) as cli:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        from lawledger.billing.services import billing_run as run

        with Progress("[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), TimeRemainingColumn(),
                      console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("drafting", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            summary = run(actor=cli.actor, through=through, progress=advance)
        for failure in summary["failed"]:
            cli.warn(f"{failure['matter']}: {failure['code']}: {failure['message']}")
        cli.emit(summary, f"{len(summary['drafted'])} drafted, {summary['skipped']} unchanged, "
                          f"{len(summary['failed'])} refused")


@billing_app.command("settings")
def billing_settings_show(ctx: typer.Context, json_output: bool = JSON_OPTION,
                          as_: str = AS_OPTION) -> None:
    """Show the billing settings."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.settings import settings_document

        _ = cli.actor
        document = settings_document()
        cli.emit(document, lambda: print_table(["setting", "value"], [[k, v] for k, v in
                                                                       document.items()]))


@billing_app.command("set")
def billing_set(ctx: typer.Context, key: str, value: str, json_output: bool = JSON_OPTION,
                as_: str = AS_OPTION) -> None:
    """Change a billing setting (tax_rate, tax_label, tax_on_expenses, payment_terms_days,
    require_prebill_approval, ledes_law_firm_id)."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.services import billing_set as set_setting
        from lawledger.billing.settings import settings_document

        row = set_setting(actor=cli.actor, key=key, value=value)
        cli.emit(settings_document(row), f"{key} set")


@billing_app.command("timekeeper")
def billing_timekeeper(ctx: typer.Context, email: str,
                       classification: str = typer.Option(None, "--classification",
                                                          help="PARTNR, ASSOC, PARLEG, …"),
                       ledes_id: str = typer.Option(None, "--ledes-id"),
                       json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Set a timekeeper's LEDES id and classification."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.services import timekeeper_set

        row = timekeeper_set(actor=cli.actor, email=email, classification=classification,
                             number=ledes_id)
        cli.emit({"email": email, "ledes_id": row.number, "classification": row.classification},
                 f"{row.number} {row.classification}")


@billing_app.command("arrangement")
def billing_arrangement(ctx: typer.Context, matter: str,
                        kind: str = typer.Option(..., "--kind", help="hourly, flat, capped, "
                                                 "contingency or evergreen"),
                        amount: str = typer.Option(None, "--amount", help="Flat fee."),
                        task_fees: list[str] = TASK_FEE_OPTION,
                        cap: str = typer.Option(None, "--cap"),
                        tiers: list[str] = TIER_OPTION,
                        minimum: str = typer.Option(None, "--minimum",
                                                    help="Evergreen minimum trust balance."),
                        date_from: str = typer.Option(None, "--from"),
                        json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Set how a matter is billed."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.arrangements import arrangement_document
        from lawledger.billing.services import arrangement_set

        row = arrangement_set(actor=cli.actor, matter=matter, kind=kind, amount=amount,
                              task_fees=task_fees or [], cap=cap, tiers=tiers or [],
                              minimum=minimum, effective_from=date_from)
        cli.emit({"matter": matter, **arrangement_document(row)}, f"{matter}: {row.kind}")


@billing_app.command("settle")
def billing_settle(ctx: typer.Context, matter: str, gross: str,
                   date: str = typer.Option(..., "--date"),
                   account: str = typer.Option(None, "--account", help="The trust account."),
                   liens: list[str] = LIEN_OPTION,
                   json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Record a contingency settlement: fee, costs, liens and net to client, paid from trust."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.services import settlement_record
        from lawledger.billing.settlement import settlement_document

        row = settlement_record(actor=cli.actor, matter=matter, gross=gross, date=date,
                                account=account, liens=liens or [])
        document = settlement_document(row)
        cli.emit(document, lambda: print_table(
            ["gross recovery", "fee", "costs", "liens", "net to client"],
            [[document["gross_recovery"], document["fee"], document["costs"],
              ", ".join(lien["amount"] for lien in document["liens"]),
              document["net_to_client"]]], title=f"settlement of {matter}"))


@billing_app.command("replenish")
def billing_replenish(ctx: typer.Context, matter: str = typer.Argument(None),
                      date: str = typer.Option(None, "--date"),
                      json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Request top-ups for evergreen retainers below their minimum."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.arrangements import replenishment_document
        from lawledger.billing.services import replenishment_check

        rows = [replenishment_document(r) for r in
                replenishment_check(actor=cli.actor, matter=matter, date=date)]
        cli.emit({"requests": rows}, lambda: print_table(
            ["matter", "balance", "minimum", "requested"],
            [[r["matter"], r["balance"], r["minimum"], r["requested"]] for r in rows]))


def _register_reports() -> None:
    @billing_app.command("wip")
    def wip(ctx: typer.Context, matter: str = typer.Option(None, "--matter"),
            as_of: str = typer.Option(None, "--as-of"), json_output: bool = JSON_OPTION,
            as_: str = AS_OPTION) -> None:
        """Work in progress: unbilled time and expenses per matter."""
        with command(ctx, json_output, as_) as cli:
            from lawledger.billing.queries import wip_report

            report = wip_report(cli.actor, as_of=_parse_day(as_of, "as_of"), matter=matter)
            cli.emit(report, lambda: print_table(
                ["matter", "client", "hours", "fees", "expenses", "total", "oldest"],
                [[r["matter"], r["client_name"], r["hours"], r["fees"], r["expenses"],
                  f"{r['total']} {r['currency']}", r["oldest"]] for r in report["matters"]]))

    @billing_app.command("aging")
    def aging(ctx: typer.Context, as_of: str = typer.Option(None, "--as-of"),
              json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
        """Receivables by age: current, 30, 60, 90, 120+ days."""
        with command(ctx, json_output, as_) as cli:
            from lawledger.billing.queries import ar_aging_report

            report = ar_aging_report(cli.actor, as_of=_parse_day(as_of, "as_of"))
            cli.emit(report, lambda: print_table(
                ["client", *report["buckets"], "total"],
                [[r["name"], *[r["buckets"][b] for b in report["buckets"]],
                  f"{r['total']} {r['currency']}"] for r in report["clients"]]))

    @billing_app.command("realization")
    def realization(ctx: typer.Context, date_from: str = typer.Option(None, "--from"),
                    date_to: str = typer.Option(None, "--to"), json_output: bool = JSON_OPTION,
                    as_: str = AS_OPTION) -> None:
        """Realization and collection rates per timekeeper and per matter."""
        with command(ctx, json_output, as_) as cli:
            from lawledger.billing.queries import realization_report

            report = realization_report(cli.actor, date_from=_parse_day(date_from, "from"),
                                        date_to=_parse_day(date_to, "to"))
            columns = ["hours", "worked", "billed", "collected", "billing %", "collection %"]

            def show() -> None:
                for key in ("timekeepers", "matters"):
                    print_table([key[:-1], *columns], [
                        [r[key[:-1]], r["hours"], r["worked"], r["billed"], r["collected"],
                         r["billing_realization"], r["collection_realization"]]
                        for r in report[key]])

            cli.emit(report, show)

    @billing_app.command("statement")
    def statement(ctx: typer.Context, client: str, date_from: str = typer.Option(None, "--from"),
                  date_to: str = typer.Option(None, "--to"), json_output: bool = JSON_OPTION,
                  as_: str = AS_OPTION) -> None:
        """A client's statement of account."""
        with command(ctx, json_output, as_) as cli:
            from lawledger.billing.queries import client_statement

            report = client_statement(cli.actor, client, date_from=_parse_day(date_from, "from"),
                                      date_to=_parse_day(date_to, "to"))

            def show() -> None:
                for block in report["currencies"]:
                    print_table(["date", "kind", "reference", "amount", "balance"],
                                [[r["date"], r["kind"], r["reference"], r["amount"], r["balance"]]
                                 for r in block["entries"]],
                                title=f"{report['name']} ({block['currency']})")

            cli.emit(report, show)

    @billing_app.command("earned-fees")
    def earned_fees(ctx: typer.Context, as_of: str = typer.Option(None, "--as-of"),
                    json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
        """Earned fees left in trust: unpaid invoices whose client ledger holds money."""
        with command(ctx, json_output, as_) as cli:
            from lawledger.billing.queries import earned_fees_left_in_trust

            report = earned_fees_left_in_trust(cli.actor, _parse_day(as_of, "as_of"))
            cli.emit(report, lambda: print_table(
                ["invoice", "matter", "days", "balance due", "trust", "transferable"],
                [[r["invoice"], r["matter"], r["days_outstanding"], r["balance_due"],
                  r["trust_balance"], r["transferable"]] for r in report["invoices"]]))


_register_reports()


def register(app: typer.Typer, invoice_app: typer.Typer) -> None:
    for name, function in (("list", invoice_list), ("approve", invoice_approve),
                           ("discount", invoice_discount), ("remove-line", invoice_remove_line),
                           ("delete", invoice_delete), ("credit", invoice_credit),
                           ("write-off", invoice_write_off)):
        invoice_app.command(name)(function)
    app.add_typer(payment_app, name="payment")
    app.add_typer(billing_app, name="billing")
