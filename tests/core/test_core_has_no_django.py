"""The domain core imports nothing of Django or of the apps above it (STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import lawledger.core

CORE = Path(lawledger.core.__file__).parent
FORBIDDEN = ("django", "lawledger.access", "lawledger.audit", "lawledger.crypto", "lawledger.firm",
             "lawledger.ledger", "lawledger.interfaces", "lawledger.db", "lawledger.settings",
             "lawledger.banking", "lawledger.billing", "lawledger.backup")


def test_it_finds_no_forbidden_import_in_the_core() -> None:
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith(FORBIDDEN):
                    offenders.append(f"{path.name}:{node.lineno} imports {name}")
    assert offenders == []
