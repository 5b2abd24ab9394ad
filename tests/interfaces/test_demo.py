"""`lawledger demo` seeds a believable, deterministic firm; `lawledger serve` answers on its port."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import argon2
import pytest

from tests.cli import _base_env, fresh_firm

pytestmark = pytest.mark.slow

STAFF_ROLES = {"admin", "bookkeeper", "attorney", "paralegal", "auditor"}
ON_POSTGRESQL = bool(os.environ.get("DATABASE_URL"))


def _demo(home: Path) -> dict[str, Any]:
    env = _base_env(home)
    env.pop("DATABASE_URL", None)  # the demo is a SQLite firm of its own, whatever the suite uses
    done = subprocess.run([sys.executable, "-m", "lawledger", "demo", "--no-serve", "--json"],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _firm_contents(database: Path) -> dict[str, Any]:
    """What a visitor sees of the demo firm: people, clients, matters, balances and entries."""
    with sqlite3.connect(database) as db:
        def rows(sql: str) -> list[tuple[Any, ...]]:
            return db.execute(sql).fetchall()

        return {
            "users": rows("SELECT email, role, full_name, password FROM access_user ORDER BY email"),
            "clients": rows("SELECT number, name FROM firm_client ORDER BY number"),
            "matters": rows("SELECT m.number, m.title, c.number, u.email, m.status "
                            "FROM firm_matter m JOIN firm_client c ON c.id = m.client_id "
                            "LEFT JOIN access_user u ON u.id = m.responsible_id "
                            "ORDER BY m.number"),
            "balances": rows("SELECT la.kind, m.number, la.balance_minor FROM ledger_account la "
                             "LEFT JOIN firm_matter m ON m.id = la.matter_id "
                             "ORDER BY la.kind, m.number"),
            "entries": rows("SELECT e.effective_date, e.kind, e.amount_minor, m.number "
                            "FROM ledger_journal_entry e LEFT JOIN firm_matter m "
                            "ON m.id = e.matter_id ORDER BY e.id"),
        }


@pytest.mark.skipif(ON_POSTGRESQL, reason="the demo makes a SQLite firm by design (run in the "
                                          "SQLite suite); on PostgreSQL it must refuse, see below")
def test_the_demo_seeds_the_same_believable_firm_every_time(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = _demo(home)
    database = Path(first["home"]) / "lawledger.sqlite3"
    assert database.exists() and Path(first["home"]).parent == home.resolve()
    seeded = _firm_contents(database)

    logins = first["logins"]
    assert {login["role"] for login in logins} >= STAFF_ROLES
    stored = {email: (role, password) for email, role, _, password in seeded["users"]}
    for login in logins:  # every printed login works: its password opens the stored hash
        role, encoded = stored[login["email"]]
        assert role == login["role"]
        assert encoded.startswith("argon2$")
        assert argon2.PasswordHasher().verify(encoded.removeprefix("argon2"), login["password"])
    assert len(seeded["clients"]) == 20
    assert len(seeded["matters"]) == 40
    assert all(responsible for *_, responsible, _ in seeded["matters"])
    client_balances = [minor for kind, _, minor in seeded["balances"] if kind == "client"]
    assert sum(1 for minor in client_balances if minor > 0) >= 10
    assert all(minor >= 0 for minor in client_balances)
    kinds = {kind for _, kind, _, _ in seeded["entries"]}
    assert {"deposit", "disbursement", "earned_fee"} <= kinds

    second = _demo(home)  # a second run replaces the demo with the very same firm
    assert [(x["role"], x["email"]) for x in second["logins"]] == [
        (x["role"], x["email"]) for x in logins]
    again = _firm_contents(database)
    for part in ("clients", "matters", "balances", "entries"):
        assert again[part] == seeded[part], part
    assert [user[:3] for user in again["users"]] == [user[:3] for user in seeded["users"]]


@pytest.mark.skipif(not ON_POSTGRESQL, reason="only meaningful with DATABASE_URL set")
def test_the_demo_refuses_to_run_against_a_postgresql_database(tmp_path: Path) -> None:
    env = _base_env(tmp_path / "home")
    env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    done = subprocess.run([sys.executable, "-m", "lawledger", "demo", "--no-serve"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert "DATABASE_URL" in done.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError):
        return 0


def test_serve_answers_the_login_page_on_its_port(tmp_path: Path) -> None:
    with fresh_firm(tmp_path) as firm:
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "lawledger", "serve", "--host", "127.0.0.1", "--port",
             str(port), "--workers", "1"], env=firm.env, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            status = 0
            deadline = time.monotonic() + 90
            while status != 200 and time.monotonic() < deadline and server.poll() is None:
                time.sleep(0.3)
                status = _get(f"http://127.0.0.1:{port}/login/")
            assert status == 200, server.stderr.read() if server.poll() is not None else status
            assert _get(f"http://127.0.0.1:{port}/") == 200  # redirected to the login page
        finally:
            server.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)  # the session this test started
                server.wait(timeout=30)
