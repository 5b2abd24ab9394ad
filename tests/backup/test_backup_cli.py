"""The backup commands as scripts and operators use them: exit codes, JSON, and real processes.

SIGKILL during a backup, a full disk under the SQLite database, unsafe durability settings and
the scheduled job are tried here with real `lawledger` processes.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from lawledger.backup import archive
from tests.backup.conftest import fill_disk, tiny_tmpfs
from tests.cli import FreshFirm, Result, fresh_database, fresh_firm

pytestmark = pytest.mark.slow

ON_POSTGRESQL = bool(os.environ.get("DATABASE_URL"))


@pytest.fixture
def bare_firm(tmp_path: Path) -> Iterator[FreshFirm]:
    with fresh_firm(tmp_path) as made:
        yield made


@pytest.fixture
def firm(tmp_path: Path) -> Iterator[FreshFirm]:
    with fresh_firm(tmp_path) as made:
        made.ok("account", "add", "IOLTA", "--kind", "trust")
        made.ok("client", "add", "Acme Corp", "--notes", "CANARY-cli-notes-Z8")
        made.ok("matter", "open", "C-0001", "Sale of premises")
        made.ok("trust", "deposit", "M-0001", "1250.00", "--account", "IOLTA", "--date",
                "2026-03-10", "--from", "Acme Corp", "--memo", "CANARY-cli-memo-Q3")
        yield made


def _error(result: Result) -> dict[str, object]:
    return json.loads(result.stdout)["error"]


def _keygen(firm: FreshFirm, tmp_path: Path) -> Path:
    identity = tmp_path / "offline" / "identity.txt"
    identity.parent.mkdir()
    made = firm.json("backup", "keygen", "--identity", str(identity))
    assert made["identity_file"] == str(identity)
    return identity


def test_a_fresh_firm_backs_up_verifies_and_restores_with_the_bare_contract(
        firm: FreshFirm, tmp_path: Path) -> None:
    made = firm.run("backup", "create", str(tmp_path / "backups"), "--json")
    assert made.code == 0, made.stderr
    identity = firm.home / "keys" / "backup.identity"
    assert f"backup_identity_on_server: the identity that opens these backups is {identity}" in (
        made.stderr)
    assert oct(identity.stat().st_mode & 0o777) == "0o600"
    file = made.json["file"]
    assert Path(file).read_bytes()[:22] == b"age-encryption.org/v1\n"
    scratch = ["--scratch", firm.env["DATABASE_URL"]] if ON_POSTGRESQL else []
    assert firm.json("backup", "verify", file, *scratch)["ok"] is True
    if ON_POSTGRESQL:
        return  # restoring into PostgreSQL is proved with a fresh database in the test below
    target = tmp_path / "restored" / "lawledger.sqlite3"
    target.parent.mkdir()
    firm.json("backup", "restore", file, "--to", f"sqlite://{target}")
    restored = FreshFirm(firm.home, {**firm.env, "DATABASE_URL": f"sqlite://{target}"})
    assert restored.json("trust", "ledger", "M-0001")["balance"] == firm.json(
        "trust", "ledger", "M-0001")["balance"]


def test_the_backup_commands_keep_the_cli_contract(firm: FreshFirm, tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    identity = _keygen(firm, tmp_path)
    made = firm.json("backup", "create", str(backups))
    assert set(made) >= {"file", "bytes", "sha256", "manifest", "warnings"}
    file = Path(made["file"])
    assert file.read_bytes()[:22] == b"age-encryption.org/v1\n"
    assert b"CANARY-cli" not in file.read_bytes()

    offline = _offline_box(firm, tmp_path)
    scratch = ["--scratch", firm.env["DATABASE_URL"]] if ON_POSTGRESQL else []
    verified = offline.json("backup", "verify", str(file), "--identity", str(identity), *scratch)
    assert verified["ok"] is True and all(check["ok"] for check in verified["checks"])
    assert _files(offline.home) == []  # no database made, nothing audited there
    as_someone = offline.run("backup", "verify", str(file), "--identity", str(identity),
                             "--as", "admin@firm.example", *scratch)
    assert as_someone.code == 2 and "no firm database" in as_someone.stderr
    assert _files(offline.home) == []
    no_identity = firm.run("backup", "verify", str(file), "--json")
    assert (no_identity.code, _error(no_identity)["code"]) == (2, "backup_key_missing")
    tampered = tmp_path / "tampered.age"
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 0x40
    tampered.write_bytes(bytes(data))
    refused = firm.run("backup", "verify", str(tampered), "--identity", str(identity), "--json")
    assert (refused.code, _error(refused)["code"]) == (1, "backup_damaged")
    assert "error: backup_damaged: the backup does not decrypt" in refused.stderr
    firm.ok("user", "add", "para@firm.example", "--role", "paralegal")
    paralegal = firm.run("backup", "create", str(backups), "--as", "para@firm.example")
    assert paralegal.code == 1 and "permission_denied" in paralegal.stderr

    with _restored_firm(firm, tmp_path, file, identity) as restored:
        ledger = restored.json("trust", "ledger", "M-0001")
        assert (ledger["balance"], len(ledger["entries"])) == ("1250.00", 1)
        assert restored.ok("audit", "verify").code == 0


def _files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def _offline_box(firm: FreshFirm, tmp_path: Path) -> FreshFirm:
    """A machine with lawledger and the identity only: no firm, no database, no master key."""
    home = tmp_path / "offline-box"
    home.mkdir()
    env = {k: v for k, v in firm.env.items() if k != "DATABASE_URL"}
    return FreshFirm(home, {**env, "LAWLEDGER_HOME": str(home)})


@contextmanager
def _restored_firm(firm: FreshFirm, tmp_path: Path, file: Path,
                   identity: Path) -> Iterator[FreshFirm]:
    """Restore `file` into an empty place as on a new server; the app then runs on it."""
    home = tmp_path / "new-server"
    (home / "keys").mkdir(parents=True, mode=0o700)
    shutil.copy2(firm.home / "keys" / "master.key", home / "keys" / "master.key")
    env = {**firm.env, "LAWLEDGER_HOME": str(home)}
    with fresh_database() as url:
        if url:
            env["DATABASE_URL"] = url
        restored = FreshFirm(home, env)
        target = ["--to", url] if url else []
        done = restored.json("backup", "restore", str(file), "--identity", str(identity),
                             *target)
        assert all(check["ok"] for check in done["checks"])
        again = restored.run("backup", "restore", str(file), "--identity", str(identity),
                             *target, "--json")
        assert (again.code, _error(again)["code"]) == (1, "restore_target_not_empty")
        yield restored


def test_a_sigkill_during_backup_create_leaves_no_file_at_the_final_name(
        bare_firm: FreshFirm, tmp_path: Path) -> None:
    firm = bare_firm
    _keygen(firm, tmp_path)
    backups = tmp_path / "backups"
    backups.mkdir()
    slow_writer = ("import sys, time; import lawledger.backup.archive as archive; "
                   "archive.chunk_hook = lambda written: time.sleep(60); "
                   "sys.argv = ['lawledger', *sys.argv[1:]]; "
                   "from lawledger.interfaces.cli.app import main; main()")
    process = subprocess.Popen([sys.executable, "-c", slow_writer, "backup", "create",
                                str(backups)], env=firm.env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        partials: list[Path] = []
        while time.monotonic() < deadline and not partials:
            partials = [p for p in backups.glob(f"*{archive.PARTIAL_SUFFIX}") if p.stat().st_size]
            time.sleep(0.05)
        assert partials, "the writer never started writing"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert list(backups.glob("*.age")) == []
    made = firm.json("backup", "create", str(backups))
    assert sorted(p.name for p in backups.iterdir()) == sorted(
        [Path(made["file"]).name, archive.LOCK_NAME])


@pytest.mark.skipif(ON_POSTGRESQL, reason="the SQLite database's own disk; PostgreSQL's is the "
                                          "server's (docs/operations.md)")
def test_posting_on_a_full_disk_fails_clearly_and_succeeds_once_space_is_freed(
        tmp_path: Path) -> None:
    with tiny_tmpfs(tmp_path / "small-disk", 6144) as disk, fresh_firm(disk) as firm:
        firm.ok("account", "add", "IOLTA", "--kind", "trust")
        firm.ok("client", "add", "Acme Corp")
        firm.ok("matter", "open", "C-0001", "Sale")
        deposit = ("trust", "deposit", "M-0001", "100.00", "--account", "IOLTA", "--date",
                   "2026-03-10", "--from", "Acme Corp")
        filler = fill_disk(disk, leave_kib=0)
        full = firm.run(*deposit, "--json")
        assert full.code == 2
        assert "the disk holding the database is full" in full.stderr
        filler.unlink()
        filler = fill_disk(disk, leave_kib=40)  # room to open the database, not to post
        full = firm.run(*deposit, "--json")
        assert (full.code, _error(full)["code"]) == (1, "disk_full")
        assert "nothing was written" in full.stderr
        assert "Traceback" not in full.stderr
        filler.unlink()
        assert _integrity(firm.home / "lawledger.sqlite3") == "ok"
        firm.ok(*deposit)
        ledger = firm.json("trust", "ledger", "M-0001")
        assert (ledger["balance"], len(ledger["entries"])) == ("100.00", 1)
        assert firm.ok("audit", "verify").code == 0
        assert _integrity(firm.home / "lawledger.sqlite3") == "ok"


def _integrity(path: Path) -> str:
    import sqlite3

    link = sqlite3.connect(path)
    try:
        return str(link.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        link.close()


UNSAFE_SQLITE = ("import sys; import lawledger.settings as s; "
                 "s.DATABASES['default']['OPTIONS']['init_command'] = "
                 "'PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;'; "
                 "sys.argv = ['lawledger', *sys.argv[1:]]; "
                 "from lawledger.interfaces.cli.app import main; main()")


def test_it_refuses_to_start_when_the_database_could_lose_committed_entries(
        bare_firm: FreshFirm) -> None:
    firm = bare_firm

    def run(env: dict[str, str]) -> Result:
        command = [sys.executable, "-m", "lawledger"]
        if not ON_POSTGRESQL:
            command = [sys.executable, "-c", UNSAFE_SQLITE]
        done = subprocess.run([*command, "firm", "show", "--json"], env=env,
                              capture_output=True, text=True, timeout=120, check=False)
        return Result(done.returncode, done.stdout, done.stderr)

    expected = "synchronous is 0 (OFF)"
    if ON_POSTGRESQL:
        import psycopg

        with psycopg.connect(firm.env["DATABASE_URL"], autocommit=True) as link:
            name = link.execute("SELECT current_database()").fetchone()[0]
            link.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        expected = "synchronous_commit is off"
    refused = run(firm.env)
    assert (refused.code, _error(refused)["code"]) == (2, "unsafe_durability")
    assert expected in refused.stderr
    assert run({**firm.env, "LAWLEDGER_ALLOW_UNSAFE_DURABILITY": "1"}).code == 0


def test_the_scheduled_jobs_back_up_and_prune(bare_firm: FreshFirm, tmp_path: Path) -> None:
    firm = bare_firm
    _keygen(firm, tmp_path)
    backups, units = tmp_path / "backups", tmp_path / "units"
    units.mkdir()
    written = firm.json("backup", "schedule", str(backups), "--format", "systemd", "--out",
                        str(units), "--keep-daily", "1", "--keep-weekly", "0",
                        "--keep-monthly", "0")
    assert sorted(written["written"]) == ["lawledger-backup.service", "lawledger-backup.timer"]
    service = (units / "lawledger-backup.service").read_text().splitlines()
    home = next(line for line in service if line.startswith("Environment="))
    assert shlex.split(home.removeprefix("Environment=")) == [f"LAWLEDGER_HOME={firm.home}"]
    for prefix in ("ExecStart=", "ExecStartPost="):
        line = next(line for line in service if line.startswith(prefix))
        done = subprocess.run(shlex.split(line.removeprefix(prefix)), env=firm.env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
    assert len(list(backups.glob("*.age"))) == 1
    cron = firm.json("backup", "schedule", str(backups), "--format", "cron", "--keep-daily",
                     "1", "--keep-weekly", "0", "--keep-monthly", "0")
    job = cron["files"]["lawledger-backup.cron"].splitlines()[-1].split(" ", 5)[5]
    done = subprocess.run(["sh", "-c", job], env=firm.env, capture_output=True, text=True,
                          timeout=180, check=False)
    assert done.returncode == 0, (firm.home / "backup.log").read_text()
    names = sorted(p.name for p in backups.glob("*.age"))
    assert len(names) == 1  # the second backup was made, then the first pruned (1 daily)
