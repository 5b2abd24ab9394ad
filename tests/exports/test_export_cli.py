"""`lawledger export beancount|hledger FILE [--account A]` as a separate process (the contract)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.cli import fresh_firm


def test_the_export_command_writes_a_journal_bean_check_accepts_and_refuses_an_attorney(
        tmp_path: Path) -> None:
    from beancount import loader

    with fresh_firm(tmp_path) as firm:
        firm.ok("account", "add", "IOLTA", "--kind", "trust")
        firm.ok("client", "add", "Acme Corp")
        firm.ok("matter", "open", "C-0001", "Sale of premises")
        firm.ok("trust", "deposit", "M-0001", "1250.00", "--account", "IOLTA", "--date",
                "2026-03-10", "--from", "Acme Corp")
        firm.ok("user", "add", "lee@firm.example", "--role", "attorney")
        target = tmp_path / "books.beancount"
        document = firm.json("export", "beancount", str(target), "--account", "IOLTA")
        assert (document["format"], document["account"], document["entries"]) == (
            "beancount", "IOLTA", 1)
        _entries, errors, _ = loader.load_file(str(target))
        assert errors == []
        assert "Liabilities:Trust:M-0001  -1250.00 USD" in target.read_text()
        refused = firm.run("export", "hledger", str(tmp_path / "x.journal"), "--json",
                           as_="lee@firm.example")
        assert refused.code == 1
        assert json.loads(refused.stdout)["error"]["code"] == "permission_denied"
        assert not (tmp_path / "x.journal").exists()
        bad = firm.run("export", "hledger", str(tmp_path / "no-such-dir" / "x.journal"))
        assert bad.code == 2
        assert "file:" in bad.stderr
        assert os.listdir(tmp_path / "home") != []
