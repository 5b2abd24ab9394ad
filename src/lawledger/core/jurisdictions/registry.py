"""The packs lawledger knows, by code. Adding one is a module with a `PACK` and a line below."""

from __future__ import annotations

from lawledger.core.errors import InvalidInput
from lawledger.core.jurisdictions import aba, ca, ew, fl, nc, nsw, on, wa
from lawledger.core.jurisdictions.model import Pack

_PACKS: dict[str, Pack] = {}


def register(pack: Pack) -> Pack:
    """Make `pack` available under its code (a code may be registered once)."""
    if not pack.code or not pack.code.isalnum() or pack.code != pack.code.lower():
        raise ValueError(f"a pack code is lower-case letters and digits, not {pack.code!r}")
    if pack.code in _PACKS and _PACKS[pack.code] is not pack:
        raise ValueError(f"a pack {pack.code!r} is already registered")
    if not pack.cadences:
        raise ValueError(f"pack {pack.code!r} has no reconciliation cadence")
    _PACKS[pack.code] = pack
    return pack


def get_pack(code: str, *, param: str = "jurisdiction") -> Pack:
    pack = _PACKS.get((code or "").strip().lower())
    if pack is None:
        raise InvalidInput(f"{param}: {code!r} is not one of {', '.join(_PACKS)}", param=param)
    return pack


def all_packs() -> tuple[Pack, ...]:
    return tuple(_PACKS.values())


def codes() -> tuple[str, ...]:
    return tuple(_PACKS)


for _module in (aba, wa, ca, fl, nc, ew, on, nsw):
    register(_module.PACK)
