"""kill -9 in the middle of posting loses nothing committed and leaves nothing half-written (E1).

A child process records entries in a loop (deposits, disbursements, transfers, earned fees, some
refused) and appends the id of every committed entry to a file. The test kills it with SIGKILL at
seeded random moments, often inside a posting's transaction (the child pauses there on purpose),
and after every kill checks the database from outside: SQLite's integrity check, every printed id
present, no entry without its postings and no posting without its entry, every entry balanced,
balance rows equal to their postings, no trust ledger below zero at any point, and the audit chain.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import pytest

from tests.cli import FreshFirm, fresh_firm
from tests.services.ledger_invariants import all_problems, firm_database

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("LAWLEDGER_CRASH_SEED", "20261123"))
ITERATIONS = int(os.environ.get("LAWLEDGER_CRASH_ITERATIONS", "80"))
TIME_BUDGET_SECONDS = float(os.environ.get("LAWLEDGER_CRASH_SECONDS", "35"))
MATTERS = ["M-0001", "M-0002", "M-0003", "M-0004"]


class Host:
    """The worker host in crash mode: one line in, one line out."""

    def __init__(self, firm: FreshFirm, log: IO[str]) -> None:
        env = {**firm.env, "DJANGO_SETTINGS_MODULE": "lawledger.settings"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.services.worker_host", "crash"], cwd=REPO, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
            start_new_session=True)

    def ask(self, line: str) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.read()

    def read(self) -> str:
        assert self.process.stdout is not None
        answer = self.process.stdout.readline().strip()
        assert answer, "the worker host died"
        return answer

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            try:
                self.process.stdin.write("quit\n")
                self.process.stdin.close()
                self.process.wait(timeout=30)
                return
            except (OSError, subprocess.TimeoutExpired):
                pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # this host's own session, workers too
        self.process.wait(timeout=30)


def _poster_log(path: Path) -> tuple[set[str], bool]:
    """The ids the poster saw committed, and whether it was killed inside a command."""
    lines = path.read_text().split("\n") if path.exists() else [""]
    complete = lines[:-1]  # a last line without its newline was cut off by the kill
    committed = {line for line in complete if line.startswith("je_")}
    return committed, bool(complete) and complete[-1] == "~"


def _check_after_kill(firm: FreshFirm, printed: set[str]) -> int:
    with firm_database(firm) as (query, raw):
        if not firm.env.get("DATABASE_URL"):
            assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        present = {row[0] for row in query("SELECT public_id FROM ledger_journal_entry")}
        assert printed <= present, f"committed entries lost: {sorted(printed - present)}"
        assert all_problems(query) == []
        return len(present)


def test_kill_9_mid_posting_loses_nothing_and_half_writes_nothing(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    with fresh_firm(tmp_path) as firm, (tmp_path / "host.log").open("w") as log:
        host = Host(firm, log)
        try:
            assert host.ask("setup " + json.dumps({"matters": MATTERS})) == "ready"
            printed: set[str] = set()
            started = time.monotonic()
            kills = kills_inside = 0
            while kills < ITERATIONS and (kills < 10
                                          or time.monotonic() - started < TIME_BUDGET_SECONDS):
                out = tmp_path / f"posted-{kills}.txt"
                answer = host.ask(f"run {rng.randrange(2**32)} {out}")
                pid = int(answer.removeprefix("pid "))
                time.sleep(rng.uniform(0.02, 0.4))
                os.kill(pid, signal.SIGKILL)  # our own worker, by its id
                status = int(host.ask(f"reap {pid}").rsplit(" ", 1)[1])
                assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (
                    f"the poster ended by itself (status {status}): "
                    + (tmp_path / "host.log").read_text()[-3000:])
                kills += 1
                committed, inside = _poster_log(out)
                printed |= committed
                kills_inside += inside
                entries = _check_after_kill(firm, printed)
                verified = json.loads(host.ask("verify"))
                assert verified["ok"], verified["problem"]
                assert host.read() == "verified 0"
        finally:
            host.close()
        # The run proved something: most kills landed inside a command, and entries were
        # committed between them.
        assert kills >= 10
        assert kills_inside >= kills // 2, (kills_inside, kills)
        assert len(printed) >= 10, (len(printed), kills)
        assert entries >= len(printed)
        assert firm.json("audit", "verify")["ok"] is True
