"""One store directory belongs to one server: a second `leadsim serve` on it exits at once naming the holder."""

from __future__ import annotations

import json
import os

import pytest
import requests

from sim.core.store import LOCK, SNAPSHOT

pytestmark = pytest.mark.slow


def test_a_second_server_on_the_same_store_exits_with_status_1(serve, tmp_path):
    serve("--store", str(tmp_path / "store"))
    second = serve("--store", str(tmp_path / "store"))
    assert second.info is None  # it printed no start-up line: it never served
    status, _ = second.finish()
    assert status == 1


def test_the_refusal_names_the_holders_pid_and_address(serve, tmp_path):
    first = serve("--store", str(tmp_path / "store"))
    _, stderr = serve("--store", str(tmp_path / "store")).finish()
    assert f"pid {first.proc.pid}, serving {first.url}" in stderr
    assert str(tmp_path / "store" / LOCK) in stderr


def test_the_first_server_keeps_serving_after_a_refused_second(serve, tmp_path):
    first = serve("--store", str(tmp_path / "store"))
    serve("--store", str(tmp_path / "store")).finish()
    made = requests.post(f"{first.url}/_sim/workspaces", json={"name": "still mine"}, timeout=10)
    assert made.status_code == 201


def test_the_lock_file_names_the_running_server(serve, tmp_path):
    first = serve("--store", str(tmp_path / "store"))
    assert json.loads((tmp_path / "store" / LOCK).read_text()) == {"pid": first.proc.pid, "address": first.url}


def test_a_kill_9_frees_the_store_for_the_next_server(serve, tmp_path):
    first = serve("--store", str(tmp_path / "store"))
    made = requests.post(f"{first.url}/_sim/workspaces", json={"name": "survivor"}, timeout=10).json()
    first.kill()
    second = serve("--store", str(tmp_path / "store"))
    assert second.info is not None
    assert requests.get(f"{second.url}/_sim/workspaces/{made['id']}", timeout=10).status_code == 200


def test_memory_stores_need_no_lock(serve, tmp_path):
    first, second = serve("--store", "memory"), serve("--store", "memory")
    assert first.info is not None and second.info is not None
    assert os.listdir(tmp_path) == []


def test_an_unreadable_snapshot_is_reported_with_file_and_reason(serve, tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    (store / SNAPSHOT).write_text('{"workspaces": {"default": ')
    started = serve("--store", str(store))
    status, stderr = started.finish()
    assert (started.info, status) == (None, 1)
    assert f"cannot open the store {store / SNAPSHOT}: not valid JSON" in stderr


def test_a_corrupt_log_line_is_reported_with_its_line_number(serve, tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    (store / "log.jsonl").write_text('{"op":"put","t":"a","id":"1","doc":{}}\nnot json\n{"op":"drop","t":"a"}\n')
    status, stderr = serve("--store", str(store)).finish()
    assert status == 1
    assert f"cannot open the store {store / 'log.jsonl'}: line 2 is not valid JSON" in stderr


def test_serve_warns_about_a_clock_it_had_to_repair(serve, tmp_path):
    store = tmp_path / "store"
    first = serve("--store", str(store))
    requests.put(f"{first.url}/_sim/workspaces/default/clock", json={"mode": "60x"}, timeout=10)
    first.kill()
    snap_and_log = (store / "log.jsonl").read_text().splitlines()
    runtime = [json.loads(line) for line in snap_and_log if 'core/runtime"' in line][-1]
    runtime["doc"]["clock"]["rate"] = 1e12  # what an older leadsim let `PUT .../clock {"mode": "1e12x"}` store
    with open(store / "log.jsonl", "a") as fh:
        fh.write(json.dumps(runtime) + "\n")
    second = serve("--store", str(store))
    assert second.info["clock"]["mode"] == "manual"
    second.kill(15)
    assert "warning: workspace default: its stored clock (rate 1000000000000.0) could not run" in second.proc.stderr.read()
