"""Key rotation: re-seal every encrypted value under the primary data key, in resumable batches.

`rotate` makes a new primary key unless a rotation is already under way (some value is still
sealed under an older key), then re-seals what is left batch by batch. Each batch is one
transaction inside the 'rekey' maintenance window (the only way past append-only triggers) with
its own audit record, so a crash loses at most the batch in flight and a rerun resumes. A value
is never sealed twice: re-sealing opens with the old key and seals the plaintext once, and a
value already under the primary key is left alone. A key is removed only when no value uses it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models, transaction

from lawledger.access.policy import require
from lawledger.audit.events import Event
from lawledger.audit.services import record
from lawledger.core.access import Action, Principal
from lawledger.core.errors import DecryptionFailed
from lawledger.crypto.errors import KeyInUse, KeyIsPrimary, UnknownKey
from lawledger.crypto.events import KeyEvent
from lawledger.crypto.fields import EncryptedTextField, Sealed, column_aad
from lawledger.crypto.keyring import KEYRING, create_data_key
from lawledger.crypto.models import DataKey
from lawledger.db import maintenance

# Tests set this to simulate a crash inside batch N (the batch's transaction is rolled back).
batch_hook: Callable[[int], None] | None = None

Progress = Callable[[int], None]


@dataclass(frozen=True)
class SealedColumns:
    model: type[models.Model]
    fields: tuple[EncryptedTextField, ...]


def sealed_columns() -> list[SealedColumns]:
    """Every model with encrypted fields, in a stable order."""
    found = []
    for model in sorted(apps.get_models(), key=lambda m: m._meta.db_table):
        fields = tuple(f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField))
        if fields:
            found.append(SealedColumns(model, fields))
    return found


def _rows(columns: SealedColumns, batch_size: int, after: Any = None) -> list[tuple[Any, ...]]:
    queryset = columns.model._base_manager.order_by("pk")
    if after is not None:
        queryset = queryset.filter(pk__gt=after)
    names = [f.attname for f in columns.fields]
    return list(queryset.values_list("pk", "public_id", *names)[:batch_size])


def _all_rows(columns: SealedColumns, batch_size: int = 2000) -> Iterator[tuple[Any, ...]]:
    after = None
    while rows := _rows(columns, batch_size, after):
        yield from rows
        after = rows[-1][0]


def key_usage() -> Counter[str]:
    """How many stored values each data key seals."""
    usage: Counter[str] = Counter()
    for columns in sealed_columns():
        for row in _all_rows(columns):
            for value in row[2:]:
                if isinstance(value, Sealed):
                    usage[KEYRING.key_id_of(value.token)] += 1
    return usage


@dataclass
class RotationResult:
    primary: str
    created: bool
    resealed: int = 0
    batches: int = 0
    tables: dict[str, int] = field(default_factory=dict)


def rotate(actor: Principal, *, batch_size: int = 500, progress: Progress | None = None,
           on_start: Callable[[int], None] | None = None) -> RotationResult:
    require(actor, Action.MANAGE_FIRM)
    if batch_size < 1:
        from lawledger.core.errors import InvalidInput

        raise InvalidInput("the batch size must be at least 1", param="batch_size")
    primary = KEYRING.primary_key_id()
    created = False
    # One pass over every sealed value: what is left to re-seal now, or (for a new primary
    # key) every value there is, since none is sealed under a key that does not exist yet.
    usage = key_usage()
    to_reseal = sum(count for key_id, count in usage.items() if key_id != primary)
    if to_reseal == 0:
        with transaction.atomic():
            primary = create_data_key(make_primary=True)
            record(actor, Event.DATA_KEY_CREATED, object_type="data_key", object_id=primary,
                   details={"primary": True, "reason": "rotation"})
        created = True
        to_reseal = sum(usage.values())
    result = RotationResult(primary=primary, created=created)
    if on_start is not None:
        on_start(to_reseal)
    for columns in sealed_columns():
        _reseal_table(actor, columns, result, batch_size, progress)
    with transaction.atomic():
        record(actor, Event.DATA_KEYS_ROTATED, object_type="data_key", object_id=primary,
               details={"resealed": result.resealed, "batches": result.batches,
                        "finished": True})
    return result


def _reseal_table(actor: Principal, columns: SealedColumns, result: RotationResult,
                  batch_size: int, progress: Progress | None) -> None:
    table = columns.model._meta.db_table
    after = None
    while True:
        with transaction.atomic():
            rows = _rows(columns, batch_size, after)
            if not rows:
                return
            after = rows[-1][0]
            updates = _resealed(columns, rows, result.primary)
            if updates:
                result.batches += 1
                with maintenance.window("rekey"):
                    for pk, values in updates:
                        columns.model._base_manager.filter(pk=pk).update(**values)
                    resealed = sum(len(values) for _, values in updates)
                    record(actor, Event.DATA_KEYS_ROTATED, object_type="table", object_id=table,
                           details={"to_key": result.primary, "rows": len(updates),
                                    "values": resealed, "batch": result.batches})
                    if batch_hook is not None:
                        batch_hook(result.batches)
        if updates:
            result.resealed += resealed
            result.tables[table] = result.tables.get(table, 0) + resealed
            if progress is not None:
                progress(resealed)


def _resealed(columns: SealedColumns, rows: list[tuple[Any, ...]],
              primary: str) -> list[tuple[Any, dict[str, Sealed]]]:
    table = columns.model._meta.db_table
    updates = []
    for pk, public_id, *values in rows:
        changed: dict[str, Sealed] = {}
        for column, value in zip(columns.fields, values, strict=True):
            if not isinstance(value, Sealed) or KEYRING.key_id_of(value.token) == primary:
                continue
            aad = column_aad(table, column.column, public_id)
            plaintext = KEYRING.open(value.token, aad)
            changed[column.attname] = Sealed(KEYRING.seal(plaintext, aad, key_id=primary))
        if changed:
            updates.append((pk, changed))
    return updates


@dataclass(frozen=True)
class KeyStatus:
    key_id: str
    primary: bool
    values: int


def key_status(actor: Principal) -> list[KeyStatus]:
    require(actor, Action.MANAGE_FIRM)
    usage = key_usage()
    with transaction.atomic():
        record(actor, KeyEvent.KEYS_LISTED, object_type="data_key")
    return [KeyStatus(row.key_id, row.is_primary, usage.get(row.key_id, 0))
            for row in DataKey.objects.order_by("created_at", "key_id")]


def remove_key(actor: Principal, key_id: str) -> None:
    """Delete a retired data key: refused while it is primary or any stored value uses it."""
    require(actor, Action.MANAGE_FIRM)
    with transaction.atomic():
        row = DataKey.objects.select_for_update().filter(key_id=key_id).first()
        if row is None:
            raise UnknownKey(f"no data key {key_id!r}", param="key_id")
        if row.is_primary:
            raise KeyIsPrimary(f"{key_id} is the primary data key: rotate to a new key first",
                               param="key_id")
        in_use = key_usage().get(key_id, 0)
        if in_use:
            raise KeyInUse(f"{key_id} still seals {in_use} stored values: run `lawledger keys "
                           "rotate` until none does", param="key_id")
        row.delete()
        record(actor, KeyEvent.KEY_REMOVED, object_type="data_key", object_id=key_id)
    KEYRING.reset()


@dataclass(frozen=True)
class KeyCheck:
    values: int
    undecryptable: list[str]


def verify_keys(actor: Principal) -> KeyCheck:
    """Open every stored value with the key ring; name the ones that do not open (table:row)."""
    require(actor, Action.MANAGE_FIRM)
    count = 0
    bad: list[str] = []
    for columns in sealed_columns():
        table = columns.model._meta.db_table
        for pk, public_id, *values in _all_rows(columns):
            for column, value in zip(columns.fields, values, strict=True):
                if not isinstance(value, Sealed):
                    continue
                count += 1
                try:
                    KEYRING.open(value.token, column_aad(table, column.column, public_id))
                except DecryptionFailed:
                    bad.append(f"{table}.{column.column}:{pk}")
    with transaction.atomic():
        record(actor, KeyEvent.KEYS_VERIFIED, object_type="data_key",
               outcome="ok" if not bad else "failed",
               details={"values": count, "undecryptable": len(bad)})
    return KeyCheck(count, bad)
