"""One benchmark task in a process of its own: `python -m bench.worker TASK 'JSON ARGS'`.

The environment (LAWLEDGER_HOME, DATABASE_URL) picks the firm. The task prints one JSON line as
its last line of output; the parent measures the process's peak memory with wait4. Timings are
taken around the measured work only (Django start-up and set-up are outside them).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

TASKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def task(function: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    TASKS[function.__name__] = function
    return function


def _django() -> None:
    from lawledger import bootstrap

    bootstrap.setup()


@task
def init(args: dict[str, Any]) -> dict[str, Any]:
    from lawledger.interfaces.cli.server import initialise

    initialise(args.get("name") or "Benchmark & Partners LLP")
    return {}


@task
def migrate(args: dict[str, Any]) -> dict[str, Any]:
    """Bring a copied firm to the code's schema (the tree may gain a migration during a run)."""
    _django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return {}


@task
def generate(args: dict[str, Any]) -> dict[str, Any]:
    """Write the generated firm of `entries` entries (through services and the bulk path)."""
    _django()
    from bench.generator import load_firm, shape_for

    started = time.perf_counter()
    result = load_firm(shape_for(int(args["entries"])), batch_size=int(args.get("batch", 5000)))
    result["seconds"] = time.perf_counter() - started
    return result


MATTERS_PER_WRITER = 20


def _posting_matters(count: int, offset: int) -> list[str]:
    """Matters for a posting run: opened here, so each writer has its own."""
    from lawledger.core.access import Principal
    from lawledger.firm.services import client_add, matter_open

    actor = Principal.operator("bench")
    client = client_add(actor=actor, name=f"Posting benchmark client {offset}").number
    return [matter_open(actor=actor, client=client, title=f"posting run {offset}.{n}").number
            for n in range(count)]


