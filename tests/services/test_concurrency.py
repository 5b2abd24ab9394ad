"""Concurrent writers cannot race past a rule (I3, I7, I8; SECURITY D1, D3, F3).

Real threads (each with its own database connection) and real processes (forked by
`worker_host`, or `lawledger` commands started side by side) attack one client ledger at once.
SQLite writers take the lock at BEGIN IMMEDIATE; PostgreSQL writers lock the balance rows.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

from lawledger.audit.verify import verify_chain
from lawledger.ledger.models import IdempotencyKey, JournalEntry
from tests import factories
from tests.cli import FreshFirm, fresh_firm
from tests.services.ledger_invariants import all_problems, django_query, firm_database

pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(__file__).resolve().parents[2]


def _in_threads(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run each call in its own thread, all released at once; return results or the errors."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = calls[index]()
        except Exception as error:  # a refusal (LawLedgerError) or a bug: the test looks at it
            results[index] = error
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    return results


def _in_processes(workers: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Fork one process per worker from `worker_host`; all start together on the test database."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
           "LAWLEDGER_WORKER_DB_NAME": str(connection.settings_dict["NAME"])}
    host = subprocess.Popen([sys.executable, "-m", "tests.services.worker_host", "race",
                             json.dumps({"workers": workers})], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = host.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(host.pid, signal.SIGKILL)  # the host and the workers it forked, nothing else
        host.communicate()
        raise
    assert host.returncode == 0, stderr
    outcomes = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    assert len(outcomes) == sum(len(ops) for ops in workers), stdout
    crashes = [o for o in outcomes if str(o.get("code", "")).startswith("crash:")]
    assert not crashes, crashes
    return outcomes


def _assert_books_hold() -> None:
    assert all_problems(django_query) == []
    result = verify_chain()
    assert result.ok, result.problem


@pytest.fixture
def funded() -> dict[str, str]:
    setup = factories.trust_firm()
    factories.deposit(setup["matter"], "1000.00", date="2026-03-10")
    return setup


def test_twenty_threads_disbursing_100_from_1000_leave_exactly_zero(
        funded: dict[str, str]) -> None:
    results = _in_threads([
        (lambda n=n: factories.disburse(funded["matter"], "100.00", payee=f"Payee {n}"))
        for n in range(20)])
    paid = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(paid) == 10
    assert sorted({getattr(e, "code", repr(e)) for e in refused}) == ["client_ledger_overdraft"]
    assert factories.balance(funded["matter"]) == "0.00"
    assert JournalEntry.objects.filter(kind="disbursement").count() == 10
    _assert_books_hold()


def test_twenty_processes_disbursing_100_from_1000_leave_exactly_zero(
        funded: dict[str, str]) -> None:
    outcomes = _in_processes([
        [{"op": "disburse", "kwargs": {"matter": funded["matter"], "amount": "100.00",
                                       "account": "IOLTA", "date": "2026-03-20",
                                       "payee": f"Payee {n}"}}] for n in range(20)])
    assert Counter(o["ok"] for o in outcomes) == {True: 10, False: 10}
    assert {o["code"] for o in outcomes if not o["ok"]} == {"client_ledger_overdraft"}
    assert factories.balance(funded["matter"]) == "0.00"
    assert sorted(JournalEntry.objects.filter(kind="disbursement").values_list(
        "public_id", flat=True)) == sorted(o["entry"] for o in outcomes if o["ok"])
    _assert_books_hold()


def test_the_same_idempotency_key_from_two_threads_at_once_makes_one_entry() -> None:
    setup = factories.trust_firm()
    for round_number in range(6):
        # A new matter each round: the first deposit also races to create its client ledger.
        matter = factories.matter(title=f"Round {round_number}")
        key = f"wire-{round_number}"
        results = _in_threads([
            lambda matter=matter, key=key: factories.deposit(
                matter, "250.00", account=setup["account"], idempotency_key=key)
            for _ in range(2)])
        assert not any(isinstance(r, Exception) for r in results), results
        assert results[0].entry.public_id == results[1].entry.public_id
        assert sorted(r.replayed for r in results) == [False, True]
        assert factories.balance(matter) == "250.00"
    assert JournalEntry.objects.filter(kind="deposit").count() == 6
    assert IdempotencyKey.objects.count() == 6
    _assert_books_hold()


def test_the_same_idempotency_key_from_two_processes_at_once_makes_one_entry() -> None:
    factories.trust_firm()
    matters = [factories.matter(title=f"Pair {n}") for n in range(5)]
    workers = [[{"op": "deposit", "kwargs": {"matter": matter, "amount": "75.50",
                                             "account": "IOLTA", "date": "2026-03-10",
                                             "payor": "Client", "idempotency_key": f"k-{n}"}}]
               for n, matter in enumerate(matters) for _ in range(2)]
    outcomes = _in_processes(workers)
    assert all(o["ok"] for o in outcomes), outcomes
    for pair in range(5):
        both = [o for o in outcomes if o["worker"] // 2 == pair]
        assert len({o["entry"] for o in both}) == 1
        assert sorted(o["replayed"] for o in both) == [False, True]
        assert factories.balance(matters[pair]) == "75.50"
    assert JournalEntry.objects.filter(kind="deposit").count() == 5
    _assert_books_hold()


def test_many_concurrent_writers_and_readers_keep_the_audit_chain_linear() -> None:
    factories.trust_firm()
    matters = [factories.matter(title=f"Busy {n}") for n in range(4)]
    before = verify_chain().records
    workers = []
    for n in range(16):
        matter = matters[n % 4]
        ops: list[dict[str, Any]] = []
        for step in range(6):
            ops.append({"op": "deposit", "kwargs": {
                "matter": matter, "amount": f"{10 + step}.00", "account": "IOLTA",
                "date": f"2026-03-{10 + step:02d}", "payor": f"Writer {n}"}})
            ops.append({"op": "ledger" if step % 2 else "matter_detail",
                        "kwargs": {"matter": matters[(n + step) % 4]}})
        ops.append({"op": "client", "kwargs": {"name": f"Client of writer {n}"}})
        workers.append(ops)
    outcomes = _in_processes(workers)
    assert all(o["ok"] for o in outcomes), [o for o in outcomes if not o["ok"]]
    result = verify_chain()
    assert result.ok, result.problem
    # One record per change and per confidential read, none lost, none forked.
    assert result.records == before + 16 * 13
    assert JournalEntry.objects.count() == 16 * 6
    _assert_books_hold()


def test_threads_writing_and_reading_at_once_keep_the_audit_chain_linear() -> None:
    setup = factories.trust_firm()
    from lawledger.ledger.queries import client_ledger_report

    before = verify_chain().records

    def busy(n: int) -> int:
        for step in range(5):
            factories.deposit(setup["matter"], f"{n + 1}.{step:02d}", date="2026-03-11")
            client_ledger_report(factories.OPERATOR, setup["matter"])
        return n

    results = _in_threads([lambda n=n: busy(n) for n in range(8)])
    assert results == list(range(8))
    result = verify_chain()
    assert result.ok, result.problem
    assert result.records == before + 8 * 10
    _assert_books_hold()


# ---------------------------------------------------------------------------------------------
# D1 through the command line: 20 `lawledger trust disburse` processes against one balance


@contextmanager
def _writers_held(firm: FreshFirm) -> Iterator[Callable[[int], bool]]:
    """Hold the client ledger's write lock so that commands pile up behind it, then let go.

    Yields `all_waiting(n)`: True once n other sessions are blocked on the lock (PostgreSQL
    reports it in pg_locks; on SQLite a blocked process sleeps in its busy handler with the
    database open).
    """
    url = firm.env.get("DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url) as holder, psycopg.connect(url, autocommit=True) as watcher:
            holder.execute("SELECT id FROM ledger_account WHERE kind = 'client' FOR UPDATE")

            def all_waiting(count: int) -> bool:
                row = watcher.execute(
                    "SELECT COUNT(DISTINCT pid) FROM pg_locks WHERE NOT granted AND pid IN ("
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database())"
                ).fetchone()
                return row is not None and row[0] >= count
            yield all_waiting
            holder.commit()
        return
    import sqlite3

    database = (firm.home / "lawledger.sqlite3").resolve()
    holder_db = sqlite3.connect(database, isolation_level=None, timeout=30)
    holder_db.execute("BEGIN IMMEDIATE")
    try:
        yield lambda count: _sqlite_waiters(database) >= count
    finally:
        holder_db.execute("COMMIT")
        holder_db.close()


def _sqlite_waiters(database: Path) -> int:
    """Processes that have the database open and sat still (asleep, no CPU) for 0.2 s."""
    def sample() -> dict[int, tuple[str, int]]:
        seen = {}
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit() or int(proc.name) == os.getpid():
                continue
            try:
                if not any(os.readlink(fd) == str(database) for fd in (proc / "fd").iterdir()):
                    continue
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            seen[int(proc.name)] = (fields[0], int(fields[11]) + int(fields[12]))
        return seen

    first = sample()
    time.sleep(0.2)
    second = sample()
    return sum(1 for pid, (state, cpu) in second.items()
               if state == "S" and first.get(pid) == ("S", cpu))


@pytest.mark.slow
def test_twenty_cli_processes_spending_one_balance_only_one_wins(tmp_path: Path) -> None:
    with fresh_firm(tmp_path) as firm:
        firm.ok("client", "add", "Acme")
        firm.ok("matter", "open", "C-0001", "Deal")
        firm.ok("account", "add", "IOLTA", "--kind", "trust")
        firm.ok("trust", "deposit", "M-0001", "100.00", "--account", "IOLTA", "--date",
                "2026-03-10", "--from", "Acme")
        command = [sys.executable, "-m", "lawledger", "trust", "disburse", "M-0001", "60.00",
                   "--account", "IOLTA", "--date", "2026-03-20", "--to", "Court", "--json"]
        with _writers_held(firm) as all_waiting:
            processes = [subprocess.Popen(command, env=firm.env, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True)
                         for _ in range(20)]
            deadline = time.monotonic() + 60
            while not all_waiting(20) and time.monotonic() < deadline:
                time.sleep(0.2)
        outputs = [(p.wait(timeout=120), *p.communicate()) for p in processes]
        codes = Counter(code for code, _, _ in outputs)
        assert codes == {0: 1, 1: 19}, outputs
        for code, stdout, stderr in outputs:
            if code == 1:
                assert "client_ledger_overdraft" in stderr
                assert json.loads(stdout)["error"]["code"] == "client_ledger_overdraft"
        ledger = firm.json("trust", "ledger", "M-0001")
        assert ledger["balance"] == "40.00"
        assert [e["amount"] for e in ledger["entries"]] == ["100.00", "-60.00"]
        with firm_database(firm) as (query, _):
            assert all_problems(query) == []  # I1, I3, I5 and the chain, read from the tables
            assert query("SELECT balance_minor FROM ledger_account WHERE kind = 'trust_bank'") \
                == [(4000,)]
        assert firm.json("audit", "verify")["ok"] is True


def test_verifying_the_chain_while_writers_append_never_reports_a_false_break() -> None:
    setup = factories.trust_firm()
    stop = threading.Event()
    verdicts: list[Any] = []

    def verify_until_stopped() -> None:
        try:
            while not stop.is_set():
                verdicts.append(verify_chain())
        finally:
            connections.close_all()

    checker = threading.Thread(target=verify_until_stopped)
    checker.start()
    try:
        _in_threads([lambda n=n: [factories.deposit(setup["matter"], f"{n + 1}.{step:02d}")
                                  for step in range(15)] for n in range(4)])
    finally:
        stop.set()
        checker.join(timeout=60)
    assert verdicts and [v.problem for v in verdicts if not v.ok] == []
    assert verify_chain().ok
