"""Worker tasks of the operations benchmarks: bank matching and reconciliation, the billing run
and its PDFs, and a signed-in web session for the load test (see bench/worker.py for the protocol).

Each task runs on a copy of the generated firm and times only the measured work. Every peer is
measured in the same process right after ours, on the same data.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

OPS_TASKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def _task(function: Callable[[dict[str, Any]], dict[str, Any]]
          ) -> Callable[[dict[str, Any]], dict[str, Any]]:
    OPS_TASKS[function.__name__] = function
    return function


def _django() -> None:
    from lawledger import bootstrap

    bootstrap.setup()


@_task
def matching(args: dict[str, Any]) -> dict[str, Any]:
    """Import the bank's statements of the generated firm, propose matches, reconcile at the end.

    Peer: the matching algorithm alone (lawledger.core.matching, in memory) on the same open items,
    i.e. the cost of matching with no database, no locks and no audit record.
    """
    _django()
    from bench.generator import TRUST_ACCOUNT, shape_for, statements, trust_entries
    from lawledger.banking.imports import import_statements
    from lawledger.banking.matching import (
        DEFAULT_RULES,
        auto_match,
        open_bank_items,
        open_book_items,
    )
    from lawledger.banking.reconcile import reconciliation_report
    from lawledger.core.access import Principal
    from lawledger.core.matching import propose_matches
    from lawledger.ledger.accounts import get_bank_account

    actor = Principal.operator("bench")
    shape = shape_for(int(args["entries"]))
    made = statements(shape, trust_entries(shape))
    lines = sum(len(statement.lines) for statement in made)
    bank = get_bank_account(TRUST_ACCOUNT)
    started = time.perf_counter()
    import_statements(actor=actor, bank=bank, statements=made,
                      file_sha256=hashlib.sha256(b"bench%d" % shape.entries).hexdigest(),
                      file_size_bytes=lines * 80, file_name="generated")
    import_seconds = time.perf_counter() - started
    bank_items, book_items = open_bank_items(bank), open_book_items(bank)
    started = time.perf_counter()
    pure = propose_matches(bank_items, book_items, DEFAULT_RULES)
    pure_seconds = time.perf_counter() - started
    started = time.perf_counter()
    proposed = auto_match(actor=actor, account=TRUST_ACCOUNT)
    match_seconds = time.perf_counter() - started
    balance_minor = sum(line.amount_minor for statement in made for line in statement.lines)
    started = time.perf_counter()
    reconciliation_report(actor=actor, account=TRUST_ACCOUNT, date=made[-1].period_end,
                          statement_balance=balance_minor)
    reconcile_seconds = time.perf_counter() - started
    return {"lines": lines, "open_bank": len(bank_items), "open_book": len(book_items),
            "proposed": proposed.proposed, "proposed_pure": len(pure),
            "import_seconds": import_seconds, "match_seconds": match_seconds,
            "pure_seconds": pure_seconds, "reconcile_seconds": reconcile_seconds}


def _billing_setup(emails: tuple[str, ...]) -> None:
    from lawledger.access.services import user_add
    from lawledger.billing.rates import rate_set
    from lawledger.core.access import Principal

    actor = Principal.operator("bench")
    for number, email in enumerate(emails):
        user_add(actor=actor, email=email, role="attorney", full_name=f"Timekeeper {number}",
                 password="bench-" + hashlib.sha256(email.encode()).hexdigest()[:20])
        rate_set(actor=actor, email=email, amount=str(250 + 75 * number))


@_task
def billing(args: dict[str, Any]) -> dict[str, Any]:
    """Record time and expenses through the services, run billing over every matter, render PDFs.

    Peer of the PDF rate: rendering alone (reportlab, the same invoice documents), without the
    access check, the audited read and the document build.
    """
    _django()
    from bench.generator import TIMEKEEPERS, ExpenseRecord, shape_for
    from bench.generator import billing_records as records_of
    from lawledger.billing.common import BillingAct
    from lawledger.billing.entries import expense_record, time_record
    from lawledger.billing.finalize import billing_run
    from lawledger.billing.invoicing import get_invoice
    from lawledger.billing.pdf import invoice_pdf, render_invoice_pdf
    from lawledger.billing.queries import build_document
    from lawledger.core.access import Principal
    from lawledger.firm.queries import firm_settings

    actor = Principal.operator("bench")
    shape = shape_for(int(args["entries"]))
    _billing_setup(TIMEKEEPERS)
    records = list(records_of(shape, int(args["records"])))
    started = time.perf_counter()
    for item in records:
        if isinstance(item, ExpenseRecord):
            expense_record(actor=actor, matter=item.matter, amount=item.amount_minor,
                           date=item.date, description=item.description, code=item.code)
        else:
            time_record(actor=actor, matter=item.matter, minutes=item.minutes, by=item.timekeeper,
                        date=item.date, narrative=item.narrative, task=item.task,
                        activity=item.activity)
    record_seconds = time.perf_counter() - started
    started = time.perf_counter()
    run = billing_run(actor=actor, through=shape.end)
    run_seconds = time.perf_counter() - started
    refs = [row["invoice"] for row in run["drafted"][: int(args["pdfs"])]]
    started = time.perf_counter()
    pages = [invoice_pdf(actor, ref)[1] for ref in refs]
    pdf_seconds = time.perf_counter() - started
    documents = [build_document(get_invoice(actor, ref, BillingAct.VIEW)) for ref in refs]
    firm_name = firm_settings().name
    started = time.perf_counter()
    for document in documents:
        render_invoice_pdf(document, firm_name)
    render_seconds = time.perf_counter() - started
    return {"records": len(records), "record_seconds": record_seconds,
            "matters": run["matters"], "drafted": len(run["drafted"]),
            "failed": len(run["failed"]), "run_seconds": run_seconds, "pdfs": len(pages),
            "pdf_bytes": sum(len(page) for page in pages), "pdf_seconds": pdf_seconds,
            "render_seconds": render_seconds}


@_task
def web_session(args: dict[str, Any]) -> dict[str, Any]:
    """A bookkeeper (sees every matter) signed in as the web login leaves one: a new session's
    cookie, asked for before each load (the security settings end idle and old sessions).

    Signing in goes through tests.mfa.login, the one helper that knows the login flow's steps.
    """
    _django()
    from django.conf import settings
    from django.test import Client
    from tests.mfa import login

    from lawledger.access.models import User
    from lawledger.access.services import user_add
    from lawledger.core.access import Principal

    email = str(args.get("email", "bench.bookkeeper@firm.example"))
    if not User.objects.filter(email=email).exists():
        user_add(actor=Principal.operator("bench"), email=email, role="bookkeeper",
                 full_name="Benchmark Bookkeeper",
                 password="bench-" + hashlib.sha256(email.encode()).hexdigest()[:20])
    browser = Client()
    login(browser, email)
    name = settings.SESSION_COOKIE_NAME
    return {"cookie": f"{name}={browser.cookies[name].value}"}