@task
def service_post(args: dict[str, Any]) -> dict[str, Any]:
    """Postings through the services, one transaction and commit each: deposits and payments."""
    _django()
    import datetime as dt

    from lawledger.core.access import Principal
    from lawledger.ledger.services import trust_deposit_record, trust_disbursement_record

    actor = Principal.operator("bench")
    count = int(args["postings"])
    matters = _posting_matters(MATTERS_PER_WRITER, int(args.get("writer", 0)))
    first_day = dt.date.fromisoformat(args.get("date", "2026-01-05"))
    _wait_for(args.get("start_at"))
    started = time.perf_counter()
    for n in range(count):
        # Each matter gets a deposit, then a payment; a new business day every 2 × matters
        # postings, so the uncleared-funds window holds what a busy real ledger would.
        matter = matters[(n // 2) % len(matters)]
        day = first_day + dt.timedelta(days=n // (2 * len(matters)))
        if n % 2 == 0:
            trust_deposit_record(actor=actor, matter=matter, amount=250_000, account="IOLTA",
                                 date=day, payor="Benchmark client", memo="retainer top-up")
        else:
            trust_disbursement_record(actor=actor, matter=matter, amount=1_000, account="IOLTA",
                                      date=day, payee="County Court Clerk", purpose="filing fee")
    finished = time.perf_counter()
    return {"postings": count, "seconds": finished - started, "started": time.time() - (finished - started),
            "finished": time.time()}


def _wait_for(start_at: float | None) -> None:
    if start_at:
        time.sleep(max(0.0, float(start_at) - time.time()))


@task
def raw_post(args: dict[str, Any]) -> dict[str, Any]:
    """The physical limit on this database: the same rows per posting, plain SQL, no rules."""
    _django()
    from bench.raw import raw_postings

    matters = _posting_matters(MATTERS_PER_WRITER, int(args.get("writer", 0)))
    return raw_postings(int(args["postings"]), matters, start_at=args.get("start_at"))


@task
def bulk(args: dict[str, Any]) -> dict[str, Any]:
    """The bulk path on a fresh firm; then the rows it wrote are saved for `raw_bulk`."""
    _django()
    from bench.generator import OPERATING_ACCOUNT, TRUST_ACCOUNT, setup_firm, shape_for, trust_entries
    from lawledger.core.access import Principal
    from lawledger.ledger.bulk import bulk_post

    shape = shape_for(int(args["entries"]))
    setup_firm(shape)
    entries = list(trust_entries(shape))
    started = time.perf_counter()
    result = bulk_post(actor=Principal.operator("bench"), account=TRUST_ACCOUNT, entries=entries,
                       operating_account=OPERATING_ACCOUNT, batch_size=int(args.get("batch", 5000)))
    seconds = time.perf_counter() - started
    from bench.raw import dump_rows

    dump_rows(args["rows_file"])
    return {"entries": result.posted, "seconds": seconds}


@task
def raw_bulk(args: dict[str, Any]) -> dict[str, Any]:
    """A raw executemany of exactly the rows the bulk path wrote, on a fresh firm like it."""
    _django()
    from bench.generator import setup_firm, shape_for
    from bench.raw import insert_rows

    setup_firm(shape_for(int(args["entries"])))
    return insert_rows(args["rows_file"], int(args.get("batch", 5000)))


@task
def ledger_query(args: dict[str, Any]) -> dict[str, Any]:
    """The client ledger report in-process (what `trust ledger --json` computes)."""
    _django()
    from lawledger.core.access import Principal
    from lawledger.ledger.queries import client_ledger_report

    actor = Principal.operator("bench")
    client_ledger_report(actor, args["matter"])  # warm: key ring, connections
    times = []
    for _ in range(int(args.get("repeat", 3))):
        started = time.perf_counter()
        report = client_ledger_report(actor, args["matter"])
        json.dumps(report)
        times.append(time.perf_counter() - started)
    return {"seconds": min(times), "entries": len(report["entries"])}


@task
def listing_query(args: dict[str, Any]) -> dict[str, Any]:
    """The client trust listing in-process: every matter's balance over the whole firm."""
    _django()
    from lawledger.core.access import Principal
    from lawledger.ledger.queries import trust_listing_report

    actor = Principal.operator("bench")
    times = []
    for _ in range(int(args.get("repeat", 3))):
        started = time.perf_counter()
        report = trust_listing_report(actor)
        times.append(time.perf_counter() - started)
    ledgers = sum(len(account["ledgers"]) for account in report["accounts"])
    return {"seconds": min(times), "ledgers": ledgers,
            "balances": {row["matter"] or row["kind"]: row["balance"]
                         for account in report["accounts"] for row in account["ledgers"]}}


@task
def export(args: dict[str, Any]) -> dict[str, Any]:
    _django()
    from lawledger.core.access import Principal
    from lawledger.exports.beancount import write_beancount
    from lawledger.exports.books import export_books
    from lawledger.exports.hledger import write_hledger

    writer = write_beancount if args["format"] == "beancount" else write_hledger
    started = time.perf_counter()
    result = export_books(Principal.operator("bench"), writer=writer, fmt=args["format"],
                          path=args["file"])
    result["seconds"] = time.perf_counter() - started
    return result


@task
def beancount_balances(args: dict[str, Any]) -> dict[str, Any]:
    """beancount's own loader (parse, book, validate: what bean-check does) and a balance query."""
    from beancount import loader
    from beancount.core import realization

    started = time.perf_counter()
    entries, errors, _ = loader.load_file(args["file"])
    real = realization.realize(entries)
    balances = {}
    for account in realization.iter_children(real):
        for position in account.balance:
            if account.account.startswith("Liabilities:Trust:"):
                balances[account.account] = str(position.units.number)
    return {"seconds": time.perf_counter() - started, "errors": len(errors),
            "balances": len(balances)}


def main() -> None:
    from bench.worker_ops import OPS_TASKS

    TASKS.update(OPS_TASKS)
    name, raw_args = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "{}"
    result = TASKS[name](json.loads(raw_args))
    sys.stdout.write("\n" + json.dumps(result, default=str) + "\n")


if __name__ == "__main__":
    main()
