"""Drive `lawledger` as a separate process on a fresh firm, the way scripts and acceptance checks do.

On PostgreSQL each fresh firm gets a database of its own on the test cluster, dropped afterwards.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


class FreshFirm:
    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.home = home
        self.env = env

    def run(self, *args: str, input: str | None = None, as_: str | None = None,
            timeout: float = 120) -> Result:
        command = [sys.executable, "-m", "lawledger", *args]
        if as_:
            command += ["--as", as_]
        done = subprocess.run(command, env=self.env, input=input, capture_output=True, text=True,
                              timeout=timeout, check=False)
        return Result(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str, **kwargs: Any) -> Result:
        result = self.run(*args, **kwargs)
        assert result.code == 0, f"{args} exited {result.code}: {result.stderr}"
        return result

    def json(self, *args: str, **kwargs: Any) -> Any:
        return self.ok(*args, "--json", **kwargs).json


def _base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LAWLEDGER_", "DJANGO_", "PYTEST_"))}
    env["LAWLEDGER_HOME"] = str(home)
    return env


@contextmanager
def fresh_database() -> Iterator[str | None]:
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield None
        return
    import psycopg

    name = "cli_" + secrets.token_hex(6)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    parsed = urlparse(url)
    try:
        yield urlunparse(parsed._replace(path="/" + name))
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_firm(tmp_path: Path, *, init: bool = True) -> Iterator[FreshFirm]:
    home = tmp_path / "home"
    with fresh_database() as url:
        env = _base_env(home)
        if url:
            env["DATABASE_URL"] = url
        firm = FreshFirm(home, env)
        if init:
            firm.ok("init")
        yield firm
