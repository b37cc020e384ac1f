"""Every benchmark module runs end to end at quick sizes and returns well-formed rows; the harness prints them.

No timing is asserted here: numbers belong to ``make bench``.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import available

ROOT = Path(__file__).resolve().parents[2]
ROW_KEYS = {"name", "value", "unit", "target", "ok"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=available())
def quick_rows(request) -> list[dict]:
    module = importlib.import_module(f"bench.bench_{request.param}")
    return module.run(quick=True)


def test_a_quick_run_returns_rows(quick_rows):
    assert len(quick_rows) > 0


def test_every_row_has_the_harness_fields(quick_rows):
    assert [sorted(ROW_KEYS - row.keys()) for row in quick_rows] == [[] for _ in quick_rows]


def test_every_row_has_a_name_and_a_value(quick_rows):
    assert all(isinstance(row["name"], str) and row["name"] for row in quick_rows)
    assert all(isinstance(row["value"], (int, float, str)) for row in quick_rows)


def test_ok_is_judged_exactly_where_a_target_is_stated(quick_rows):
    assert [(row["target"] is None, row["ok"] is None) for row in quick_rows] == \
        [(row["target"] is None, row["target"] is None) for row in quick_rows]
    assert all(row["ok"] is None or isinstance(row["ok"], bool) for row in quick_rows)


def test_the_store_benchmark_reports_the_create_cost_ratio_against_its_target():
    rows = importlib.import_module("bench.bench_store").run(quick=True)
    ratio = [r for r in rows if r["name"].startswith("create cost ratio")]
    assert [(r["unit"], r["target"]) for r in ratio] == [("x", "<= 1.25")]
    assert ratio[0]["value"] > 0


def test_the_harness_prints_json_rows_and_exits_0():
    done = subprocess.run([sys.executable, "-m", "bench", "store", "--quick", "--json"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert {row["bench"] for row in rows} == {"store"}
    assert all(ROW_KEYS <= row.keys() for row in rows)


def test_the_harness_prints_a_table_by_default():
    done = subprocess.run([sys.executable, "-m", "bench", "store", "--quick"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "leadsim benchmarks" in done.stdout
    assert "create cost ratio" in done.stdout


def test_the_harness_rejects_an_unknown_benchmark_with_exit_2():
    done = subprocess.run([sys.executable, "-m", "bench", "no_such_bench"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert "unknown benchmark no_such_bench" in done.stderr
