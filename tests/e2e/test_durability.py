"""A 2xx write survives ``kill -9``: a real server is SIGKILLed mid-stream, restarted on the same directory, and checked.

One module-scoped run does the killing (three cycles of start, stream creates and updates from a client
thread, SIGKILL while requests are in flight, inspect the files, restart on the same store) and records
what happened; each test then checks one property of that run.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from sim.core.store import LOG, SNAPSHOT
from tests.support import toyserver

pytestmark = pytest.mark.slow

CYCLES = 3
KILL_AFTER_ACKS = (40, 90, 25)  # acknowledged writes before each SIGKILL


@dataclass
class Files:
    snapshot_error: str | None
    complete_lines: int
    bad_complete_lines: list[str]
    torn_tail: bytes


@dataclass
class Cycle:
    created: dict[str, str] = field(default_factory=dict)   # thing id -> name, acknowledged 201
    locked: set[str] = field(default_factory=set)            # acknowledged 200 on /lock
    writer_error: str | None = None
    files: Files | None = None


@dataclass
class Run:
    cycles: list[Cycle]
    keys: list[str]                  # the toy key printed by each start
    readback: dict[str, dict]        # thing id -> GET status and body after the final restart


def read_files(store: Path) -> Files:
    """Parse the store as a fresh process would: the snapshot must load, every complete log line must parse."""
    snapshot_error = None
    try:
        json.loads((store / SNAPSHOT).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        snapshot_error = repr(exc)
    raw = (store / LOG).read_bytes() if (store / LOG).exists() else b""
    *complete, tail = raw.split(b"\n")  # a last piece without "\n" is a torn line (never acknowledged)
    bad = []
    for line in complete:
        try:
            json.loads(line)
        except ValueError:
            bad.append(line[:200].decode("utf-8", "replace"))
    return Files(snapshot_error=snapshot_error, complete_lines=len(complete), bad_complete_lines=bad, torn_tail=tail)


def stream_writes(base: str, key: str, cycle: Cycle, label: str, stop: threading.Event) -> None:
    """Create things and lock every other one, recording only what the server acknowledged."""
    headers = {"Authorization": f"Bearer {key}"}
    session = requests.Session()
    n = 0
    try:
        while not stop.is_set():
            name = f"{label}-{n}"
            resp = session.post(f"{base}/toy/v1/things", json={"name": name}, headers=headers, timeout=10)
            if resp.status_code == 201:
                tid = resp.json()["id"]
                cycle.created[tid] = name
                if n % 2 == 0:
                    resp = session.post(f"{base}/toy/v1/things/{tid}/lock", headers=headers, timeout=10)
                    if resp.status_code == 200:
                        cycle.locked.add(tid)
            n += 1
    except requests.RequestException as exc:  # the server died under us: the expected end of the stream
        cycle.writer_error = type(exc).__name__
    finally:
        session.close()


def acked(cycle: Cycle) -> int:
    return len(cycle.created) + len(cycle.locked)


@pytest.fixture(scope="module")
def killed_run(tmp_path_factory) -> Run:
    store = tmp_path_factory.mktemp("durable-store")
    cycles: list[Cycle] = []
    keys: list[str] = []
    for i in range(CYCLES):
        server = toyserver.start(store)
        try:
            keys.append(server.keys["toy"])
            cycle = Cycle()
            cycles.append(cycle)
            stop = threading.Event()
            writer = threading.Thread(target=stream_writes, args=(server.url, server.keys["toy"], cycle, f"c{i}", stop),
                                      daemon=True)
            writer.start()
            deadline = time.monotonic() + 15
            while acked(cycle) < KILL_AFTER_ACKS[i] and writer.is_alive() and time.monotonic() < deadline:
                time.sleep(0.002)
            os.kill(server.proc.pid, signal.SIGKILL)
            server.proc.wait(10)
            stop.set()
            writer.join(15)
            cycle.files = read_files(store)
        finally:
            server.stop()
    server = toyserver.start(store)
    try:
        keys.append(server.keys["toy"])
        headers = {"Authorization": f"Bearer {server.keys['toy']}"}
        readback = {}
        with requests.Session() as session:
            for cycle in cycles:
                for tid in cycle.created:
                    resp = session.get(f"{server.url}/toy/v1/things/{tid}", headers=headers, timeout=10)
                    readback[tid] = {"status": resp.status_code, "body": resp.json()}
    finally:
        server.stop()
    return Run(cycles=cycles, keys=keys, readback=readback)


def test_each_kill_lands_while_the_client_is_still_writing(killed_run):
    for cycle in killed_run.cycles:
        assert cycle.writer_error in ("ConnectionError", "ChunkedEncodingError")


def test_every_cycle_acknowledged_writes_before_the_kill(killed_run):
    assert [acked(c) >= n for c, n in zip(killed_run.cycles, KILL_AFTER_ACKS, strict=True)] == [True] * CYCLES


def test_every_acknowledged_create_is_readable_after_restart(killed_run):
    missing = {tid: r["status"] for tid, r in killed_run.readback.items() if r["status"] != 200}
    assert missing == {}
    assert len(killed_run.readback) == sum(len(c.created) for c in killed_run.cycles)


def test_acknowledged_creates_keep_their_names_after_restart(killed_run):
    expected = {tid: name for c in killed_run.cycles for tid, name in c.created.items()}
    assert {tid: r["body"]["name"] for tid, r in killed_run.readback.items()} == expected


def test_every_acknowledged_update_is_visible_after_restart(killed_run):
    locked = set().union(*(c.locked for c in killed_run.cycles))
    assert locked
    assert {tid for tid in locked if killed_run.readback[tid]["body"].get("locked") is not True} == set()


def test_snapshot_parses_after_every_kill(killed_run):
    assert [c.files.snapshot_error for c in killed_run.cycles] == [None] * CYCLES


def test_every_complete_log_line_parses_after_every_kill(killed_run):
    for cycle in killed_run.cycles:
        assert cycle.files.complete_lines > 0
        assert cycle.files.bad_complete_lines == []


def test_the_api_key_survives_every_restart(killed_run):
    assert len(set(killed_run.keys)) == 1
