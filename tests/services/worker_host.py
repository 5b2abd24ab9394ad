"""A process that loads Django once and forks real worker processes on request (a "zygote").

Starting a Python process with Django costs most of a second; forking a loaded one costs
milliseconds. So the concurrency and crash tests start this host once and let it fork: every worker
is a separate process with its own database connection, exactly as separate `lawledger` commands
would be. The host itself never opens a database connection (a connection must not cross a fork).

    python -m tests.services.worker_host race SPEC_JSON
        SPEC = {"workers": [[op, ...], ...]}, op = {"op": "deposit", "kwargs": {...}}.
        Forks one process per worker; all start together (they wait for a pipe to close), run
        their ops in order and print one JSON line per op: {"worker", "op", "ok", "entry",
        "replayed", "code"}. Exits when every worker has ended.

    python -m tests.services.worker_host crash        commands on stdin, one per line:
        setup JSON         create accounts, clients, matters and first deposits; prints "ready"
        run SEED PATH      fork a poster that records entries for ever, appending to PATH "~" as
                           each command starts and then the public id of the committed entry (or
                           "refused"); prints "pid N"
        reap N             wait for worker N (killed by the test); prints "reaped N STATUS"
        verify             the audit chain check, in a fresh worker; prints its JSON
        quit

Environment: DJANGO_SETTINGS_MODULE (tests.settings for the test database, lawledger.settings for
a fresh firm) and LAWLEDGER_WORKER_DB_NAME, the test database's name when pytest-django made one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    from django.conf import settings

    name = os.environ.get("LAWLEDGER_WORKER_DB_NAME")
    if name:
        settings.DATABASES["default"]["NAME"] = name
    import django

    django.setup()


def _operator() -> Any:
    from lawledger.core.access import Principal

    return Principal.operator("worker")


def _ops() -> dict[str, Callable[..., Any]]:
    from lawledger.firm.queries import matter_detail
    from lawledger.firm.services import client_add
    from lawledger.ledger import services
    from lawledger.ledger.queries import client_ledger_report

    actor = _operator()
    return {
        "deposit": lambda **kw: services.trust_deposit_record(actor=actor, **kw),
        "disburse": lambda **kw: services.trust_disbursement_record(actor=actor, **kw),
        "transfer": lambda **kw: services.trust_transfer_record(actor=actor, **kw),
        "ledger": lambda **kw: client_ledger_report(actor, kw["matter"]),
        "matter_detail": lambda **kw: matter_detail(actor, kw["matter"]),
        "client": lambda **kw: client_add(actor=actor, **kw),
    }


def _write_line(document: dict[str, Any]) -> None:
    # One write() per line, shorter than PIPE_BUF: lines of different workers never interleave.
    os.write(1, (json.dumps(document)[:3000] + "\n").encode())


def _run_op(worker: int, op: dict[str, Any], ops: dict[str, Callable[..., Any]]) -> None:
    from lawledger.core.errors import LawLedgerError

    outcome: dict[str, Any] = {"worker": worker, "op": op["op"]}
    try:
        result = ops[op["op"]](**op.get("kwargs", {}))
    except LawLedgerError as error:
        outcome.update(ok=False, code=error.code, message=error.message)
    except Exception as error:
        outcome.update(ok=False, code="crash:" + type(error).__name__,
                       message=traceback.format_exc()[-1500:])
    else:
        entry = getattr(result, "entry", None)
        outcome.update(ok=True, entry=entry.public_id if entry is not None else None,
                       replayed=getattr(result, "replayed", False))
    _write_line(outcome)


def race(spec: dict[str, Any]) -> int:
    _setup_django()
    from django.db import connections

    connections.close_all()
    ops = _ops()
    gate_read, gate_write = os.pipe()
    pids = []
    for worker, worker_ops in enumerate(spec["workers"]):
        pid = os.fork()
        if pid == 0:
            status = 0
            try:
                os.close(gate_write)
                os.read(gate_read, 1)  # returns (empty) when the host closes the gate: all go
                for op in worker_ops:
                    _run_op(worker, op, ops)
            except BaseException:
                traceback.print_exc()
                status = 3
            finally:
                connections.close_all()
                os._exit(status)
        pids.append(pid)
    os.close(gate_write)
    failed = 0
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        failed += status != 0
    return 1 if failed else 0


# --------------------------------------------------------------------------------------------
# crash mode


def _setup_firm(spec: dict[str, Any]) -> None:
    from lawledger.firm.services import client_add, firm_set, matter_open
    from lawledger.ledger.accounts import account_add
    from lawledger.ledger.services import trust_deposit_record

    actor = _operator()
    firm_set(actor=actor, key="uncleared_funds", value="off")
    account_add(actor=actor, name="IOLTA", kind="trust", currency="USD")
    account_add(actor=actor, name="Operating", kind="operating", currency="USD")
    for number in spec["matters"]:
        client = client_add(actor=actor, name=f"Client of {number}")
        matter_open(actor=actor, client=client.number, title="Crash test", number=number)
        trust_deposit_record(actor=actor, matter=number, amount="1000.00", account="IOLTA",
                             date="2026-01-02", payor="Opening deposit")


def _slow_down(rng: random.Random) -> None:
    """Widen the windows inside a posting's transaction, where a kill hurts most."""
    from lawledger.audit import services as audit_services
    from lawledger.ledger.models import Posting

    def pause() -> None:
        if rng.random() < 0.5:
            time.sleep(rng.random() * 0.004)

    manager = Posting.objects  # the one manager instance (Options.managers_map is cached)
    original = manager.bulk_create

    def bulk_create(*args: Any, **kwargs: Any) -> Any:
        created = original(*args, **kwargs)
        pause()  # postings written, their entry not yet
        return created

    manager.bulk_create = bulk_create  # type: ignore[method-assign]
    audit_services.fault_hook = pause  # entry and balances written, audit record not yet


