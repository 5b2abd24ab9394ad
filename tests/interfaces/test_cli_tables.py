"""The one table printer of the CLI shows data as typed: text from the database is never rich
markup, so a client named with square brackets neither styles the table nor breaks it."""

from __future__ import annotations

from lawledger.interfaces.cli.context import print_table, stdout


def test_a_cell_or_title_holding_markup_is_printed_as_typed() -> None:
    with stdout.capture() as captured:
        print_table(["number", "name"], [["C-0001", "Smith [/x] [bold]Estate"], ["C-0002", None]],
                    title="[red]clients")
    text = captured.get()
    assert "[red]clients" in text
    assert "Smith [/x] [bold]Estate" in text
    assert "\x1b" not in text
    assert [line.split("│")[1].strip() for line in text.splitlines() if "C-000" in line] == [
        "C-0001", "C-0002"]
