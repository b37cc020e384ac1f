"""Per-campaign counters (sent, delivered, bounced, opened, replied...), what is queued now, and the tick bookkeeping
kept beside them. Part of ``Outreach``."""

from __future__ import annotations

from typing import Any

from sim.core.clock import from_ts
from sim.core.outreach.model import COUNTERS, DAY

DAILY = {"sent": "sent", "bounced": "bounced", "opened": "opened", "replies": "replied"}  # counter -> daily key


class Stats:
    """Counters of each campaign. Needs ``ctx``, the ``_stats``/``_enrollments``/``_suppression`` tables and ``_queue``."""

    def stats(self, cid: str) -> dict:
        """Counters plus ``queued``: leads whose next step is due now but not yet sent (held, over capacity...)."""
        st = self._stats.get(cid)
        counters = dict(st["counters"]) if st else dict.fromkeys(COUNTERS, 0)
        now = self.ctx.now_ts()
        docs = self._enrollments._docs
        sup = self._suppression._docs
        queued = 0
        for lead in self._queue(cid).members:
            d = docs.get(f"{cid}|{lead}")
            if d is not None and d["status"] == "active" and d["due"] is not None and d["due"] <= now \
                    and d["email"] not in sup:
                queued += 1
        counters["queued"] = queued
        counters["classes"] = dict(st["classes"]) if st else {}
        return counters

    def daily(self, cid: str) -> dict[str, dict[str, int]]:
        """Events per simulated UTC day: ``{"2026-01-05": {"sent", "bounced", "opened", "replied" (replies)}}``."""
        st = self._stats.get(cid)
        days = (st.get("daily") or {}) if st else {}
        return {from_ts(int(d) * DAY).strftime("%Y-%m-%d"): dict(v) for d, v in sorted(days.items(), key=lambda i: int(i[0]))}

    def queued_by_sender(self, cid: str) -> dict:
        """Leads due now but unsent, by the sender they are tied to (``sticky`` campaigns; None: any sender)."""
        now = self.ctx.now_ts()
        docs = self._enrollments._docs
        sup = self._suppression._docs
        out: dict = {}
        for lead in self._queue(cid).members:
            d = docs.get(f"{cid}|{lead}")
            if d is not None and d["status"] == "active" and d["due"] is not None and d["due"] <= now \
                    and d["email"] not in sup:
                key = d.get("sender")
                out[key] = out.get(key, 0) + 1
        return out

    def next_tick(self, cid: str) -> float | None:
        """When the campaign's next tick job is due (None: nothing pending)."""
        st = self._stats.get(cid)
        return None if st is None else st["tick_due"]

    def _bump(self, cid: str, counters: dict[str, int], classes: dict[str, int] | None = None,
              extra: dict | None = None) -> None:
        if not counters and not classes and not extra:
            return
        st = self._stats.get(cid)
        merged = dict(st["counters"])
        for k, v in counters.items():
            merged[k] = merged.get(k, 0) + v
        changes: dict[str, Any] = {"counters": merged}
        if classes:
            cl = dict(st["classes"])
            for k, v in classes.items():
                cl[k] = cl.get(k, 0) + v
            changes["classes"] = cl
        if extra:
            changes.update(extra)
        if any(k in counters for k in DAILY):  # events per simulated UTC day, for the dashboard's timeline
            daily = dict(st.get("daily") or {})
            day = str(int(self.ctx.now_ts() // DAY))
            bucket = dict(daily.get(day) or {})
            for k, name in DAILY.items():
                if counters.get(k):
                    bucket[name] = bucket.get(name, 0) + counters[k]
            daily[day] = bucket
            changes["daily"] = daily
        self._stats.update(cid, changes)
