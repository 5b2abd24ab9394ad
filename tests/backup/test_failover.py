"""The PostgreSQL failover drill: a synchronous streaming replica takes over from a killed primary.

A primary and a replica (pg_basebackup -R, synchronous_standby_names='*') on loopback, started
here as the postgres user and always stopped and removed afterwards. A writer posts trust
deposits and prints each id once its commit returned; the primary is SIGKILLed mid-stream; the
replica is promoted; lawledger, pointed at it, finds every committed entry, verifies the audit
chain and posts again. Runs only in the PostgreSQL run (`-m failover` selects it alone).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli import FreshFirm

pytestmark = [
    pytest.mark.failover, pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL"),
                       reason="the failover drill runs in the PostgreSQL run only"),
]

WRITER = """
import sys
from lawledger import bootstrap
bootstrap.setup()
from lawledger.core.access import Principal
from lawledger.ledger.services import trust_deposit_record
operator = Principal.operator("failover-drill")
while True:
    result = trust_deposit_record(actor=operator, matter="M-0001", amount="1.00",
                                  account="IOLTA", date="2026-03-10", payor="Drill")
    print(result.entry.public_id, flush=True)
"""


def _bindir() -> Path:
    configured = os.environ.get("LAWLEDGER_PG_BINDIR")
    found = [configured] if configured else sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not found or not Path(found[-1], "initdb").exists():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) not installed")
    return Path(found[-1])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class Cluster:
    bindir: Path
    data: Path
    port: int

    def run(self, *args: str) -> None:
        done = subprocess.run(_as_postgres([str(self.bindir / args[0]), *args[1:]]),
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, f"{args[0]} failed: {done.stderr}"

    def configure(self, **settings: str) -> None:
        with open(self.data / "postgresql.conf", "a") as conf:
            for key, value in settings.items():
                conf.write(f"{key} = '{value}'\n")

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-l",
                 str(self.data.parent / f"{self.data.name}.log"), "start")

    def pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def kill(self) -> None:
        """SIGKILL the postmaster and every process it started: a crash, not a shutdown."""
        pid = self.pid()
        if pid is None:
            return
        children = [int(p.parent.name) for p in Path("/proc").glob("[0-9]*/status")
                    if _ppid(p) == pid]
        for victim in [pid, *children]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.05)


def _ppid(status: Path) -> int | None:
    try:
        for line in status.read_text().splitlines():
            if line.startswith("PPid:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(
        f"/proc/{pid}/status").read_text()


@pytest.fixture
def clusters() -> Iterator[tuple[Cluster, Cluster]]:
    bindir = _bindir()
    work = Path(tempfile.mkdtemp(prefix="lawledger-failover-"))
    if os.geteuid() == 0:
        shutil.chown(work, "postgres", "postgres")
    primary = Cluster(bindir, work / "primary", _free_port())
    replica = Cluster(bindir, work / "replica", _free_port())
    try:
        yield primary, replica
    finally:
        for cluster in (replica, primary):
            cluster.kill()
        shutil.rmtree(work, ignore_errors=True)


def _start_pair(primary: Cluster, replica: Cluster) -> None:
    primary.run("initdb", "-D", str(primary.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                "--locale=C.UTF-8", "--data-checksums")
    primary.configure(port=str(primary.port), listen_addresses="127.0.0.1",
                      unix_socket_directories=str(primary.data.parent), wal_level="replica",
                      max_wal_senders="5", synchronous_standby_names="*",
                      synchronous_commit="on")
    primary.start()
    replica.run("pg_basebackup", "-D", str(replica.data), "-h", "127.0.0.1", "-p",
                str(primary.port), "-U", "postgres", "-R", "-X", "stream", "--checkpoint=fast")
    # After promotion nobody replicates from it yet: it must not wait for a standby.
    replica.configure(port=str(replica.port), synchronous_standby_names="",
                      cluster_name="replica1")
    replica.start()
    import psycopg

    deadline = time.monotonic() + 60
    with psycopg.connect(primary.url(), autocommit=True) as link:
        while time.monotonic() < deadline:
            row = link.execute("SELECT sync_state FROM pg_stat_replication").fetchone()
            if row and row[0] == "sync":
                break
            time.sleep(0.1)
        else:
            pytest.fail("the replica never became a synchronous standby")
        link.execute("CREATE DATABASE firm")


def test_a_promoted_synchronous_replica_has_every_committed_entry(
        clusters: tuple[Cluster, Cluster], tmp_path: Path) -> None:
    primary, replica = clusters
    _start_pair(primary, replica)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LAWLEDGER_", "DJANGO_", "PYTEST_"))}
    home = tmp_path / "home"
    firm = FreshFirm(home, {**env, "LAWLEDGER_HOME": str(home),
                            "DATABASE_URL": primary.url("firm")})
    firm.ok("init")
    firm.ok("account", "add", "IOLTA", "--kind", "trust")
    firm.ok("client", "add", "Acme Corp")
    firm.ok("matter", "open", "C-0001", "Sale of premises")

    writer = subprocess.Popen([sys.executable, "-c", WRITER], env=firm.env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    committed: list[str] = []
    try:
        assert writer.stdout is not None
        for line in writer.stdout:
            committed.append(line.strip())
            if len(committed) == 40:
                primary.kill()
                break
        rest, _ = writer.communicate(timeout=120)
        committed += [line.strip() for line in rest.splitlines() if line.strip()]
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert writer.returncode != 0  # it lost its server
    replica.run("pg_ctl", "-D", str(replica.data), "-w", "-t", "60", "promote")

    failed_over = FreshFirm(home, {**firm.env, "DATABASE_URL": replica.url("firm")})
    ledger = failed_over.json("trust", "ledger", "M-0001")
    present = {entry["id"] for entry in ledger["entries"]}
    assert set(committed) <= present  # every commit the writer was told about survived
    assert len(present - set(committed)) <= 1  # at most the one in flight when it died
    assert ledger["balance"] == f"{len(present)}.00"
    assert failed_over.ok("audit", "verify").code == 0
    failed_over.ok("trust", "deposit", "M-0001", "5.00", "--account", "IOLTA", "--date",
                   "2026-03-11", "--from", "After the failover")
    assert failed_over.json("trust", "ledger", "M-0001")["balance"] == f"{len(present) + 5}.00"
