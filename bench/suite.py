"""The benchmarks, each measured side by side with its peer in the same run.

Every function returns figures: {name, unit, better, ours[], peer, peers[], target, rss}. Values
are per run; the report shows the median and the min–max. Peers run right after ours in each
run, so both see the same noise from whatever else the machine is doing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.firms import REPO, Firm, Firms, measure


@dataclass
class Context:
    firms: Firms
    size: int
    runs: int
    smoke: bool
    notes: list[str] = field(default_factory=list)
    generated: Firm | None = None
    generate_figure: dict[str, Any] | None = None

    @property
    def engine(self) -> str:
        return self.firms.engine


def figure(  # noqa: PLR0917 - one row of the report, its columns in order
        name: str, unit: str, better: str, ours: list[float], peer: str | None = None,
           peers: list[float] | None = None, target: str = "", rss: dict[str, float] | None = None,
           ratio_target: float | None = None) -> dict[str, Any]:
    return {"name": name, "unit": unit, "better": better, "ours": ours, "peer": peer,
            "peers": peers or [], "target": target, "ratio_target": ratio_target,
            "rss_mib": rss or {}}


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for path in ("bench/generator.py", "src/lawledger/ledger/bulk.py"):
        digest.update((REPO / path).read_bytes())
    return digest.hexdigest()[:16]


def generated_firm(ctx: Context) -> Firm:
    """The firm of `size` entries: generated once (cached for SQLite), then reused read-only."""
    if ctx.generated is not None:
        return ctx.generated
    marker_name = f"gen-{ctx.size}.json"
    if ctx.engine == "sqlite" and not ctx.smoke:
        home = ctx.firms.workdir / f"generated-sqlite-{ctx.size}"
        marker = home / marker_name
        if marker.exists() and json.loads(marker.read_text()).get("fingerprint") == _fingerprint():
            ctx.generated = Firm(home, None)
            ctx.generated.worker("migrate")
            ctx.notes.append(f"The generated firm was reused from {home} (same generator).")
            return ctx.generated
        shutil.rmtree(home, ignore_errors=True)
    firm = ctx.firms.fresh(f"gen{ctx.size}")
    result, measured = firm.worker("generate", entries=ctx.size)
    ctx.generate_figure = figure(
        "generate the firm (services + bulk path, every rule)", "entries/s", "higher",
        [result["entries"] / result["seconds"]], rss={"ours": measured.peak_rss_mib})
    if ctx.engine == "sqlite" and not ctx.smoke:
        home = ctx.firms.workdir / f"generated-sqlite-{ctx.size}"
        firm.home.rename(home)
        ctx.firms.made.remove(firm)
        firm = Firm(home, None)
        (home / marker_name).write_text(json.dumps({"fingerprint": _fingerprint(), **result}))
    ctx.generated = firm
    return firm


# ---------------------------------------------------------------------------------------------
# (1) postings through the service vs the physical limit


def posting(ctx: Context) -> list[dict[str, Any]]:
    source = generated_firm(ctx)
    writers = 8 if ctx.engine == "postgres" else 1
    per_writer = (40 if ctx.smoke else 2000) // writers if ctx.engine == "postgres" else (
        20 if ctx.smoke else 1000)
    service_firm = ctx.firms.copy(source, "svc")
    raw_firm = ctx.firms.copy(source, "raw")
    ours, peers, rss_ours, rss_peer = [], [], 0.0, 0.0
    for run in range(ctx.runs):
        rate, rss = _writers(service_firm, "service_post", writers, per_writer, run)
        ours.append(rate)
        rss_ours = max(rss_ours, rss)
        rate, rss = _writers(raw_firm, "raw_post", writers, per_writer, run)
        peers.append(rate)
        rss_peer = max(rss_peer, rss)
    ctx.firms.drop(service_firm)
    ctx.firms.drop(raw_firm)
    if ctx.engine == "postgres":
        return [figure(f"postings/s, {writers} concurrent writers (processes), one commit each",
                       "postings/s", "higher", ours, "raw psycopg, same rows and locks", peers,
                       "≥ 1,000/s and ≥ 0.25 of raw", {"ours": rss_ours, "peer": rss_peer},
                       ratio_target=0.25)]
    return [figure("postings/s through the service (rules, audit, encryption, durable commit)",
                   "postings/s", "higher", ours,
                   "plain sqlite3, one durable transaction per posting", peers, "≥ 0.25 of raw",
                   {"ours": rss_ours, "peer": rss_peer}, ratio_target=0.25)]


def _writers(firm: Firm, task: str, writers: int, postings: int, run: int) -> tuple[float, float]:
    """Run `writers` processes at once; total postings per second from first start to last end."""
    start_at = time.time() + (8.0 if writers > 1 else 0.0)
    results: list[tuple[dict[str, Any], float]] = []
    errors: list[BaseException] = []

    def one(number: int) -> None:
        try:
            result, measured = firm.worker(task, postings=postings, writer=run * 100 + number,
                                           start_at=start_at if writers > 1 else None)
            results.append((result, measured.peak_rss_mib))
        except BaseException as error:  # reported below, after every writer ended
            errors.append(error)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    began = min(r["started"] for r, _ in results)
    ended = max(r["finished"] for r, _ in results)
    total = sum(r["postings"] for r, _ in results)
    seconds = ended - began if writers > 1 else results[0][0]["seconds"]
    return total / seconds, max(rss for _, rss in results)


# ---------------------------------------------------------------------------------------------
# (2) the bulk path vs a raw executemany of the same rows


def bulk(ctx: Context) -> list[dict[str, Any]]:
    entries = ctx.size if ctx.smoke else min(ctx.size, 100_000)
    ours, peers, rss_ours, rss_peer = [], [], 0.0, 0.0
    rows_file = str(ctx.firms.workdir / "bulk-rows.pickle")
    for _ in range(ctx.runs):
        firm = ctx.firms.fresh("bulk")
        result, measured = firm.worker("bulk", entries=entries, rows_file=rows_file)
        ours.append(result["entries"] / result["seconds"])
        rss_ours = max(rss_ours, measured.peak_rss_mib)
        ctx.firms.drop(firm)
        firm = ctx.firms.fresh("rawbulk")
        result, measured = firm.worker("raw_bulk", entries=entries, rows_file=rows_file)
        peers.append(result["entries"] / result["seconds"])
        rss_peer = max(rss_peer, measured.peak_rss_mib)
        ctx.firms.drop(firm)
    Path(rows_file).unlink(missing_ok=True)
    figures = [figure(f"bulk path, {entries:,} entries, 5,000 per transaction", "entries/s",
                      "higher", ours, "raw executemany of the same rows", peers, "≥ 0.25 of raw",
                      {"ours": rss_ours, "peer": rss_peer}, ratio_target=0.25)]
    generated_firm(ctx)
    if ctx.generate_figure:
        figures.append(ctx.generate_figure)
    return figures


# ---------------------------------------------------------------------------------------------
# (3) one client ledger through the CLI


def ledger(ctx: Context) -> list[dict[str, Any]]:
    firm = generated_firm(ctx)
    matter = "M-0001"
    process, query, startup, bare, rss = [], [], [], [], {}
    entries = 0
    for _ in range(ctx.runs):
        measured = firm.lawledger("trust", "ledger", matter, "--json")
        if measured.code != 0:
            raise RuntimeError(measured.stderr)
        entries = len(json.loads(measured.stdout)["entries"])
        process.append(measured.seconds * 1000)
        rss["ours"] = max(rss.get("ours", 0.0), measured.peak_rss_mib)
        result, _ = firm.worker("ledger_query", matter=matter)
        query.append(result["seconds"] * 1000)
        startup.append(firm.lawledger("--help").seconds * 1000)
        bare.append(measure([sys.executable, "-c", "pass"], firm.env()).seconds * 1000)
    return [
        figure(f"`trust ledger {matter} --json` ({entries:,} entries), whole process", "ms",
               "lower", process, "`lawledger --help` (start-up alone)", startup, "< 200 ms", rss),
        figure(f"client ledger of {matter} ({entries:,} entries), in-process query + JSON", "ms",
               "lower", query, "`python -c pass`", bare, ""),
    ]


# ---------------------------------------------------------------------------------------------
# (4) the trust listing vs hledger and beancount on the same books


def _hledger() -> str | None:
    return shutil.which("hledger")


def install_hledger(ctx: Context) -> None:
    """Debian's hledger, installed by the benchmark's own set-up (never in smoke mode)."""
    if _hledger() or ctx.smoke:
        return
    command = ["apt-get", "install", "-y", "-qq", "hledger"]
    if hasattr(__import__("os"), "geteuid") and __import__("os").geteuid() != 0:
        command = ["sudo", "-n", *command]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=600,
                       env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/bin"})
    except (OSError, subprocess.SubprocessError) as error:
        ctx.notes.append(f"hledger could not be installed ({type(error).__name__}): its figures "
                         "are left out.")


def listing(ctx: Context) -> list[dict[str, Any]]:
    firm = generated_firm(ctx)
    install_hledger(ctx)
    beancount_file = firm.home / "books.beancount"
    hledger_file = firm.home / "books.journal"
    exports: dict[str, list[float]] = {"beancount": [], "hledger": []}
    for fmt, path in (("beancount", beancount_file), ("hledger", hledger_file)):
        result, _ = firm.worker("export", format=fmt, file=str(path))
        exports[fmt].append(result["entries"] / result["seconds"])
    query, cli, rss = [], [], {}
    peers: dict[str, list[float]] = {"hledger": [], "bean-check": [], "beancount": []}
    for _ in range(ctx.runs):
        result, measured = firm.worker("listing_query")
        query.append(result["seconds"])
        rss["ours"] = max(rss.get("ours", 0.0), measured.peak_rss_mib)
        cli.append(firm.lawledger("trust", "listing", "--json").seconds)
        if _hledger():
            measured = measure([_hledger() or "hledger", "-f", str(hledger_file), "bal"],
                               firm.env())
            peers["hledger"].append(measured.seconds)
            rss["hledger"] = max(rss.get("hledger", 0.0), measured.peak_rss_mib)
        measured = measure([str(Path(sys.executable).parent / "bean-check"), str(beancount_file)],
                           firm.env())
        if measured.code != 0:
            raise RuntimeError(f"bean-check refused the export: {measured.stderr[-2000:]}")
        peers["bean-check"].append(measured.seconds)
        rss["bean-check"] = max(rss.get("bean-check", 0.0), measured.peak_rss_mib)
        result, measured = firm.worker("beancount_balances", file=str(beancount_file))
        peers["beancount"].append(result["seconds"])
        rss["beancount"] = max(rss.get("beancount", 0.0), measured.peak_rss_mib)
    figures = [figure(f"trust listing over {ctx.size:,} entries, in-process", "s", "lower", query,
                      "beancount: load_file + balances of every account", peers["beancount"],
                      "< 1 s", {"ours": rss.get("ours", 0), "peer": rss.get("beancount", 0)}),
               figure("`trust listing --json`, whole process", "s", "lower", cli,
                      "bean-check (parse, book, validate)", peers["bean-check"], "",
                      {"peer": rss.get("bean-check", 0)})]
    if peers["hledger"]:
        figures.append(figure("`trust listing --json`, whole process", "s", "lower", cli,
                              "`hledger bal` on the same books", peers["hledger"], "",
                              {"peer": rss.get("hledger", 0)}))
    else:
        ctx.notes.append("hledger is not installed here: the `hledger bal` comparison is skipped.")
    figures.append(figure("export: beancount journal", "entries/s", "higher", exports["beancount"],
                          "export: hledger journal", exports["hledger"], ""))
    return figures


BENCHMARKS = {"posting": posting, "bulk": bulk, "ledger": ledger, "listing": listing}
