"""Lazy log lines (journal entries of reads) wait for the next durable append, and never reorder the log."""

from __future__ import annotations

import json
import shutil

from sim.core.store import LAZY_LINES, Store


def _lines(path) -> list[dict]:
    return [json.loads(line) for line in (path / "log.jsonl").read_bytes().splitlines()]


def test_a_lazy_put_waits_for_the_next_durable_append_and_goes_first(tmp_path):
    store = Store(tmp_path)
    store.table("journal").put("1", {"read": True}, lazy=True)
    assert _lines(tmp_path) == []
    with store.batch():
        store.table("things").put("a", {"n": 1})
    assert [(e["t"], e["id"]) for e in _lines(tmp_path)] == [("journal", "1"), ("things", "a")]


def test_lazy_lines_are_written_once_enough_of_them_wait(tmp_path):
    store = Store(tmp_path)
    table = store.table("journal")
    for i in range(LAZY_LINES - 1):
        with store.batch():
            table.put(str(i), {"i": i}, lazy=True)
    assert _lines(tmp_path) == []
    with store.batch():
        table.put("last", {"i": -1}, lazy=True)
    assert len(_lines(tmp_path)) == LAZY_LINES


def test_close_keeps_lazy_documents(tmp_path):
    store = Store(tmp_path)
    store.table("journal").put("1", {"read": True}, lazy=True)
    store.close()
    assert Store(tmp_path).table("journal").get("1") == {"read": True}


def test_a_removal_after_a_lazy_put_replays_as_removed(tmp_path):
    store = Store(tmp_path)
    table = store.table("journal")
    table.put("1", {"read": True}, lazy=True)
    with store.batch():
        table.remove("1")
    # no close: a restart replays the log as a crash would leave it (on a copy: the open store holds the lock)
    shutil.copytree(tmp_path, tmp_path.parent / "after-kill")
    assert Store(tmp_path.parent / "after-kill").table("journal").get("1") is None
