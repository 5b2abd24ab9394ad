"""Our own semgrep rules catch what they promise, and bandit + semgrep pass on the tree (A5, I10).

The rules (.semgrep/lawledger.yml) run offline (`--metrics=off`) against a small git checkout of
known-bad snippets: each rule must fire on its snippet and stay quiet on the allowed ones.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent

SNIPPETS = {
    "src/lawledger/interfaces/web/leaky.py": "def view(request):\n"
                                             "    return Matter.objects.all()\n",
    "src/lawledger/reports/leaky.py": "def report():\n    return Invoice.objects.filter(id=1)\n",
    "src/lawledger/billing/money.py": "def total(text):\n    return float(text) * 100\n",
    "src/lawledger/billing/writer.py": "def post(e):\n    entry = JournalEntry(kind='x')\n"
                                       "    entry.save()\n"
                                       "    Posting.objects.filter(id=1).update(amount_minor=1)\n",
    "src/lawledger/ledger/posting.py": "def post():\n    JournalEntry.objects.create(kind='x')\n",
    "src/lawledger/banking/feeds/ok.py": "class Feed:\n    def __init__(self, s):\n"
                                         "        self.timeout_seconds = float(s or 10)\n",
    "src/lawledger/billing/queries.py": "def rows():\n    return Invoice.objects.all()\n",
}


@pytest.mark.slow
def test_our_semgrep_rules_fire_on_the_patterns_they_forbid(tmp_path: Path) -> None:
    for name, text in SNIPPETS.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    shutil.copytree(ROOT / ".semgrep", tmp_path / ".semgrep")
    subprocess.run(["git", "init", "-q", "."], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    out = tmp_path / "found.json"
    subprocess.run([str(BIN / "semgrep"), "scan", "--config", ".semgrep", "--metrics=off",
                    "--quiet", "--json", "-o", str(out), "src"], cwd=tmp_path, check=False,
                   capture_output=True, timeout=600)
    found = sorted((r["path"], r["start"]["line"], r["check_id"].rsplit(".", 1)[-1])
                   for r in json.loads(out.read_text())["results"])
    assert found == [
        ("src/lawledger/billing/money.py", 2, "lawledger-no-float-on-money"),
        ("src/lawledger/billing/writer.py", 2, "lawledger-no-raw-ledger-save"),
        ("src/lawledger/billing/writer.py", 4, "lawledger-no-raw-ledger-save"),
        ("src/lawledger/interfaces/web/leaky.py", 2, "lawledger-no-unscoped-client-query"),
        ("src/lawledger/reports/leaky.py", 2, "lawledger-no-unscoped-client-query"),
    ]


@pytest.mark.slow
def test_bandit_and_semgrep_pass_on_the_tree() -> None:
    bandit = subprocess.run([str(BIN / "bandit"), "-q", "-r", "src", "-c", "pyproject.toml"],
                            cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert bandit.returncode == 0, bandit.stdout + bandit.stderr
    semgrep = subprocess.run([str(BIN / "semgrep"), "scan", "--config", ".semgrep",
                              "--metrics=off", "--error", "--quiet", "src"], cwd=ROOT,
                             capture_output=True, text=True, timeout=600, check=False)
    assert semgrep.returncode == 0, semgrep.stdout + semgrep.stderr
