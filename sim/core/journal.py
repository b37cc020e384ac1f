"""The journal: every vendor API request of a workspace, with times, status and (truncated) bodies."""

from __future__ import annotations

from typing import Any

JOURNAL = "core/journal"
MAX_ENTRIES = 20_000
MAX_BODY = 16_384


def clip(body: Any) -> Any:
    """Keep bodies readable but bounded: long text is cut, large JSON is replaced by a marker."""
    if body is None:
        return None
    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        return body if len(body) <= MAX_BODY else body[:MAX_BODY] + "...[truncated]"
    return body


class Journal:
    def __init__(self, store, max_entries: int = MAX_ENTRIES):
        self.store = store
        self.max_entries = max_entries
        self._seq: dict[str, int] = {}

    def table(self, ws: str):
        return self.store.table(f"w/{ws}/{JOURNAL}")

    def record(self, ws: str, entry: dict) -> None:
        table = self.table(ws)
        seq = self._seq.get(ws)
        if seq is None:
            seq = max((d["seq"] for d in table), default=0)
        seq += 1
        self._seq[ws] = seq
        # Lazy: an entry reaches the log file with the next durable write (the request's own, for a write)
        # or after 256 reads, so a read costs no write() of its own; a crash loses at most those read entries.
        table.put(f"{seq:012d}", {"seq": seq, **entry}, lazy=True)
        if len(table) > self.max_entries:
            table.remove(table.first_id())  # the oldest entry, in O(1)

    def entries(self, ws: str, vendor: str | None = None, limit: int | None = None) -> list[dict]:
        rows = [dict(d) for d in self.table(ws) if not vendor or d.get("vendor") == vendor]
        return rows[-limit:] if limit else rows

    def forget(self, ws: str) -> None:
        self._seq.pop(ws, None)
