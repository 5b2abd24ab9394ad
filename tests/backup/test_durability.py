"""Durability settings asserted at start (E6), and a full disk named as such (E3)."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import OperationalError

from lawledger.backup import durability
from lawledger.backup.durability import Finding, judge
from lawledger.backup.errors import UnsafeDurability


@pytest.mark.django_db
def test_the_database_under_test_runs_with_durable_settings() -> None:
    from django.db import connection

    values, findings = durability.check()
    assert findings == []
    if connection.vendor == "sqlite":
        assert values == {"journal_mode": "wal", "synchronous": "2"}
    else:
        assert (values["fsync"], values["full_page_writes"], values["synchronous_commit"],
                values["data_checksums"]) == ("on", "on", "on", "on")
    assert durability.assert_durable() == []


SQLITE_CASES = [
    ({"journal_mode": "wal", "synchronous": "2"}, []),
    ({"journal_mode": "wal", "synchronous": "3"}, []),
    ({"journal_mode": "delete", "synchronous": "2"}, [("journal_mode", True)]),
    ({"journal_mode": "wal", "synchronous": "1"}, [("synchronous", True)]),
    ({"journal_mode": "memory", "synchronous": "0"}, [("journal_mode", True),
                                                      ("synchronous", True)]),
]
PG_SAFE = {"fsync": "on", "full_page_writes": "on", "synchronous_commit": "on",
           "data_checksums": "on"}
PG_CASES = [
    ({}, []),
    ({"synchronous_commit": "local"}, []),
    ({"synchronous_commit": "remote_write"}, []),
    ({"fsync": "off"}, [("fsync", True)]),
    ({"full_page_writes": "off"}, [("full_page_writes", True)]),
    ({"synchronous_commit": "off"}, [("synchronous_commit", True)]),
    ({"data_checksums": "off"}, [("data_checksums", False)]),
]


@pytest.mark.parametrize(("values", "expected"), SQLITE_CASES)
def test_it_judges_sqlite_settings(values: dict[str, str],
                                   expected: list[tuple[str, bool]]) -> None:
    assert [(f.setting, f.refuse) for f in judge("sqlite", values)] == expected


@pytest.mark.parametrize(("changes", "expected"), PG_CASES)
def test_it_judges_postgresql_settings(changes: dict[str, str],
                                       expected: list[tuple[str, bool]]) -> None:
    assert [(f.setting, f.refuse) for f in judge("postgresql", {**PG_SAFE, **changes})] == expected


def test_it_refuses_unsafe_settings_unless_explicitly_allowed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    unsafe = [Finding("fsync", "off", "on", True), Finding("data_checksums", "off", "on", False)]
    monkeypatch.setattr(durability, "check", lambda connection=None: ({}, unsafe))
    monkeypatch.delenv(durability.ALLOW_UNSAFE_ENV, raising=False)
    with pytest.raises(UnsafeDurability) as refused:
        durability.assert_durable()
    assert refused.value.code == "unsafe_durability"
    assert refused.value.exit_status == 2
    assert "fsync is off (lawledger needs on)" in refused.value.message
    monkeypatch.setenv(durability.ALLOW_UNSAFE_ENV, "1")
    warnings = durability.assert_durable()
    assert warnings[0].startswith("durability: running UNSAFELY")
    assert "data_checksums is off" in warnings[1]


def test_it_recognises_a_full_disk_on_both_engines() -> None:
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorname = "SQLITE_FULL"  # type: ignore[attr-defined]
    wrapped = OperationalError("database or disk is full")
    wrapped.__cause__ = full
    assert durability.is_disk_full(wrapped)

    class PgError(Exception):
        sqlstate = "53100"

    pg = OperationalError("could not extend file")
    pg.__cause__ = PgError()
    assert durability.is_disk_full(pg)
    assert not durability.is_disk_full(OperationalError("no such table: x"))
    message = durability.storage_full(wrapped).message
    assert "disk is full" in message and "nothing was written" in message


@pytest.mark.django_db
def test_serve_refuses_or_warns_before_it_starts_the_web_server(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from gunicorn.app.base import BaseApplication

    from lawledger.interfaces.cli import server
    from tests import factories

    factories.firm()
    started: list[bool] = []
    monkeypatch.setattr(BaseApplication, "run", lambda self: started.append(True))
    no_checksums = [Finding("data_checksums", "off", "on", False)]
    monkeypatch.setattr(durability, "check", lambda connection=None: ({}, no_checksums))
    server._serve("127.0.0.1", 8000, 1)
    assert started == [True]
    assert "warning: durability: data_checksums is off" in capsys.readouterr().err
    no_fsync = [Finding("fsync", "off", "on", True)]
    monkeypatch.setattr(durability, "check", lambda connection=None: ({}, no_fsync))
    monkeypatch.delenv(durability.ALLOW_UNSAFE_ENV, raising=False)
    with pytest.raises(UnsafeDurability):
        server._serve("127.0.0.1", 8000, 1)
    assert started == [True]  # never started on unsafe settings
