"""VendorContext: what a backend sees of one (workspace, vendor): tables, clock, ids, chance, jobs, events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sim.core.clock import from_ts, iso
from sim.core.ids import stream


class VendorContext:
    """Handed to backends and job handlers. Every state access is scoped to (workspace, vendor)."""

    def __init__(self, sim, ws: str, vendor: str, key: str | None = None):
        self.sim = sim
        self.ws = ws
        self.vendor = vendor
        self.key = key

    # state
    def table(self, kind: str):
        return self.sim.store.table(f"w/{self.ws}/{self.vendor}/{kind}")

    @property
    def workspace(self) -> dict:
        return self.sim.workspace_doc(self.ws)

    @property
    def settings(self) -> dict:
        """Per-workspace vendor settings (compat modes, limits) set through /_sim."""
        return self.sim.workspace_doc(self.ws).get("settings", {}).get(self.vendor, {})

    def set_setting(self, name: str, value: Any) -> None:
        self.sim.set_vendor_setting(self.ws, self.vendor, name, value)

    @property
    def profile(self) -> dict:
        """The workspace's behaviour profile (recipient outcome rates)."""
        return self.sim.workspace_doc(self.ws)["profile"]

    # time
    def now_ts(self) -> float:
        return self.sim.clock(self.ws).now_ts()

    def now(self) -> datetime:
        return from_ts(self.now_ts())

    def iso(self, ts: float | None = None, ms: bool = False) -> str:
        return iso(from_ts(self.now_ts() if ts is None else ts), ms=ms)

    # ids and chance
    @property
    def ids(self):
        return self.sim.ids(self.ws)

    @property
    def seed(self):
        return self.sim.workspace_doc(self.ws)["seed"]

    def rng(self, *key: Any):
        """A random stream that depends only on the workspace seed and ``key``."""
        return stream(self.seed, self.vendor, *key)

    def fake(self, *key: Any):
        """The shared Faker reseeded from the workspace seed and ``key`` (use it right away)."""
        return self.sim.fakedata.seeded(self.seed, self.vendor, *key)

    # work and events
    def schedule(self, kind: str, due: float, args: dict | None = None) -> str:
        return self.sim.scheduler.schedule(self.ws, kind, due, args)

    def cancel(self, job_id: str) -> bool:
        return self.sim.scheduler.cancel(self.ws, job_id)

    def emit(self, event: str, data: Any, **kw: Any) -> list[str]:
        return self.sim.emit(self.ws, self.vendor, event, data, **kw)

    def subscribe(self, url: str, *, events: list[str] | None, secret: str, sub_id: str, meta: dict | None = None) -> dict:
        return self.sim.dispatcher.subscribe(self.ws, self.vendor, url, events=events, secret=secret,
                                             sub_id=sub_id, meta=meta)

    def subscriptions(self) -> list[dict]:
        return [{"id": s.doc_id, **s} for s in self.sim.dispatcher.subscriptions(self.ws) if s["vendor"] == self.vendor]

    def take_fault(self, method: str, path: str) -> dict | None:
        """A fault rule aimed at background work (``method`` "JOB", ``path`` the job kind), if one fires."""
        return self.sim.faults.match(self.ws, self.seed, self.vendor, method, [path])
