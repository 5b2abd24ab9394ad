"""CLI commands of the billing area: the contract commands of DESIGN.md (rate, time, expense,
invoice, ledes) here, the rest of billing (payments, arrangements, runs, reports) in
`billing_more`. Commands call billing's services and queries only.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from lawledger.interfaces.cli.context import AS_OPTION, JSON_OPTION, Cli, command, stdout

rate_app = typer.Typer(help="Hourly rates of timekeepers.", no_args_is_help=True)
time_app = typer.Typer(help="Time entries.", no_args_is_help=True)
expense_app = typer.Typer(help="Expenses and their receipts.", no_args_is_help=True)
invoice_app = typer.Typer(help="Pre-bills, invoices, credit notes and payments.",
                          no_args_is_help=True)
ledes_app = typer.Typer(help="LEDES 1998B e-billing files.", no_args_is_help=True)

DATE_OPTION = typer.Option(..., "--date", help="YYYY-MM-DD.")
MAX_INPUT_BYTES = 50 * 1024 * 1024


def read_file(path: str, *, param: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    from lawledger.core.errors import InvalidInput

    try:
        target = Path(path)
        if target.stat().st_size > limit:
            raise InvalidInput(f"{param}: {path} is larger than {limit // (1024 * 1024)} MB",
                               param=param)
        return target.read_bytes()
    except OSError as error:
        raise InvalidInput(f"{param}: cannot read {path}: {error.strerror}", param=param) from None


def write_file(path: str, data: bytes, *, param: str) -> str:
    """Write next to the target and rename: a reader never sees half a file."""
    from lawledger.core.errors import InvalidInput

    target = Path(path).expanduser()
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent or ".", prefix=".lawledger-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except OSError as error:
        raise InvalidInput(f"{param}: cannot write {path}: {error.strerror}", param=param) from None
    return str(target)


# rates --------------------------------------------------------------------------------------

@rate_app.command("set")
def rate_set(ctx: typer.Context, email: str, amount: str,
             matter: str = typer.Option(None, "--matter", help="Only for this matter."),
             client: str = typer.Option(None, "--client", help="Only for this client."),
             date_from: str = typer.Option(None, "--from", help="In effect from (default: always)."),
             json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Set a timekeeper's hourly rate (by default, or for one matter or client)."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.rates import rate_document
        from lawledger.billing.services import rate_set as set_rate

        rate = set_rate(actor=cli.actor, email=email, amount=amount, matter=matter,
                        client=client, effective_from=date_from)
        document = rate_document(rate)
        cli.emit(document, f"{document['timekeeper']} {document['rate']} {document['currency']}"
                           f"/h ({document['scope']}, from {document['from'] or 'always'})")


@rate_app.command("list")
def rate_list(ctx: typer.Context, email: str = typer.Option(None, "--email"),
              json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """The rate table."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.rates import rates_for

        rates = rates_for(cli.actor, email)

        def show() -> None:
            table = Table("timekeeper", "rate", "scope", "matter / client", "from")
            for row in rates:
                table.add_row(row["timekeeper"], f"{row['rate']} {row['currency']}", row["scope"],
                              row["matter"] or row["client"] or "", row["from"] or "always")
            stdout.print(table)

        cli.emit({"rates": rates}, show)


# time ---------------------------------------------------------------------------------------

def _entry_document(entry: Any) -> dict[str, Any]:
    from lawledger.billing.rates import rate_for
    from lawledger.core.billing import hours_text
    from lawledger.core.money import format_minor

    rate = rate_for(entry.timekeeper_id, entry.matter, entry.work_date)
    return {"id": entry.public_id, "matter": entry.matter.number,
            "date": entry.work_date.isoformat(), "timekeeper": entry.timekeeper.email,
            "minutes": entry.minutes_worked, "billable_minutes": entry.minutes_billable,
            "hours": hours_text(entry.minutes_billable), "task": entry.task_code or None,
            "activity": entry.activity_code or None, "status": entry.billing_status,
            "rate": format_minor(rate.rate_minor_per_hour, rate.currency) if rate else None,
            "rate_source": rate.scope.value if rate else None}


