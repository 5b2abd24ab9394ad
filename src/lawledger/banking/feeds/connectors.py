"""The connector interface every bank feed implements, and the registry of connectors by name.

A connector fetches, for one bank account, the lines booked since a cursor — an opaque string it
alone understands ("" at the start). It answers one page at a time: the lines, the cursor that
follows them, and whether more are waiting. Every line must carry the bank's own transaction id
(`bank_reference`): the import deduplicates by it, which is what makes a feed idempotent when a
bank repeats or reorders lines across pages. A connector raises FeedUnavailable when the bank
does not answer usably; it never returns a partial page as if it were whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from lawledger.banking.feeds.errors import FeedLineInvalid
from lawledger.core.formats.statement import StatementLine


@dataclass(frozen=True, slots=True)
class FeedAccount:
    """What a connector is told about the account it reads."""

    name: str
    currency: str
    settings: dict[str, Any]


@dataclass(frozen=True, slots=True)
class FeedPage:
    lines: tuple[StatementLine, ...]
    next_cursor: str
    has_more: bool = False
    files: tuple[tuple[str, bytes], ...] = field(default_factory=tuple)  # whole statement files


class Connector(Protocol):
    name: str

    def fetch(self, account: FeedAccount, cursor: str) -> FeedPage: ...


CONNECTORS: dict[str, Callable[[dict[str, Any]], Connector]] = {}


def register(name: str, factory: Callable[[dict[str, Any]], Connector]) -> None:
    CONNECTORS[name] = factory


def build(name: str, settings: dict[str, Any]) -> Connector:
    factory = CONNECTORS.get(name)
    if factory is None:
        from lawledger.core.errors import InvalidInput

        raise InvalidInput(f"connector: {name!r} is not one of {', '.join(sorted(CONNECTORS))}",
                           param="connector")
    return factory(settings)


def checked_lines(lines: tuple[StatementLine, ...]) -> tuple[StatementLine, ...]:
    """The page's lines, refused whole if one lacks the bank's transaction id."""
    for position, line in enumerate(lines, start=1):
        if not (line.bank_reference or "").strip():
            raise FeedLineInvalid(f"line {position}: no bank transaction id: a feed line must "
                                  "carry one so that it is imported once", param="line")
    return lines
