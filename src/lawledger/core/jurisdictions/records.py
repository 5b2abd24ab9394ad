"""Which fields a trust record must carry under a pack, and which a given record lacks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lawledger.core.jurisdictions.model import Pack


@dataclass(frozen=True, slots=True)
class MissingField:
    field: str
    source: str


def missing_fields(pack: Pack, kind: str, method: str,
                   values: Mapping[str, object]) -> tuple[MissingField, ...]:
    """The required fields an entry of `kind` paid by `method` leaves empty in `values`."""
    missing = []
    for requirement in pack.records:
        if kind not in requirement.kinds:
            continue
        if requirement.methods and method not in requirement.methods:
            continue
        value = values.get(requirement.field.value)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(MissingField(requirement.field.value, requirement.source))
    return tuple(missing)
