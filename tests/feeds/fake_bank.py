"""A fake bank on loopback for feed tests: serves an account's transactions as paged JSON and
misbehaves on cue — repeats lines across pages, reorders them, stalls past the client's timeout,
answers HTTP errors and sends documents that are not JSON."""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeBank:
    transactions: list[dict[str, Any]]
    page_size: int = 5
    # Request number (1-based) → what goes wrong: "timeout", "500", "503", "garbage", "truncated".
    faults: dict[int, str] = field(default_factory=dict)
    overlap: int = 2          # every page also repeats this many lines of the page before
    reorder: bool = True      # lines within a page come in a shuffled order
    stall_seconds: float = 1.5
    requests: int = 0
    seed: int = 7

    def page(self, cursor: str) -> dict[str, Any]:
        offset = int(cursor or "0")
        start = max(0, offset - self.overlap)
        lines = self.transactions[start:offset + self.page_size]
        if self.reorder:
            lines = random.Random(self.seed + offset).sample(lines, len(lines))
        following = min(offset + self.page_size, len(self.transactions))
        return {"transactions": lines, "next_cursor": str(following),
                "has_more": following < len(self.transactions)}


def transactions(count: int) -> list[dict[str, Any]]:
    return [{"id": f"T{number:04d}", "booked_on": f"2026-03-{1 + number % 28:02d}",
             "amount_minor": (number * 137) % 9000 + 100 if number % 3 else -(number * 59 + 10),
             "currency": "USD", "description": f"line {number}", "counterparty": "Payor"}
            for number in range(1, count + 1)]


def _handler(bank: FakeBank) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            return

        def do_GET(self) -> None:
            bank.requests += 1
            fault = bank.faults.get(bank.requests)
            query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
            if fault == "timeout":
                time.sleep(bank.stall_seconds)
            if fault in ("500", "503"):
                self._send(int(fault), b'{"error": "try later"}')
                return
            if fault == "garbage":
                self._send(200, b"<html>maintenance</html>")
                return
            body = json.dumps(bank.page(query.get("cursor", [""])[0])).encode()
            self._send(200, body[:len(body) // 2] if fault == "truncated" else body)

        def _send(self, status: int, body: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout): nothing to answer

    return Handler


@contextmanager
def serving(bank: FakeBank) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(bank))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
