"""CLI commands of the banking area (registered on the root app by `register`)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands and groups to the root `lawledger` app."""
