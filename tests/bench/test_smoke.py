"""`python -m bench --smoke` runs every benchmark on a tiny firm, so the benchmark code cannot rot.

It runs on the engine of the suite: SQLite, or PostgreSQL when DATABASE_URL is set (the second
half of `make test`). No timing is asserted: only that every benchmark ran and reported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_benchmark_suite_runs_end_to_end_in_smoke_mode(tmp_path: Path) -> None:
    engine = "postgres" if os.environ.get("DATABASE_URL") else "sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAWLEDGER_", "DJANGO_"))}
    output = tmp_path / "benchmarks.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--engine", engine, "--workdir",
         str(tmp_path / "work"), "--output", str(output), "--results", str(tmp_path / "results")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    page = output.read_text()
    label = "PostgreSQL" if engine == "postgres" else "SQLite"
    assert f"## {label}, 300 entries" in page
    for figure in ("postings/s", "bulk path", "trust ledger M-0001 --json", "trust listing over",
                   "bean-check", "export: beancount journal", "matching: `bank match`",
                   "reconciliation report", "billing run", "invoice PDF", "web p95, dashboard",
                   "web throughput, 10 users"):
        assert figure in page, figure
    assert not (tmp_path / "work").exists() or not any((tmp_path / "work").iterdir())
