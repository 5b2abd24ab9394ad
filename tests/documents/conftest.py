"""Each documents test gets its own document store, so the tree it walks is its own."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "documents"
    monkeypatch.setattr("lawledger.documents.storage.storage_root", lambda: root)
    return root
