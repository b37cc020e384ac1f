"""The bench harness: import ``bench/bench_<name>.py`` modules, call ``run(quick)``, print one table.

``python -m bench [name ...] [--quick] [--json]``. A missed target is reported, not fatal: the exit
status is 0 unless a benchmark module itself crashed (1) or a name is unknown (2).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import traceback
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(p.stem[len("bench_"):] for p in HERE.glob("bench_*.py"))


def run_module(name: str, quick: bool) -> tuple[list[dict], float]:
    module = importlib.import_module(f"bench.bench_{name}")
    started = time.perf_counter()
    rows = module.run(quick=quick)
    return [{"bench": name, **row} for row in rows], time.perf_counter() - started


def fmt_value(value) -> str:
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        if value >= 1:
            return f"{value:.2f}"
        return f"{value:.3g}"
    return str(value)


def render(rows: list[dict], console: Console) -> None:
    table = Table(title="leadsim benchmarks", title_justify="left")
    table.add_column("bench", style="cyan")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("unit")
    table.add_column("target", justify="right")
    table.add_column("ok", justify="center")
    for row in rows:
        ok = row.get("ok")
        mark = "" if ok is None else "[green]yes[/]" if ok else "[red]NO[/]"
        table.add_row(row["bench"], row["name"], fmt_value(row["value"]), row.get("unit") or "", row.get("target") or "", mark)
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    names = available()
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run leadsim benchmarks and print ratios.")
    parser.add_argument("names", nargs="*", metavar="name", help=f"benchmarks to run (default: all): {', '.join(names)}")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and durations: proves the benchmarks run")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in names]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(names)}")  # exits 2
    progress = Console(stderr=True)
    rows: list[dict] = []
    crashed = False
    for name in args.names or names:
        with progress.status(f"bench {name}{' (quick)' if args.quick else ''}..."):
            try:
                found, seconds = run_module(name, args.quick)
            except Exception:
                crashed = True
                progress.print(f"[red]bench {name} crashed[/]\n{traceback.format_exc()}")
                rows.append({"bench": name, "name": "crashed", "value": "error", "unit": "", "target": None, "ok": False})
                continue
        progress.print(f"bench {name}: {len(found)} rows in {seconds:.1f} s")
        rows.extend(found)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        out = Console()
        render(rows, out if out.is_terminal else Console(width=160))
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
