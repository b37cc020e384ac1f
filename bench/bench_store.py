"""Store write cost vs store size: a create in a store holding 100,000 records vs one in an empty store.

Both stores are file-backed (snapshot + append-only log in a temporary directory) and every timed
create is what a vendor create does to the store: ``table.put`` inside its own ``store.batch()``,
i.e. one durable append. Creates alternate between the two stores in blocks so both see the same
machine conditions. TinyDB's own ``Table.insert`` is timed the same way, for contrast.
"""

from __future__ import annotations

import gc
import statistics
import tempfile
import time

from tinydb import TinyDB
from tinydb.storages import MemoryStorage

from sim.core.ids import IdSource
from sim.core.store import Store

TABLE = "w/bench/leadterra/leads"
TARGET_RATIO = 1.25


def lead(ids: IdSource, n: int) -> tuple[str, dict]:
    """A lead as a vendor stores it: id, contact fields, custom fields, status and timestamps."""
    lead_id = ids.ulid("lead_", 1_790_000_000_000 + n)
    return lead_id, {
        "email": f"person{n}@example{n % 97}.com", "first_name": f"First{n}", "last_name": f"Last{n}",
        "company": f"Company {n % 1013}", "title": "Head of Growth", "phone": f"+1555{n:07d}",
        "linkedin_url": f"https://www.linkedin.com/in/person-{n}", "campaign_id": f"cmp_{n % 10}",
        "status": "active", "custom_fields": {"industry": "SaaS", "employees": n % 5000, "source": "bench"},
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
    }


def fill(store: Store, ids: IdSource, count: int, chunk: int = 5_000) -> None:
    table = store.table(TABLE)
    for start in range(0, count, chunk):
        with store.batch():
            for n in range(start, min(count, start + chunk)):
                table.put(*lead(ids, n))


def create_times(store: Store, docs: list[tuple[str, dict]]) -> list[float]:
    """Seconds per create, each one durable on its own."""
    table = store.table(TABLE)
    out = []
    clock = time.perf_counter
    for doc_id, doc in docs:
        t0 = clock()
        with store.batch():
            table.put(doc_id, doc)
        out.append(clock() - t0)
    return out


def tinydb_times(prefill: int, creates: int) -> list[float]:
    db = TinyDB(storage=MemoryStorage)
    table = db.table("leads")
    ids = IdSource("bench-tinydb")
    table.insert_multiple(lead(ids, n)[1] for n in range(prefill))
    out = []
    for n in range(prefill, prefill + creates):
        doc = lead(ids, n)[1]
        t0 = time.perf_counter()
        table.insert(doc)
        out.append(time.perf_counter() - t0)
    db.close()
    return out


def measure(full_size: int, creates: int, block: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="leadsim-bench-") as tmp:
        empty = Store(f"{tmp}/empty")
        full = Store(f"{tmp}/full")
        ids = IdSource("bench-store")
        t0 = time.perf_counter()
        fill(full, ids, full_size)
        fill_seconds = time.perf_counter() - t0
        docs = [lead(ids, full_size + n) for n in range(2 * creates)]
        gc.collect()
        empty_times: list[float] = []
        full_times: list[float] = []
        for start in range(0, creates, block):
            empty_times += create_times(empty, docs[start:start + block])
            full_times += create_times(full, docs[creates + start:creates + start + block])
        full.close()
        t0 = time.perf_counter()
        reopened = Store(f"{tmp}/full")
        reopen_seconds = time.perf_counter() - t0
        reopened_count = len(reopened.table(TABLE))
        reopened.close()
        empty.close()
    return {"empty": statistics.median(empty_times), "full": statistics.median(full_times),
            "fill_rate": full_size / fill_seconds, "reopen": reopen_seconds, "reopened": reopened_count}


def run(quick: bool = False) -> list[dict]:
    full_size = 5_000 if quick else 100_000
    creates, block = (300, 50) if quick else (5_000, 250)
    m = measure(full_size, creates, block)
    ratio = m["full"] / m["empty"]
    tiny_size = 200 if quick else 2_000
    tiny_creates = 50 if quick else 200
    tiny_empty = statistics.median(tinydb_times(0, tiny_creates))
    tiny_full = statistics.median(tinydb_times(tiny_size, tiny_creates))
    return [
        {"name": "create in an empty store (median)", "value": m["empty"] * 1e6, "unit": "µs", "target": None, "ok": None},
        {"name": f"create in a store of {full_size:,} records (median)", "value": m["full"] * 1e6, "unit": "µs",
         "target": None, "ok": None},
        {"name": f"create cost ratio, {full_size:,} vs empty", "value": ratio, "unit": "x",
         "target": f"<= {TARGET_RATIO}", "ok": ratio <= TARGET_RATIO},
        {"name": "bulk fill rate (5,000 puts per batch)", "value": m["fill_rate"], "unit": "records/s", "target": None,
         "ok": None},
        {"name": f"reopen (replay log + compact) of {m['reopened']:,} records", "value": m["reopen"], "unit": "s",
         "target": None, "ok": None},
        {"name": "TinyDB Table.insert, empty table (median)", "value": tiny_empty * 1e6, "unit": "µs", "target": None,
         "ok": None},
        {"name": f"TinyDB Table.insert, {tiny_size:,} records (median)", "value": tiny_full * 1e6, "unit": "µs",
         "target": None, "ok": None},
        {"name": f"TinyDB Table.insert ratio, {tiny_size:,} vs empty", "value": tiny_full / tiny_empty, "unit": "x",
         "target": None, "ok": None},
    ]
