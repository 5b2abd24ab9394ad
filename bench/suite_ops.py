"""The operations benchmarks: (3) bank matching and reconciliation, (4) the billing run and its
PDFs, (5) web latency and throughput under load with the production server — each figure beside
its peer measured in the same run (see bench/suite.py for the figure format).

The web benchmark serves a copy of the generated firm with `lawledger serve` (gunicorn, 2 workers)
and loads it from a second process (bench/load.py), bounded in requests and seconds. Its peer is
the sign-in page under the same load: no session, no query, the server's own floor.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from bench.firms import Firm, Measured, measure
from bench.load import REQUEST_TIMEOUT_S
from bench.suite import BENCHMARKS, Context, figure, generated_firm

# ---------------------------------------------------------------------------------------------
# (3) matching and reconciliation


def matching(ctx: Context) -> list[dict[str, Any]]:
    source = generated_firm(ctx)
    imports, ours, pure, reconcile, rss = [], [], [], [], 0.0
    result: dict[str, Any] = {}
    for _ in range(ctx.runs):
        firm = ctx.firms.copy(source, "match")
        result, measured = firm.worker("matching", entries=ctx.size)
        ctx.firms.drop(firm)
        imports.append(result["lines"] / result["import_seconds"])
        ours.append(result["open_bank"] / result["match_seconds"])
        pure.append(result["open_bank"] / result["pure_seconds"])
        reconcile.append(result["reconcile_seconds"])
        rss = max(rss, measured.peak_rss_mib)
    ctx.notes.append(f"Matching: {result['lines']:,} generated bank lines imported; "
                     f"{result['open_bank']:,} open bank lines against {result['open_book']:,} "
                     f"open book entries; {result['proposed']:,} matches proposed "
                     f"({result['proposed_pure']:,} by the algorithm alone).")
    return [
        figure(f"statement import, {result['lines']:,} bank lines (parse-free, stored, deduplicated)",
               "lines/s", "higher", imports, rss={"ours": rss}),
        figure(f"matching: `bank match` over {result['open_bank']:,} open lines (proposals stored, "
               "audited)", "lines/s", "higher", ours,
               "the matching algorithm alone, in memory, same items", pure, "≥ 100,000 lines/s"),
        figure("reconciliation report at the last statement date (three-way, every ledger)", "s",
               "lower", reconcile),
    ]


# ---------------------------------------------------------------------------------------------
# (4) billing run and PDFs


def billing(ctx: Context) -> list[dict[str, Any]]:
    source = generated_firm(ctx)
    matters = max(20, ctx.size // 500)
    records = 60 if ctx.smoke else min(10 * matters, 20_000)
    pdfs = 3 if ctx.smoke else 40
    recorded, run_rate, rendered, bare, rss = [], [], [], [], 0.0
    result: dict[str, Any] = {}
    for _ in range(ctx.runs):
        firm = ctx.firms.copy(source, "bill")
        result, measured = firm.worker("billing", entries=ctx.size, records=records, pdfs=pdfs)
        ctx.firms.drop(firm)
        if result["failed"]:
            raise RuntimeError(f"the billing run refused {result['failed']} matters")
        recorded.append(result["records"] / result["record_seconds"])
        run_rate.append(result["matters"] / result["run_seconds"])
        rendered.append(result["pdfs"] / result["pdf_seconds"])
        bare.append(result["pdfs"] / result["render_seconds"])
        rss = max(rss, measured.peak_rss_mib)
    ctx.notes.append(f"Billing: {result['records']:,} time entries and expenses on "
                     f"{result['matters']:,} matters, {result['drafted']:,} invoices drafted; "
                     f"{result['pdfs']} PDFs ({result['pdf_bytes'] // max(1, result['pdfs']):,} "
                     "bytes each). 10,000 matters in 60 s needs ≥ 167 matters/s.")
    return [
        figure("time entries and expenses recorded through the services", "records/s", "higher",
               recorded, rss={"ours": rss}),
        figure(f"billing run, {result['matters']:,} matters (draft, rates, audit)", "matters/s",
               "higher", run_rate, target="10,000 matters < 60 s (≥ 167/s)"),
        figure("invoice PDF: audited read, document, render", "PDFs/s", "higher", rendered,
               "reportlab rendering alone, same documents", bare),
    ]


# ---------------------------------------------------------------------------------------------
# (5) web latency and throughput under load


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`lawledger serve` on a free loopback port; stopped by pid, its peak memory kept."""

    def __init__(self, firm: Firm, log_path: str) -> None:
        self.port = _free_port()
        env = {**firm.env(), "LAWLEDGER_SSL_REDIRECT": "0"}
        self.log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lawledger", "serve", "--port", str(self.port), "--workers",
             "2"], env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        self.peak_rss_mib = 0.0
        self.log_tail = ""

    def wait_ready(self, seconds: float = 90.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.flush()
                with open(self.log.name, encoding="utf-8") as log:
                    raise RuntimeError(f"lawledger serve ended with {self.process.returncode}: "
                                       + log.read()[-3000:])
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("lawledger serve did not listen in time")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                _, _, usage = os.wait4(self.process.pid, 0)
                self.peak_rss_mib = usage.ru_maxrss / 1024
            except ChildProcessError:
                pass
        self.log.close()
        with open(self.log.name, encoding="utf-8", errors="replace") as log:
            self.log_tail = log.read()[-2000:]


def _load(firm: Firm, spec: dict[str, Any]) -> tuple[dict[str, Any], Measured]:
    import json

    measured = measure([sys.executable, "-m", "bench.load", json.dumps(spec)], firm.env())
    return measured.result(), measured


PAGES = {"dashboard `/`": "/", "client ledger page of M-0001": "/matters/M-0001/ledger/",
         "search `/matters/?q=Okafor`": "/matters/?q=Okafor"}


def web(ctx: Context) -> list[dict[str, Any]]:
    firm = ctx.firms.copy(generated_firm(ctx), "web")

    signed_in = str(firm.worker("web_session")[0]["cookie"])

    def cookie() -> str:
        """A fresh session per load in long runs (the session limits end old ones)."""
        return signed_in if ctx.smoke else str(firm.worker("web_session")[0]["cookie"])

    server = Server(firm, str(firm.home / "serve.log"))
    latency: dict[str, list[float]] = {name: [] for name in PAGES}
    floor, rps, rps_floor, p95_load, errors, rss_load = [], [], [], [], 0, 0.0
    light = 6 if ctx.smoke else 100
    heavy = 30 if ctx.smoke else 2000
    crowd = 10 if ctx.smoke else 100
    base = {"port": server.port, "seconds": 5 if ctx.smoke else 20}
    try:
        server.wait_ready()
        _load(firm, {**base, "paths": list(PAGES.values()), "users": 2, "requests": 12,
                     "cookie": cookie()})  # warm both workers
        for _ in range(ctx.runs):
            for name, path in PAGES.items():
                result, _ = _load(firm, {**base, "paths": [path], "users": 4, "requests": light,
                                         "cookie": cookie()})
                latency[name].append(result["p95"])
                errors += result["errors"]
            result, _ = _load(firm, {**base, "paths": ["/login/"], "users": 4, "requests": light})
            floor.append(result["p95"])
            result, measured = _load(firm, {**base, "paths": list(PAGES.values()), "users": crowd,
                                            "requests": heavy, "cookie": cookie()})
            rps.append(result["rps"])
            p95_load.append(result["p95"])
            errors += result["errors"]
            rss_load = max(rss_load, measured.peak_rss_mib)
            result, _ = _load(firm, {**base, "paths": ["/login/"], "users": crowd,
                                     "requests": heavy})
            rps_floor.append(result["rps"])
    finally:
        server.stop()
        ctx.firms.drop(firm)
    if errors and ctx.smoke:
        raise RuntimeError(f"{errors} web requests failed: {server.log_tail}")
    if errors:  # under overload: a finding to show, not a reason to drop the figures
        ctx.notes.append(f"Web: {errors} requests failed or took over "
                         f"{REQUEST_TIMEOUT_S:.0f} s (counted in no latency figure); the "
                         f"server's log ended: {server.log_tail[-300:]!r}")
    rss = {"ours": server.peak_rss_mib, "load tool": rss_load}
    figures = [figure(f"web p95, {name}, 4 users", "ms", "lower", latency[name],
                      "`/login/` p95, same load (server floor)", floor, "< 150 ms")
               for name in PAGES]
    figures += [
        figure(f"web throughput, {crowd} users, the three pages in turn", "req/s", "higher", rps,
               f"`/login/`, {crowd} users (server floor)", rps_floor, "≥ 200 req/s", rss),
        figure(f"web p95 under that load, {crowd} users", "ms", "lower", p95_load),
    ]
    ctx.notes.append(f"Web: gunicorn (`lawledger serve`, 2 workers × 4 threads) and the load tool "
                     f"(bench/load.py, a second process) share the machine's "
                     f"{os.cpu_count()} cores; {light} requests per page at 4 users, "
                     f"{heavy} requests at {crowd} users, each load bounded to {base['seconds']} s.")
    return figures


ALL_BENCHMARKS = {**BENCHMARKS, "matching": matching, "billing": billing, "web": web}
