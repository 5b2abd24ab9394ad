"""`lawledger feed add | sync | status` in a fresh firm, through the real command line: one JSON
document each, exit 0 when every feed ran, 1 when one failed."""

from __future__ import annotations

from pathlib import Path

from tests.cli import fresh_firm

MARCH = "Date,Description,Amount\n2026-03-03,Deposit 5521,100.00\n"


def test_a_file_drop_feed_runs_from_the_command_line(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    with fresh_firm(tmp_path) as firm:
        firm.ok("account", "add", "IOLTA", "--kind", "trust")
        made = firm.json("feed", "add", "IOLTA", "--folder", str(drop))
        assert (made["account"], made["connector"]) == ("IOLTA", "file_drop")
        (drop / "march.csv").write_text(MARCH)
        (drop / "broken.csv").write_text("Date,Amount\n2026-03-03,1,234.5.6\n")
        result = firm.run("--json", "feed", "sync")
        assert result.code == 1
        document = result.json
        assert (document["failed"], document["feeds"][0]["new"]) == (1, 1)
        assert "1 feed(s) failed" in result.stderr
        status = firm.json("feed", "status")["feeds"]
        assert [(row["account"], row["state"], row["lines_imported"]) for row in status] == [
            ("IOLTA", "failing", 1)]
        (drop / "april.csv").write_text("Date,Description,Amount\n2026-04-02,Deposit,5.00\n")
        again = firm.json("feed", "sync")
        assert (again["failed"], again["feeds"][0]["new"]) == (0, 1)
        assert firm.json("feed", "status")["feeds"][0]["state"] == "ok"
