"""A bounded HTTP load generator, run as a process of its own: `python -m bench.load 'JSON'`.

JSON: {"port", "paths": [...], "users", "requests", "seconds", "cookie"}. `users` keep-alive
connections (asyncio, one process) each send GET requests for `paths` in turn until `requests`
responses have been received in all or `seconds` have passed, whichever comes first. Prints one
JSON line: responses, errors (non-200 or broken connections), elapsed seconds, requests per second
and latency percentiles in ms (p50, p95, p99, max) overall and per path.

Deliberately small: Debian's `wrk` would load the machine less, but it is not installed here and
cannot report p95 without a Lua script; this keeps the benchmark runnable wherever Python is.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from typing import Any

REQUEST_TIMEOUT_S = 60.0  # a response slower than this counts as an error, not a hang


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(latencies_ms: list[float]) -> dict[str, float]:
    return {"p50": percentile(latencies_ms, 0.50), "p95": percentile(latencies_ms, 0.95),
            "p99": percentile(latencies_ms, 0.99), "max": max(latencies_ms, default=0.0),
            "mean": statistics.fmean(latencies_ms) if latencies_ms else 0.0}


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, connection still usable) after reading one whole response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {name.strip().lower(): value.strip() for name, _, value in
               (line.partition(":") for line in lines[1:] if line)}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    else:
        await reader.read()
        return status, False
    return status, headers.get("connection", "").lower() != "close"


class Load:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.port = int(spec["port"])
        self.paths = list(spec["paths"])
        self.limit = int(spec["requests"])
        self.deadline = time.monotonic() + float(spec["seconds"])
        self.cookie = spec.get("cookie", "")
        self.sent = 0
        self.errors = 0
        self.latencies: dict[str, list[float]] = {path: [] for path in self.paths}

    def _request(self, path: str) -> bytes:
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}",
                 "X-Forwarded-Proto: https", "Connection: keep-alive"]
        if self.cookie:
            lines.append(f"Cookie: {self.cookie}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    async def user(self, number: int) -> None:
        reader = writer = None
        turn = number
        while self.sent < self.limit and time.monotonic() < self.deadline:
            self.sent += 1
            path = self.paths[turn % len(self.paths)]
            turn += 1
            started = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                assert reader is not None
                writer.write(self._request(path))
                status, keep = await asyncio.wait_for(_read_response(reader), REQUEST_TIMEOUT_S)
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError, TimeoutError):
                self.errors += 1
                writer = None
                continue
            if status == 200:  # a redirect to sign-in is fast and would flatter the figures
                self.latencies[path].append((time.perf_counter() - started) * 1000)
            else:
                self.errors += 1
            if not keep:
                writer.close()
                writer = None
        if writer is not None:
            writer.close()

    async def run(self, users: int) -> dict[str, Any]:
        started = time.perf_counter()
        await asyncio.gather(*(self.user(n) for n in range(users)))
        elapsed = time.perf_counter() - started
        every = [value for values in self.latencies.values() for value in values]
        return {"responses": len(every), "errors": self.errors, "seconds": elapsed,
                "rps": len(every) / elapsed if elapsed else 0.0, "users": users, **summary(every),
                "paths": {path: summary(values) for path, values in self.latencies.items()}}


def main() -> None:
    spec = json.loads(sys.argv[1])
    result = asyncio.run(Load(spec).run(int(spec["users"])))
    sys.stdout.write("\n" + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
