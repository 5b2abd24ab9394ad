"""The built-in file-drop feed: statement files dropped in a folder are imported through the
same import as an upload, once; an unreadable file is set aside and the feed shows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from lawledger.banking.feeds.queries import feeds_needing_attention
from lawledger.banking.feeds.services import feed_add, feed_sync
from lawledger.banking.models import BankLine, BankStatement
from lawledger.core.errors import InvalidInput
from tests import factories
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db

MARCH = b"Date,Description,Amount\n2026-03-03,Deposit 5521,100.00\n2026-03-04,Check 101,-25.00\n"
APRIL = b"Date,Description,Amount\n2026-04-02,Deposit 5522,300.00\n"


@pytest.fixture
def drop(tmp_path: Path) -> tuple[str, Path]:
    account = factories.trust_firm()["account"]
    folder = tmp_path / "drop"
    folder.mkdir()
    feed = feed_add(actor=OPERATOR, account=account, connector="file_drop",
                    settings={"folder": str(folder)})["id"]
    return feed, folder


def _names(folder: Path) -> list[str]:
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*")
                  if path.is_file())


def test_dropped_files_are_imported_once_and_moved_aside(drop: tuple[str, Path]) -> None:
    feed, folder = drop
    (folder / "march.csv").write_bytes(MARCH)
    (folder / "april.csv").write_bytes(APRIL)
    (folder / "may.csv.part").write_bytes(APRIL)  # still being written: left alone
    result = feed_sync(actor=OPERATOR, feed=feed)
    assert (result["pages"], result["new"], result["duplicate"], result["rejected"]) == (
        2, 3, 0, [])
    assert _names(folder) == ["imported/april.csv", "imported/march.csv", "may.csv.part"]
    (folder / "march-again.csv").write_bytes(MARCH)  # the same statement dropped twice
    again = feed_sync(actor=OPERATOR, feed=feed)
    assert (again["new"], again["duplicate"]) == (0, 2)
    assert (BankLine.objects.count(), BankStatement.objects.count()) == (3, 2)


def test_an_unreadable_file_is_set_aside_and_the_feed_shows_it(drop: tuple[str, Path]) -> None:
    feed, folder = drop
    (folder / "a-broken.csv").write_bytes(b"Date,Amount\n2026-03-03,1,234.5.6\n")
    (folder / "b-good.csv").write_bytes(APRIL)
    result = feed_sync(actor=OPERATOR, feed=feed)
    assert result["new"] == 1
    assert len(result["rejected"]) == 1 and result["rejected"][0].startswith("a-broken.csv: ")
    assert _names(folder) == ["imported/b-good.csv", "rejected/a-broken.csv"]
    attention = feeds_needing_attention(OPERATOR)
    assert [(row["state"], row["consecutive_failures"]) for row in attention] == [("failing", 1)]
    assert attention[0]["last_error"].startswith("statement_malformed: ")


def test_a_file_drop_feed_needs_a_folder() -> None:
    account = factories.trust_firm()["account"]
    with pytest.raises(InvalidInput, match="folder: a file-drop feed needs a folder"):
        feed_add(actor=OPERATOR, account=account, connector="file_drop", settings={})
