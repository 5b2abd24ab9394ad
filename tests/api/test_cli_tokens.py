"""`lawledger token create | list | revoke` as scripts call it: JSON, exit codes, secret once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import FreshFirm, fresh_firm

pytestmark = pytest.mark.slow


@pytest.fixture
def firm(tmp_path: Path) -> Iterator[FreshFirm]:
    with fresh_firm(tmp_path) as made:
        made.ok("user", "add", "books@firm.example", "--role", "bookkeeper")
        yield made


def test_a_token_is_minted_shown_once_listed_and_revoked(firm: FreshFirm) -> None:
    made = firm.json("token", "create", "Payments sync", "--user", "books@firm.example",
                     "--scope", "ledger:write", "--scope", "ledger:read",
                     "--expires-in-days", "30")
    assert made["secret"].startswith("llt_")
    assert (made["user"], made["scopes"], made["status"], made["clients"]) == (
        "books@firm.example", ["ledger:read", "ledger:write"], "active", None)
    listing = firm.run("token", "list", "--all", "--json")
    assert listing.code == 0 and made["secret"] not in listing.stdout
    assert [(t["id"], t["name"], "secret" in t) for t in listing.json["tokens"]] == [
        (made["id"], "Payments sync", False)]
    revoked = firm.json("token", "revoke", made["id"])
    assert (revoked["id"], revoked["status"]) == (made["id"], "revoked")


def test_a_refusal_exits_1_bad_input_exits_2_and_users_mint_their_own(firm: FreshFirm) -> None:
    beyond = firm.run("token", "create", "x", "--user", "books@firm.example",
                      "--scope", "audit:read", "--json")
    assert beyond.code == 1
    assert beyond.json["error"]["code"] == "permission_denied"
    unknown = firm.run("token", "create", "x", "--user", "books@firm.example",
                       "--scope", "ledger:everything")
    assert unknown.code == 2 and "invalid_input" in unknown.stderr
    other = firm.run("token", "create", "theirs", "--scope", "ledger:read", "--user",
                     "boss@firm.example", as_="books@firm.example")
    assert other.code == 1 and "permission_denied" in other.stderr
    own = firm.json("token", "create", "mine", "--scope", "ledger:read",
                    as_="books@firm.example")
    assert (own["user"], own["name"]) == ("books@firm.example", "mine")
