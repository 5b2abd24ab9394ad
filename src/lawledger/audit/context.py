"""Where a request came from (cli, web with its address, api), set once by each interface."""

from __future__ import annotations

from contextvars import ContextVar

_source: ContextVar[str] = ContextVar("lawledger_audit_source", default="local")


def set_source(source: str) -> None:
    _source.set(_clean(source))


def current_source() -> str:
    return _source.get()


def _clean(text: str) -> str:
    # Control characters (newlines, ANSI escapes) never reach the audit log or a terminal (C7).
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:128]
