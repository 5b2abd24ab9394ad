"""The built-in connector: a folder watched for new statement files in any supported format.

Each new file in the folder (not in its `imported/` or `rejected/` sub-folders) is one page,
oldest first; it goes through the same parsing, import and deduplication as a file uploaded by
hand. Once the page is committed the file moves to `imported/`; a file that cannot be read moves
to `rejected/` (and the feed shows the error) so that one bad file does not block the rest.
Hidden and partly written files (names starting with "." or ending in ".part" or ".tmp") are left
alone until the writer renames them into place.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lawledger.banking.feeds.connectors import FeedAccount, FeedPage, register
from lawledger.banking.feeds.errors import FeedUnavailable
from lawledger.banking.imports import MAX_STATEMENT_BYTES
from lawledger.core.errors import InvalidInput

IMPORTED = "imported"
REJECTED = "rejected"


class FileDropConnector:
    name = "file_drop"

    def __init__(self, settings: dict[str, Any]) -> None:
        folder = str(settings.get("folder") or "").strip()
        if not folder:
            raise InvalidInput("folder: a file-drop feed needs a folder", param="folder")
        self.folder = Path(folder)

    def _waiting(self) -> list[Path]:
        try:
            entries = list(os.scandir(self.folder))
        except OSError as error:
            raise FeedUnavailable(f"folder: cannot read {self.folder}: {error.strerror}",
                                  param="folder") from None
        files = [Path(entry.path) for entry in entries
                 if entry.is_file(follow_symlinks=False) and not entry.name.startswith(".")
                 and not entry.name.endswith((".part", ".tmp"))]
        return sorted(files, key=lambda path: (path.stat().st_mtime_ns, path.name))

    def fetch(self, account: FeedAccount, cursor: str) -> FeedPage:
        waiting = self._waiting()
        if not waiting:
            return FeedPage(lines=(), next_cursor=cursor)
        first = waiting[0]
        with first.open("rb") as handle:
            data = handle.read(MAX_STATEMENT_BYTES + 1)  # one byte over: refused by its size
        return FeedPage(lines=(), next_cursor=first.name, has_more=len(waiting) > 1,
                        files=((first.name, data),))

    def _move(self, name: str, where: str) -> None:
        target = self.folder / where
        target.mkdir(exist_ok=True)
        source = self.folder / name
        destination = target / name
        if destination.exists():
            destination = target / f"{source.stem}-{os.urandom(4).hex()}{source.suffix}"
        source.replace(destination)

    def acknowledge(self, page: FeedPage) -> None:
        for name, _ in page.files:
            self._move(name, IMPORTED)

    def reject(self, page: FeedPage) -> None:
        for name, _ in page.files:
            self._move(name, REJECTED)


register("file_drop", FileDropConnector)
