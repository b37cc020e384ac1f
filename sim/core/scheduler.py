"""Persistent jobs ``{due, seq, kind, args}`` per workspace, run in (due, seq) order as the clock passes them."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field

from sim.core.store import Store

JOB_TABLE = "core/jobs"


@dataclass(order=True)
class Entry:
    due: float
    seq: int
    job_id: str = field(compare=False)
    kind: str = field(compare=False)


class Scheduler:
    """One heap per workspace, mirrored in the store table ``w/<ws>/core/jobs`` so jobs survive restart."""

    def __init__(self, store: Store):
        self.store = store
        self.handlers: dict[str, Callable] = {}
        self._heaps: dict[str, list[Entry]] = {}
        self._seq: dict[str, int] = {}

    def register(self, kind: str, handler: Callable) -> None:
        self.handlers[kind] = handler

    def _table(self, ws: str):
        return self.store.table(f"w/{ws}/{JOB_TABLE}")

    def _heap(self, ws: str) -> list[Entry]:
        heap = self._heaps.get(ws)
        if heap is None:
            heap = []
            top = 0
            for doc in self._table(ws):
                heap.append(Entry(doc["due"], doc["seq"], doc.doc_id, doc["kind"]))
                top = max(top, doc["seq"])
            heapq.heapify(heap)
            self._heaps[ws] = heap
            self._seq[ws] = top
        return heap

    def schedule(self, ws: str, kind: str, due: float, args: dict | None = None) -> str:
        heap = self._heap(ws)
        self._seq[ws] += 1
        seq = self._seq[ws]
        job_id = f"job_{seq:010d}"
        self._table(ws).put(job_id, {"due": due, "seq": seq, "kind": kind, "args": args or {}})
        heapq.heappush(heap, Entry(due, seq, job_id, kind))
        return job_id

    def cancel(self, ws: str, job_id: str) -> bool:
        """Removes the record; the heap entry is skipped lazily when popped."""
        return self._table(ws).remove(job_id)

    def next_due(self, ws: str) -> float | None:
        heap = self._heap(ws)
        while heap and heap[0].job_id not in self._table(ws):
            heapq.heappop(heap)
        return heap[0].due if heap else None

    def pop_due(self, ws: str, until: float) -> tuple[Entry, dict] | None:
        """Remove and return the next job due at or before ``until``."""
        heap = self._heap(ws)
        table = self._table(ws)
        while heap and heap[0].due <= until:
            entry = heapq.heappop(heap)
            doc = table.get(entry.job_id)
            if doc is None:
                continue
            table.remove(entry.job_id)
            return entry, dict(doc)
        return None

    def pending(self, ws: str) -> list[dict]:
        return sorted(({"id": d.doc_id, **d} for d in self._table(ws)), key=lambda j: (j["due"], j["seq"]))

    def forget(self, ws: str) -> None:
        self._heaps.pop(ws, None)
        self._seq.pop(ws, None)
