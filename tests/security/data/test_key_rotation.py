"""Keys rotate without data loss, resumably, and a key in use cannot be removed (F4, E2).

Values are sealed under k1, k2 becomes primary through `rotate`, every value is re-sealed in
batches inside the 'rekey' maintenance window, and the plaintexts read back hash-equal. A crash
inside a batch (the hook raises in the batch's transaction) loses only that batch; a rerun
resumes to the same key, never makes a third, and never seals a value twice.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from lawledger.audit.models import AuditRecord
from lawledger.audit.verify import verify_chain
from lawledger.core import clock
from lawledger.core.access import Role
from lawledger.core.errors import PermissionDenied
from lawledger.crypto import rotation
from lawledger.crypto.errors import KeyInUse, KeyIsPrimary, UnknownKey
from lawledger.crypto.keyring import KEYRING
from lawledger.crypto.models import DataKey
from lawledger.firm.models import Client
from lawledger.firm.services import client_add
from lawledger.ledger.models import JournalEntry
from tests import factories
from tests.cli import fresh_firm
from tests.factories import OPERATOR

CLIENTS = 240


def _plant() -> dict[str, str]:
    """Clients with sealed notes (bulk, for numbers) plus trust entries with memos and payors."""
    setup = factories.trust_firm()
    Client.objects.bulk_create(
        Client(number=f"C-9{n:04d}", name=f"Bulk {n}", notes=f"note {n} canary-{n * 7919}",
               created_at=clock.now())
        for n in range(CLIENTS))
    for n in range(3):
        factories.deposit(setup["matter"], f"{n + 1}0.00", payor=f"payor {n}", memo=f"memo {n}")
    return {"matter": setup["matter"]}


def _plaintexts() -> str:
    """One digest over every confidential plaintext, read through the models (opens each)."""
    digest = hashlib.sha256()
    for client in Client.objects.order_by("pk"):
        digest.update(f"{client.pk}|{client.notes}|{client.email}".encode())
    for entry in JournalEntry.objects.order_by("pk"):
        digest.update(f"{entry.pk}|{entry.payor}|{entry.memo}|{entry.payee}".encode())
    return digest.hexdigest()


@pytest.mark.django_db
def test_rotation_reseals_every_value_under_a_new_key_and_loses_nothing() -> None:
    _plant()
    before = _plaintexts()
    usage = rotation.key_usage()
    assert set(usage) == {"k1"} and usage["k1"] >= CLIENTS + 6
    with pytest.raises(KeyIsPrimary):
        rotation.remove_key(OPERATOR, "k1")

    result = rotation.rotate(OPERATOR, batch_size=50)

    assert (result.primary, result.created) == ("k2", True)
    assert result.resealed == usage["k1"]
    assert result.tables["firm_client"] == CLIENTS
    assert rotation.key_usage() == {"k2": usage["k1"]}
    KEYRING.reset()
    assert _plaintexts() == before
    assert rotation.verify_keys(OPERATOR).undecryptable == []
    rotation.remove_key(OPERATOR, "k1")
    assert list(DataKey.objects.values_list("key_id", flat=True)) == ["k2"]
    assert _plaintexts() == before
    events = list(AuditRecord.objects.filter(event__startswith="keys.").order_by("seq").values_list(
        "event", flat=True))
    assert events[0] == "keys.created" and events[-2:] == ["keys.verified", "keys.removed"]
    assert events.count("keys.rotated") == result.batches + 1
    assert verify_chain().ok


@pytest.mark.django_db
def test_a_key_still_sealing_values_cannot_be_removed() -> None:
    _plant()
    from lawledger.crypto.keyring import create_data_key

    create_data_key(make_primary=True)
    with pytest.raises(KeyInUse, match=r"k1 still seals \d+ stored values"):
        rotation.remove_key(OPERATOR, "k1")
    with pytest.raises(UnknownKey):
        rotation.remove_key(OPERATOR, "k9")
    assert sorted(DataKey.objects.values_list("key_id", flat=True)) == ["k1", "k2"]


@pytest.mark.django_db
def test_a_crash_inside_a_batch_loses_only_that_batch_and_a_rerun_resumes() -> None:
    _plant()
    before = _plaintexts()
    total = sum(rotation.key_usage().values())

    def crash(batch: int) -> None:
        if batch == 3:
            raise RuntimeError("power cut")

    rotation.batch_hook = crash
    try:
        with pytest.raises(RuntimeError, match="power cut"):
            rotation.rotate(OPERATOR, batch_size=40)
    finally:
        rotation.batch_hook = None
    usage = rotation.key_usage()
    # two whole batches (of up to 40 rows each) committed, the third rolled back
    assert 2 <= usage["k2"] <= 2 * 40 * 4 and usage["k1"] + usage["k2"] == total
    assert rotation.verify_keys(OPERATOR).undecryptable == []
    KEYRING.reset()
    assert _plaintexts() == before

    resumed = rotation.rotate(OPERATOR, batch_size=40)

    assert (resumed.primary, resumed.created, resumed.resealed) == ("k2", False, usage["k1"])
    assert rotation.key_usage() == {"k2": total}
    assert sorted(DataKey.objects.values_list("key_id", flat=True)) == ["k1", "k2"]
    assert _plaintexts() == before
    again = rotation.rotate(OPERATOR, batch_size=40)  # nothing pending: a new rotation starts
    assert (again.primary, again.created, again.resealed) == ("k3", True, total)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.BOOKKEEPER, Role.ATTORNEY, Role.PARALEGAL, Role.AUDITOR,
                                  Role.CLIENT])
def test_only_an_admin_or_the_operator_manages_keys(role: Role) -> None:
    factories.firm()
    client = factories.client("Acme") if role == Role.CLIENT else None
    who = factories.user(role, email=f"{role}@firm.example", client=client)
    for attempt in (lambda: rotation.rotate(who), lambda: rotation.remove_key(who, "k1"),
                    lambda: rotation.key_status(who), lambda: rotation.verify_keys(who)):
        with pytest.raises(PermissionDenied):
            attempt()
    admin = factories.user(Role.ADMIN, email="admin@firm.example")
    assert [k.key_id for k in rotation.key_status(admin)] == ["k1"]
    assert list(DataKey.objects.values_list("key_id", flat=True)) == ["k1"]


@pytest.mark.django_db
def test_a_value_sealed_under_a_missing_key_is_named_by_verify() -> None:
    factories.firm()
    client_add(actor=OPERATOR, name="Acme", notes="sealed under k1")
    from lawledger.crypto.keyring import create_data_key

    create_data_key(make_primary=True)
    DataKey.objects.filter(key_id="k1").delete()  # removed behind the app's back
    KEYRING.reset()
    check = rotation.verify_keys(OPERATOR)
    pk = Client.objects.get(name="Acme").pk
    assert check.undecryptable == [f"firm_client.notes:{pk}"]


@pytest.mark.slow
def test_the_keys_commands_keep_their_contract(tmp_path: Path) -> None:
    with fresh_firm(tmp_path) as firm:
        firm.ok("client", "add", "Acme", "--notes", "privileged")
        firm.ok("matter", "open", "C-0001", "Deal")
        firm.ok("account", "add", "IOLTA", "--kind", "trust")
        firm.ok("trust", "deposit", "M-0001", "10.00", "--account", "IOLTA", "--date",
                "2026-03-10", "--from", "Acme", "--memo", "retainer memo")
        assert firm.json("keys", "list")["keys"][0]["key_id"] == "k1"
        rotated = firm.json("keys", "rotate", "--batch-size", "1")
        assert (rotated["primary"], rotated["created"]) == ("k2", True)
        assert rotated["resealed"] >= rotated["batches"] >= 1
        assert firm.json("keys", "verify")["ok"] is True
        refused = firm.run("keys", "remove", "k2", "--json")
        assert refused.code == 1 and refused.json["error"]["code"] == "key_is_primary"
        assert firm.json("keys", "remove", "k1") == {"removed": "k1"}
        ledger = firm.json("trust", "ledger", "M-0001")
        assert [e["memo"] for e in ledger["entries"]] == ["retainer memo"]