@time_app.command("add")
def time_add(ctx: typer.Context, matter: str, minutes: str,
             by: str = typer.Option(..., "--by", help="The timekeeper's e-mail."),
             date: str = DATE_OPTION,
             narrative: str = typer.Option(..., "--narrative", help="What was done (encrypted)."),
             task: str = typer.Option(None, "--task", help="UTBMS task code, e.g. L110."),
             activity: str = typer.Option(None, "--activity", help="UTBMS activity, e.g. A101."),
             no_charge: bool = typer.Option(False, "--no-charge", help="Shown, not charged."),
             non_billable: bool = typer.Option(False, "--non-billable", help="Never billed."),
             json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Record time on a matter (minutes, rounded up to the firm's increment); prints its id."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.services import time_record

        entry = time_record(actor=cli.actor, matter=matter, minutes=minutes, by=by, date=date,
                            narrative=narrative, task=task, activity=activity,
                            no_charge=no_charge, non_billable=non_billable)
        cli.emit(_entry_document(entry), entry.public_id)


@time_app.command("list")
def time_list(ctx: typer.Context, matter: str,
              unbilled: bool = typer.Option(False, "--unbilled", help="Only unbilled entries."),
              json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """A matter's time entries with their narratives."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.queries import time_entries_report

        entries = time_entries_report(cli.actor, matter, unbilled_only=unbilled)

        def show() -> None:
            table = Table("date", "entry", "timekeeper", "hours", "task", "status", "narrative",
                          "invoice")
            for row in entries:
                table.add_row(row["date"], row["id"], row["timekeeper"], row["hours"],
                              row["task"] or "", row["status"], escape(row["narrative"]),
                              row["invoice"] or "")
            stdout.print(table)

        cli.emit({"matter": matter, "entries": entries}, show)


@time_app.command("edit")
def time_edit(ctx: typer.Context, entry: str,
              minutes: str = typer.Option(None, "--minutes"),
              date: str = typer.Option(None, "--date"),
              narrative: str = typer.Option(None, "--narrative"),
              task: str = typer.Option(None, "--task"),
              activity: str = typer.Option(None, "--activity"),
              status: str = typer.Option(None, "--status",
                                         help="billable, no_charge or non_billable"),
              json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Change an entry that is not on a finalized invoice."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.services import time_update

        row = time_update(actor=cli.actor, entry=entry, minutes=minutes, date=date,
                          narrative=narrative, task=task, activity=activity, status=status)
        cli.emit(_entry_document(row), row.public_id)


@time_app.command("delete")
def time_remove(ctx: typer.Context, entry: str, json_output: bool = JSON_OPTION,
                as_: str = AS_OPTION) -> None:
    """Delete an entry that is not on a finalized invoice."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.services import time_delete

        time_delete(actor=cli.actor, entry=entry)
        cli.emit({"id": entry, "deleted": True}, f"{entry} deleted")


# expenses -----------------------------------------------------------------------------------

def _expense_document(expense: Any) -> dict[str, Any]:
    from lawledger.core.billing import format_quantity
    from lawledger.core.money import format_minor

    return {"id": expense.public_id, "matter": expense.matter.number,
            "date": expense.incurred_on.isoformat(), "code": expense.expense_code or None,
            "quantity": format_quantity(expense.quantity_thousandths),
            "unit_cost": format_minor(expense.unit_cost_minor, expense.currency),
            "amount": format_minor(expense.amount_minor, expense.currency),
            "currency": expense.currency, "cost_kind": expense.cost_kind,
            "status": expense.billing_status, "paid_from": expense.paid_from,
            "trust_entry": expense.trust_entry or None,
            "receipts": [receipt.public_id for receipt in expense.receipts.all()]}


@expense_app.command("add")
def expense_add(ctx: typer.Context, matter: str, amount: str, date: str = DATE_OPTION,
                description: str = typer.Option(..., "--description"),
                code: str = typer.Option(None, "--code", help="UTBMS expense code, e.g. E112."),
                quantity: str = typer.Option(None, "--quantity", help="Units (AMOUNT is per unit)."),
                currency: str = typer.Option(None, "--currency"),
                soft: bool = typer.Option(False, "--soft", help="An in-house (soft) cost."),
                no_charge: bool = typer.Option(False, "--no-charge"),
                non_billable: bool = typer.Option(False, "--non-billable"),
                from_trust: bool = typer.Option(False, "--from-trust",
                                                help="Paid from the client's trust money."),
                account: str = typer.Option(None, "--account", help="The trust account."),
                payee: str = typer.Option(None, "--to", help="Who was paid (from trust)."),
                receipt: str = typer.Option(None, "--receipt", help="PDF, PNG or JPEG file."),
                json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Record an expense (quantity × AMOUNT); prints its id."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.entries import MAX_RECEIPT_BYTES
        from lawledger.billing.services import expense_record

        attached = None
        if receipt:
            attached = (Path(receipt).name, read_file(receipt, param="receipt",
                                                      limit=MAX_RECEIPT_BYTES))
        expense = expense_record(actor=cli.actor, matter=matter, amount=amount, date=date,
                                 description=description, code=code, quantity=quantity,
                                 currency=currency, soft=soft, no_charge=no_charge,
                                 non_billable=non_billable, from_trust=from_trust,
                                 account=account, payee=payee, receipt=attached)
        cli.emit(_expense_document(expense), expense.public_id)


@expense_app.command("list")
def expense_list(ctx: typer.Context, matter: str, json_output: bool = JSON_OPTION,
                 as_: str = AS_OPTION) -> None:
    """A matter's expenses."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.queries import expenses_report

        rows = expenses_report(cli.actor, matter)

        def show() -> None:
            table = Table("date", "expense", "code", "quantity", "amount", "description", "invoice")
            for row in rows:
                table.add_row(row["date"], row["id"], row["code"] or "", row["quantity"],
                              f"{row['amount']} {row['currency']}", escape(row["description"]),
                              row["invoice"] or "")
            stdout.print(table)

        cli.emit({"matter": matter, "expenses": rows}, show)


@expense_app.command("receipt")
def expense_receipt(ctx: typer.Context, expense: str, file: str,
                    json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Attach a receipt (PDF, PNG or JPEG, at most 5 MB; stored encrypted)."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.entries import MAX_RECEIPT_BYTES
        from lawledger.billing.services import receipt_attach

        data = read_file(file, param="receipt", limit=MAX_RECEIPT_BYTES)
        row = receipt_attach(actor=cli.actor, expense=expense, filename=Path(file).name, data=data)
        cli.emit({"id": row.public_id, "expense": expense, "filename": row.filename,
                  "content_type": row.content_type, "bytes": row.size_bytes}, row.public_id)


# invoices -----------------------------------------------------------------------------------

def show_invoice(document: dict[str, Any]) -> None:
    title = (f"{document['kind'].replace('_', ' ')} {document['number'] or document['id']} · "
             f"{document['matter']} · {document['status']}")
    table = Table("#", "date", "kind", "who", "hours / qty", "rate", "amount", "description",
                  title=escape(title))
    for line in document["lines"]:
        table.add_row(str(line["number"]), line["date"], line["kind"], line["timekeeper"] or "",
                      line["hours"] or line["quantity"] or "", line["rate"] or "", line["amount"],
                      escape(str(line["description"])[:60]))
    stdout.print(table)
    stdout.print(f"total {document['total']} {document['currency']} · balance due "
                 f"{document['balance_due']} · trust {document['trust_balance']}")


def _emit_invoice(cli: Cli, ref: str, text: str) -> None:
    from lawledger.billing.queries import invoice_document

    if cli.json:
        cli.emit(invoice_document(cli.actor, ref))
    else:
        cli.emit({}, text)


@invoice_app.command("draft")
def invoice_draft(ctx: typer.Context, matter: str,
                  through: str = typer.Option(None, "--through", help="Work up to this date."),
                  json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Draft a pre-bill of the matter's unbilled work; prints the invoice id."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.services import invoice_draft as draft

        invoice = draft(actor=cli.actor, matter=matter, through=through)
        _emit_invoice(cli, invoice.public_id, invoice.public_id)


@invoice_app.command("finalize")
def invoice_finalize(ctx: typer.Context, invoice: str,
                     date: str = typer.Option(None, "--date", help="Invoice date (default today)."),
                     json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Finalize a pre-bill: it gets the next gapless number and never changes again."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.services import invoice_finalize as finalize

        row = finalize(actor=cli.actor, invoice=invoice, date=date)
        _emit_invoice(cli, row.public_id, row.number or "")


@invoice_app.command("show")
def invoice_show(ctx: typer.Context, invoice: str, json_output: bool = JSON_OPTION,
                 as_: str = AS_OPTION) -> None:
    """One invoice with its lines."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.queries import invoice_document

        document = invoice_document(cli.actor, invoice)
        cli.emit(document, lambda: show_invoice(document))


@invoice_app.command("pay")
def invoice_pay(ctx: typer.Context, invoice: str, amount: str, date: str = DATE_OPTION,
                from_trust: bool = typer.Option(False, "--from-trust",
                                                help="An earned-fee transfer from trust."),
                account: str = typer.Option(None, "--account", help="The trust account."),
                method: str = typer.Option(None, "--method", help="check, wire, card, ach, cash"),
                reference: str = typer.Option(None, "--ref", help="Check number, card reference…"),
                json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Record a payment of an invoice (an over-payment becomes the client's credit)."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.services import invoice_pay as pay

        result = pay(actor=cli.actor, invoice=invoice, amount=amount, date=date,
                     from_trust=from_trust, account=account, method=method, reference=reference)
        for warning in result.warnings:
            cli.warn(warning)
        document = result.document()
        due = document["applied"][0]["balance_due"] if document["applied"] else None
        cli.emit({**document, "invoice": invoice, "balance_due": due},
                 f"{document['id']} (balance due {due}, credit {document['credit']})")


@invoice_app.command("export")
def invoice_export(ctx: typer.Context, invoices: list[str],
                   ledes: str = typer.Option(..., "--ledes", help="The LEDES 1998B file to write."),
                   json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Write finalized invoices as one LEDES 1998B file."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.ledes_export import ledes_export

        text, rows = ledes_export(cli.actor, invoices)
        path = write_file(ledes, text.encode("utf-8"), param="ledes")
        cli.emit({"file": path, "format": "LEDES1998B",
                  "invoices": [row.number for row in rows],
                  "lines": text.count("[]") - 2}, path)


@invoice_app.command("pdf")
def invoice_pdf(ctx: typer.Context, invoice: str, file: str,
                json_output: bool = JSON_OPTION, as_: str = AS_OPTION) -> None:
    """Write the invoice as a PDF."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.billing.pdf import invoice_pdf as render

        name, data = render(cli.actor, invoice)
        path = write_file(file, data, param="file")
        cli.emit({"file": path, "bytes": len(data), "name": name}, path)


# ledes --------------------------------------------------------------------------------------

@ledes_app.command("validate")
def ledes_validate(ctx: typer.Context, file: str, json_output: bool = JSON_OPTION,
                   as_: str = AS_OPTION) -> None:
    """Check a LEDES 1998B file (ours or anyone's); exit 1 naming the first bad line."""
    with command(ctx, json_output, as_) as cli:
        from lawledger.core.billing import LedesInvalid
        from lawledger.core.formats.ledes import validate

        report = validate(read_file(file, param="file"))
        problems = [{"line": p.line, "field": p.field or None, "message": p.message}
                    for p in report.problems]
        document = {"file": file, "valid": report.valid, "invoices": list(report.invoices),
                    "line_items": report.line_items, "problems": problems,
                    "first_bad_line": report.first.line if report.first else None}
        if report.valid:
            cli.emit(document, f"valid LEDES 1998B: {len(report.invoices)} invoices, "
                               f"{report.line_items} lines")
            return
        refusal = LedesInvalid(str(report.first), param=f"line {report.first.line}"
                               if report.first else None)
        if cli.json:
            cli.emit({"error": refusal.as_dict(), **document})
            cli.json = False  # one JSON document only: the refusal itself goes to stderr
        else:
            for problem in report.problems[1:20]:
                cli.warn(str(problem))
        raise refusal


def register(app: typer.Typer) -> None:
    """Add this area's commands and groups to the root `lawledger` app."""
    from lawledger.interfaces.cli import billing_more

    app.add_typer(rate_app, name="rate")
    app.add_typer(time_app, name="time")
    app.add_typer(expense_app, name="expense")
    app.add_typer(invoice_app, name="invoice")
    app.add_typer(ledes_app, name="ledes")
    billing_more.register(app, invoice_app)
