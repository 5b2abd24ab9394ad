"""Retention generations (daily, weekly, monthly) and the scheduled job that applies them."""

from __future__ import annotations

import datetime as dt
import shlex
from pathlib import Path

import pytest

from lawledger.backup import archive
from lawledger.backup.retention import Keep, created_at, plan
from lawledger.backup.schedule import cron_line, parse_time, systemd_units
from lawledger.backup.services import backup_prune
from lawledger.core.errors import InvalidInput
from tests.factories import OPERATOR


def _name(when: dt.datetime, tag: str = "abcdef") -> str:
    return f"lawledger-{when:%Y%m%dT%H%M%SZ}-{tag}.age"


def _daily_for(days: int, end: dt.datetime) -> list[tuple[str, dt.datetime]]:
    return [(_name(end - dt.timedelta(days=n)), end - dt.timedelta(days=n)) for n in range(days)]


END = dt.datetime(2026, 11, 23, 2, 30, tzinfo=dt.UTC)  # a Monday


def test_it_reads_the_creation_time_from_our_names_only() -> None:
    assert created_at(_name(END)) == END
    finer = END.replace(microsecond=250_001)
    assert created_at(f"lawledger-{finer:%Y%m%dT%H%M%S.%fZ}-0a1b2c.age") == finer
    assert created_at("notes.txt") is None
    assert created_at(".lawledger-x.age.partial") is None
    assert archive.BACKUP_NAME.match(_name(END))


def test_it_keeps_seven_dailies_five_weeklies_and_twelve_monthlies_of_a_year_of_backups() -> None:
    kept, pruned = plan(_daily_for(400, END), Keep(daily=7, weekly=5, monthly=12))
    days = [created_at(name).date() for name in kept]  # type: ignore[union-attr]
    dailies = [dt.date(2026, 11, d) for d in range(23, 16, -1)]
    weeklies = [dt.date(2026, 11, 15), dt.date(2026, 11, 8), dt.date(2026, 11, 1)]  # + 23, 22
    monthlies = [dt.date(2026, 10, 31), dt.date(2026, 9, 30), dt.date(2026, 8, 31),
                 dt.date(2026, 7, 31), dt.date(2026, 6, 30), dt.date(2026, 5, 31),
                 dt.date(2026, 4, 30), dt.date(2026, 3, 31), dt.date(2026, 2, 28),
                 dt.date(2026, 1, 31), dt.date(2025, 12, 31)]  # + November's, the 23rd
    assert days == dailies + weeklies + monthlies
    assert len(pruned) == 400 - 21
    assert kept[0] == _name(END)


def test_it_always_keeps_the_newest_backup_and_never_prunes_a_lone_one() -> None:
    assert plan([(_name(END), END)], Keep(0, 0, 0)) == ([_name(END)], [])
    assert plan([], Keep()) == ([], [])
    two = [(_name(END, "aaaaaa"), END), (_name(END, "bbbbbb"), END - dt.timedelta(hours=1))]
    assert plan(two, Keep(daily=1, weekly=0, monthly=0)) == ([_name(END, "aaaaaa")],
                                                             [_name(END, "bbbbbb")])


def test_it_refuses_negative_counts() -> None:
    with pytest.raises(ValueError):
        Keep(-1, 0, 0)


@pytest.mark.django_db
def test_prune_deletes_only_what_no_generation_keeps_and_nothing_else(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    backups = _daily_for(20, END)
    for name, _ in backups:
        (folder / name).write_bytes(b"age-encryption.org/v1\n")
    (folder / "README.txt").write_text("not ours")
    (folder / f"{archive.PARTIAL_PREFIX}x{archive.PARTIAL_SUFFIX}").write_text("in flight")
    planned = backup_prune(actor=OPERATOR, directory=str(folder), keep=Keep(3, 2, 1),
                           dry_run=True)
    assert len(list(folder.iterdir())) == 22
    done = backup_prune(actor=OPERATOR, directory=str(folder), keep=Keep(3, 2, 1))
    assert done["kept"] == planned["kept"] == [_name(END - dt.timedelta(days=n))
                                               for n in (0, 1, 2)]
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted([*done["kept"], "README.txt", archive.LOCK_NAME])


def test_the_time_of_day_is_validated() -> None:
    assert parse_time("02:30") == (2, 30)
    for bad in ("2:30", "24:00", "12:60", "noon"):
        with pytest.raises(InvalidInput) as refused:
            parse_time(bad)
        assert refused.value.param == "at"


def test_the_systemd_units_run_create_then_prune_daily(tmp_path: Path) -> None:
    units = systemd_units(["/opt/lawledger/bin/python", "-m", "lawledger"], tmp_path / "b",
                          Keep(7, 5, 12), at="01:15", home=tmp_path / "home",
                          env_file=tmp_path / "lawledger.env")
    service, timer = units["lawledger-backup.service"], units["lawledger-backup.timer"]
    assert "OnCalendar=*-*-* 01:15:00\n" in timer and "Persistent=true\n" in timer
    assert f"EnvironmentFile={tmp_path / 'lawledger.env'}\n" in service
    start = next(line for line in service.splitlines() if line.startswith("ExecStart="))
    post = next(line for line in service.splitlines() if line.startswith("ExecStartPost="))
    assert shlex.split(start.removeprefix("ExecStart=")) == [
        "/opt/lawledger/bin/python", "-m", "lawledger", "backup", "create", str(tmp_path / "b"),
        "--json"]
    assert shlex.split(post.removeprefix("ExecStartPost="))[4:] == [
        "prune", str(tmp_path / "b"), "--keep-daily", "7", "--keep-weekly", "5",
        "--keep-monthly", "12", "--json"]
    assert "UMask=0077" in service and "DATABASE_URL" not in service


def test_the_cron_line_runs_daily_and_prunes_only_after_a_good_backup(tmp_path: Path) -> None:
    text = cron_line(["/usr/bin/python3", "-m", "lawledger"], tmp_path / "b", Keep(1, 2, 3),
                     at="23:05", home=tmp_path / "home", env_file=None,
                     log=tmp_path / "backup.log")["lawledger-backup.cron"]
    line = text.splitlines()[-1]
    assert line.startswith("5 23 * * * ")
    assert " && " in line and line.index("backup create") < line.index("backup prune")
    with pytest.raises(InvalidInput):
        cron_line(["python"], Path("/srv/100%"), Keep(), at="01:00", home=tmp_path,
                  env_file=None, log=tmp_path / "l")
