"""kill -9 in the middle of `lawledger bank import` of a 10,000-line statement (SECURITY.md E1).

The import runs in its own process and is killed with SIGKILL at seeded random moments, before,
during and after its one transaction. After every kill the database, read from outside, holds
either none of the file or all of it (one statement row, every line, one audit record), and the
SQLite file passes its integrity check. Then the file is imported to the end exactly once: a
further import adds nothing, and the audit chain verifies.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli import FreshFirm, fresh_firm
from tests.services.ledger_invariants import firm_database

pytestmark = pytest.mark.slow

SEED = int(os.environ.get("LAWLEDGER_CRASH_SEED", "20261123"))
KILLS = int(os.environ.get("LAWLEDGER_IMPORT_KILLS", "8"))
LINES = 10_000
PROFILE = {"date_column": "Date", "amount_column": "Amount",
           "description_columns": ["Description"], "reference_column": "Id"}


def _statement(path: Path) -> None:
    rows = ["Date,Description,Amount,Id"]
    for number in range(1, LINES + 1):
        day = 1 + number % 28
        rows.append(f"2026-03-{day:02d},Receipt {number},{number}.{number % 100:02d},TX{number:06d}")
    path.write_text("\n".join(rows) + "\n")


def _state(firm: FreshFirm) -> tuple[int, int, int]:
    with firm_database(firm) as (query, _):
        statements = query("SELECT COUNT(*) FROM banking_statement")[0][0]
        lines = query("SELECT COUNT(*) FROM banking_line")[0][0]
        audited = query("SELECT COUNT(*) FROM audit_record "
                        "WHERE event = 'bank.statement_imported'")[0][0]
        if not firm.env.get("DATABASE_URL"):
            assert query("PRAGMA integrity_check") == [("ok",)]
    return statements, lines, audited


def _import(firm: FreshFirm, statement: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lawledger", "bank", "import", "IOLTA", str(statement),
         "--profile", "plain", "--json"], env=firm.env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True)


def test_an_import_killed_at_any_moment_is_all_or_nothing_and_runs_again_exactly_once(
        tmp_path: Path) -> None:
    statement = tmp_path / "march.csv"
    _statement(statement)
    profile = tmp_path / "plain.json"
    profile.write_text(json.dumps(PROFILE))
    chance = random.Random(SEED)
    with fresh_firm(tmp_path) as firm:
        firm.ok("account", "add", "IOLTA", "--kind", "trust")
        firm.ok("bank", "profile", "add", "plain", str(profile))
        completed = 0
        for _ in range(KILLS):
            child = _import(firm, statement)
            time.sleep(chance.uniform(0.3, 6.0))
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate(timeout=60)
            state = _state(firm)
            assert state in ((0, 0, 0), (1, LINES, 1)), f"half an import survived: {state}"
            completed = state[1]
            if completed:
                break  # the child committed before the kill: nothing more to interrupt
        if not completed:
            first = firm.json("bank", "import", "IOLTA", str(statement), "--profile", "plain",
                              timeout=300)
            assert (first["new"], first["duplicate"]) == (LINES, 0)
        again = firm.json("bank", "import", "IOLTA", str(statement), "--profile", "plain",
                          timeout=300)
        assert (again["new"], again["already_imported"]) == (0, True)
        assert _state(firm) == (1, LINES, 1)
        firm.ok("audit", "verify")
