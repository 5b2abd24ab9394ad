"""`python -m bench --size 10k|100k|1m [--only NAME] [--engine sqlite|postgres] [--runs N]`.

Runs every benchmark (or the one named) at the chosen size, stores the results in
bench/results/<engine>-<size>.json and rewrites docs/benchmarks.md from all stored results.
`--smoke` runs everything on a tiny firm in seconds and writes nowhere unless `--output` says so
(CI runs it so the benchmark code cannot rot). PostgreSQL needs DATABASE_URL (scripts/with-postgres).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import sys
import tempfile
import time
from pathlib import Path

from bench import machine, report
from bench.firms import REPO, Firms
from bench.suite import Context
from bench.suite_ops import ALL_BENCHMARKS as BENCHMARKS

SIZES = {"smoke": 300, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["10k", "100k", "1m"], default="10k")
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append")
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="a tiny firm, one run, seconds")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "lawledger-bench")
    parser.add_argument("--output", type=Path, help="the markdown file (default docs/benchmarks.md)")
    parser.add_argument("--results", type=Path, help="where results are kept (default bench/results)")
    return parser.parse_args(argv)


def _postgres_version() -> str | None:
    import os

    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    import psycopg

    with psycopg.connect(url) as connection:
        row = connection.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else None


_NOTE_PREFIXES = {"Matching:": "matching", "Billing:": "billing", "Web:": "web"}


def _text(note: str | dict[str, str]) -> str:
    return note["text"] if isinstance(note, dict) else note


def _bench_of(note: str | dict[str, str]) -> str | None:
    """The benchmark a stored note belongs to (notes of older results are plain text)."""
    if isinstance(note, dict):
        return note.get("bench")
    for prefix, name in _NOTE_PREFIXES.items():
        if note.startswith(prefix):
            return name
    if note.startswith("The `") and "` benchmark failed" in note:
        return note.split("`")[1]
    return None


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    size = SIZES["smoke"] if args.smoke else SIZES[args.size]
    runs = 1 if args.smoke else max(1, args.runs)
    workdir = args.workdir / ("smoke-" + str(time.time_ns()) if args.smoke else "")
    firms = Firms(workdir, args.engine, migrate_copies=not args.smoke)
    ctx = Context(firms=firms, size=size, runs=runs, smoke=args.smoke)
    load_before = machine.load_average()
    started = dt.datetime.now(dt.UTC)
    figures: list[dict[str, object]] = []
    notes: list[dict[str, str]] = []
    try:
        for name in args.only or list(BENCHMARKS):
            print(f"bench: {name} at {size:,} entries on {args.engine} …", file=sys.stderr, flush=True)
            began = time.perf_counter()
            noted = len(ctx.notes)
            try:
                figures += [{**item, "bench": name} for item in BENCHMARKS[name](ctx)]
            except Exception as error:
                if args.smoke:  # CI: a benchmark that cannot run is a failure
                    raise
                # A long run keeps the other benchmarks' figures and says what failed.
                ctx.notes.append(f"The `{name}` benchmark failed in this run: "
                                 f"{type(error).__name__}: "
                                 f"{(str(error).strip().splitlines() or [''])[-1][:300]}")
            notes += [{"bench": name, "text": text} for text in ctx.notes[noted:]]
            print(f"bench: {name} done in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    finally:
        firms.drop_all()
        if args.smoke:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    run = {"engine_label": "PostgreSQL" if args.engine == "postgres" else "SQLite",
           "size": size, "runs": runs, "date": started.strftime("%Y-%m-%d %H:%M UTC"),
           "command": "python -m bench " + shlex.join(argv if argv is not None else sys.argv[1:]),
           "machine": machine.describe(), "postgres": _postgres_version(),
           "load_before": load_before, "load_after": machine.load_average(),
           "figures": figures, "notes": notes}
    print(report.section(run))
    if args.smoke and not args.output:
        return 0
    results = args.results or REPO / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    key = "smoke" if args.smoke else args.size
    stored = results / f"{args.engine}-{key}.json"
    if args.only and stored.exists():  # keep the other benchmarks' figures of an earlier run
        kept = [item for item in json.loads(stored.read_text())["figures"]
                if item.get("bench") not in args.only]
        earlier = json.loads(stored.read_text())
        run["figures"] = kept + figures
        run["notes"] = [note for note in earlier.get("notes", [])
                        if _bench_of(note) not in args.only
                        and _text(note) not in {_text(new) for new in notes}] + notes
        older = earlier.get("earlier", [])
        run["earlier"] = [{key: earlier[key] for key in ("command", "date", "runs", "load_before",
                                                          "load_after") if key in earlier},
                          *(older if isinstance(older, list) else [older])]
    stored.write_text(json.dumps(run, indent=1) + "\n")
    report.write(results, args.output or REPO / "docs" / "benchmarks.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