def _poster(seed: int, path: str, matters: list[str]) -> None:
    from lawledger.core.errors import RuleViolation
    from lawledger.ledger import services

    rng = random.Random(seed)
    _slow_down(rng)
    actor = _operator()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    start = dt.date(2026, 1, 5)
    host = os.getppid()
    while os.getppid() == host:  # an orphaned poster stops by itself
        matter = rng.choice(matters)
        day = (start + dt.timedelta(days=rng.randrange(80))).isoformat()
        amount = f"{rng.randrange(1, 40000) / 100:.2f}"
        choice = rng.random()
        os.write(fd, b"~\n")  # a command under way: a kill now lands inside it
        try:
            if choice < 0.35:
                result = services.trust_deposit_record(
                    actor=actor, matter=matter, amount=amount, account="IOLTA", date=day,
                    payor="Client", memo="deposit memo",
                    idempotency_key=f"crash-{seed}-{rng.randrange(1000)}" if rng.random() < 0.3
                    else None)
            elif choice < 0.7:
                result = services.trust_disbursement_record(
                    actor=actor, matter=matter, amount=amount, account="IOLTA", date=day,
                    payee="Court clerk", memo="disbursement memo")
            elif choice < 0.9:
                result = services.trust_transfer_record(
                    actor=actor, from_matter=matter,
                    to_matter=rng.choice([m for m in matters if m != matter]), amount=amount,
                    date=day)
            else:
                result = services.earned_fee_transfer_record(
                    actor=actor, matter=matter, amount=amount, account="IOLTA", date=day)
        except RuleViolation:
            os.write(fd, b"refused\n")  # an overdraft: nothing written
            continue
        os.write(fd, (("replayed " if result.replayed else "") + result.entry.public_id
                      + "\n").encode())


def _in_worker(work: Callable[[], None]) -> int:
    from django.db import connections

    pid = os.fork()
    if pid == 0:
        status = 0
        try:
            work()
        except BaseException:
            traceback.print_exc()
            status = 3
        finally:
            connections.close_all()
            sys.stdout.flush()
            os._exit(status)
    return pid


def _verify() -> None:
    from lawledger.audit.verify import verify_chain

    result = verify_chain()
    print(json.dumps({"ok": result.ok, "records": result.records, "problem": result.problem}),
          flush=True)


def crash() -> int:
    _setup_django()
    from django.db import connections

    connections.close_all()
    matters: list[str] = []
    for line in sys.stdin:
        command, _, rest = line.strip().partition(" ")
        if command == "setup":
            spec = json.loads(rest)
            matters = spec["matters"]
            _, status = os.waitpid(_in_worker(lambda: _setup_firm(spec)), 0)  # noqa: B023
            print("ready" if status == 0 else f"failed {status}", flush=True)
        elif command == "run":
            seed, path = rest.split(" ", 1)
            pid = _in_worker(lambda: _poster(int(seed), path, matters))  # noqa: B023
            print(f"pid {pid}", flush=True)
        elif command == "reap":
            _, status = os.waitpid(int(rest), 0)
            print(f"reaped {rest} {status}", flush=True)
        elif command == "verify":
            _, status = os.waitpid(_in_worker(_verify), 0)
            print(f"verified {status}", flush=True)
        elif command == "quit":
            return 0
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "race":
        sys.exit(race(json.loads(sys.argv[2])))
    sys.exit(crash())
