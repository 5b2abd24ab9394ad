"""Firms to benchmark (a home directory with keys, and a SQLite file or a PostgreSQL database),
and processes measured with wait4 (wall time and peak resident memory).

A generated firm is made once per engine and size and copied for every benchmark that writes
(a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL), so each run starts equal.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Measured:
    seconds: float
    peak_rss_mib: float
    stdout: str
    stderr: str
    code: int

    def result(self) -> dict[str, Any]:
        if self.code != 0:
            raise RuntimeError(f"benchmark process failed ({self.code}): {self.stderr[-3000:]}")
        return json.loads(self.stdout.strip().splitlines()[-1])


def measure(command: list[str], env: dict[str, str], *, cwd: Path = REPO) -> Measured:
    """Run a command to its end; its wall time and peak RSS (of that process alone, via wait4)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(seconds, usage.ru_maxrss / 1024, out.read(), err.read(), process.returncode)


@dataclass
class Firm:
    home: Path
    database_url: str | None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("LAWLEDGER_", "DJANGO_", "PYTEST_"))}
        env["LAWLEDGER_HOME"] = str(self.home)
        env["PYTHONPATH"] = str(REPO)
        env.pop("DATABASE_URL", None)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def worker(self, task: str, **args: Any) -> tuple[dict[str, Any], Measured]:
        measured = measure([sys.executable, "-m", "bench.worker", task, json.dumps(args)],
                           self.env())
        return measured.result(), measured

    def lawledger(self, *args: str) -> Measured:
        return measure([sys.executable, "-m", "lawledger", *args], self.env())


class Firms:
    """Makes, copies and drops firms under one work directory (and one PostgreSQL server)."""

    def __init__(self, workdir: Path, engine: str, *, migrate_copies: bool = True) -> None:
        self.workdir = workdir
        self.migrate_copies = migrate_copies
        self.engine = engine
        self.base_url = os.environ.get("DATABASE_URL") if engine == "postgres" else None
        if engine == "postgres" and not self.base_url:
            raise SystemExit("--engine postgres needs DATABASE_URL (e.g. scripts/with-postgres)")
        self.made: list[Firm] = []
        self.template: Firm | None = None
        workdir.mkdir(parents=True, exist_ok=True)

    def _url(self, name: str) -> str | None:
        if not self.base_url:
            return None
        return urlunparse(urlparse(self.base_url)._replace(path="/" + name))

    def _admin(self, sql: str) -> None:
        import psycopg

        assert self.base_url is not None
        with psycopg.connect(self.base_url, autocommit=True) as connection:
            connection.execute(sql)

    def fresh(self, label: str) -> Firm:
        """An initialised, empty firm: `lawledger init` once, then copies of that firm."""
        if self.template is None:
            name = f"bench_template_{secrets.token_hex(3)}"
            if self.base_url:
                self._admin(f'CREATE DATABASE "{name}"')
            self.template = Firm(self.workdir / name, self._url(name))
            self.template.worker("init")
        return self.copy(self.template, label)

    def copy(self, source: Firm, label: str) -> Firm:
        name = f"bench_{label}_{secrets.token_hex(3)}"
        home = self.workdir / name
        if self.base_url:
            assert source.database_url is not None
            source_db = urlparse(source.database_url).path.lstrip("/")
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{source_db}"')
            shutil.copytree(source.home, home)
        else:
            checkpoint(source.home / "lawledger.sqlite3")
            shutil.copytree(source.home, home)
        firm = Firm(home, self._url(name))
        self.made.append(firm)
        if self.migrate_copies:  # a long run: the tree may have gained a migration meanwhile
            firm.worker("migrate")
        return firm

    def drop(self, firm: Firm, *, keep_home: bool = False) -> None:
        if firm.database_url:
            name = urlparse(firm.database_url).path.lstrip("/")
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not keep_home:
            shutil.rmtree(firm.home, ignore_errors=True)
        if firm in self.made:
            self.made.remove(firm)

    def drop_all(self) -> None:
        for firm in list(self.made):
            self.drop(firm)
        if self.template is not None:
            self.drop(self.template)
            self.template = None


def checkpoint(path: Path) -> None:
    """Fold the WAL into the database file so that a file copy is the whole database."""
    if path.exists():
        connection = sqlite3.connect(path)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
