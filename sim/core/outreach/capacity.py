"""Who may send now: pools with a daily capacity, senders with daily, weekly-per-channel and spacing limits, and
their usage across campaigns (per UTC day, rolling 7 days per channel). Part of ``Outreach``."""

from __future__ import annotations

import math
from typing import Any

from sim.core.errors import NotFound
from sim.core.ids import stream
from sim.core.outreach.model import DAY, USAGE_DAYS, WEEK


class _PoolState:
    __slots__ = ("id", "remaining", "used", "senders", "rr", "sent")

    def __init__(self, pool_id, remaining, used, senders, rr):
        self.id, self.remaining, self.used, self.senders, self.rr, self.sent = pool_id, remaining, used, senders, rr, 0


class _SenderState:
    """One sender during a tick: its limits (daily, weekly per channel, spacing) and its usage so far."""

    __slots__ = ("id", "daily", "caps", "spacing", "day", "used", "weekly", "next_at", "count", "campaigns", "dirty")

    def __init__(self, sid: str, daily, caps, spacing, usage: dict | None, day: int, now: float):
        self.id, self.daily, self.caps, self.spacing, self.day = sid, daily, caps or None, spacing, day
        usage = usage or {}
        today = (usage.get("days") or {}).get(str(day)) or {}
        self.used = today.get("total", 0)
        self.campaigns = dict(today.get("campaigns") or {})
        since = now - WEEK
        self.weekly = {ch: [t for t in ts if t > since] for ch, ts in (usage.get("channels") or {}).items()}
        self.next_at = usage.get("next_at")
        self.count = usage.get("count", 0)
        self.dirty = False

    def free(self, channel, now: float) -> bool:
        if self.daily is not None and self.used >= self.daily:
            return False
        if self.next_at is not None and self.next_at > now:
            return False
        if channel is not None and self.caps is not None:
            cap = self.caps.get(channel)
            if cap is not None and sum(1 for t in self.weekly.get(channel, ()) if t > now - WEEK) >= cap:
                return False
        return True

    def free_at(self, channel, now: float) -> float:
        """The earliest time this sender may send on ``channel`` again (inf: never by its own limits)."""
        at = now
        if self.daily is not None and self.used >= self.daily:
            at = max(at, (math.floor(now / DAY) + 1) * DAY)
        if self.next_at is not None and self.next_at > now:
            at = max(at, self.next_at)
        if channel is not None and self.caps is not None:
            cap = self.caps.get(channel)
            if cap is not None:
                recent = sorted(t for t in self.weekly.get(channel, ()) if t > now - WEEK)
                if len(recent) >= cap:
                    at = max(at, math.inf if cap <= 0 else recent[len(recent) - cap] + WEEK)
        return at


class Capacity:
    """Pools, senders and their usage. Needs ``ctx``, ``policy``, ``spacing``, ``ready_retry``, ``_pools``, ``_senders``,
    ``_usage`` and ``wake``/``_day`` (see ``Outreach``)."""

    def put_pool(self, pool_id: str, *, daily_capacity: int | None, used_today: int = 0, order: int | None = None,
                 **fields: Any) -> dict:
        day = self._day(self.ctx.now_ts())
        order = len(self._pools) if order is None else order
        cap = None if daily_capacity is None else int(daily_capacity)
        return self._pools.put(pool_id, {**fields, "daily_capacity": cap, "used": int(used_today),
                                         "used_day": day, "rr": 0, "order": order})

    def pools(self) -> list:
        return sorted(self._pools.all(), key=lambda d: (d["order"], d.doc_id))

    def pool(self, pool_id: str):
        return self._pools.get(pool_id)

    def remaining_today(self, pool: dict) -> int | None:
        """Sends left today (None: the pool has no daily capacity of its own)."""
        if pool["daily_capacity"] is None:
            return None
        used = pool["used"] if pool["used_day"] == self._day(self.ctx.now_ts()) else 0
        return max(0, pool["daily_capacity"] - used)

    def used_today(self, pool: dict) -> int:
        return pool["used"] if pool["used_day"] == self._day(self.ctx.now_ts()) else 0

    def set_pool_capacity(self, pool_id: str, daily_capacity: int | None = None,
                          remaining_today: int | None = None) -> dict:
        pool = self._pools.get(pool_id)
        if pool is None:
            raise NotFound(f"pool {pool_id} not found")
        cap = pool["daily_capacity"] if daily_capacity is None else int(daily_capacity)
        used = self.used_today(pool)
        if remaining_today is not None:
            used = max(0, cap - int(remaining_today))
        doc = self._pools.update(pool_id, {"daily_capacity": cap, "used": used, "used_day": self._day(self.ctx.now_ts())})
        self.wake()
        return doc

    def put_sender(self, sender_id: str, *, pool: str, status: str = "active", order: int | None = None,
                   **fields: Any) -> dict:
        order = len(self._senders) if order is None else order
        return self._senders.put(sender_id, {**fields, "pool": pool, "status": status, "order": order})

    def senders(self, pool_id: str | None = None) -> list:
        docs = self._senders.all() if pool_id is None else self._senders.search(lambda d: d["pool"] == pool_id)
        return sorted(docs, key=lambda d: (d["order"], d.doc_id))

    def sender(self, sender_id: str):
        return self._senders.get(sender_id)

    def update_sender(self, sender_id: str, **fields: Any) -> dict:
        """Change a sender's fields (``daily_limit``, ``weekly_caps``, ``status``...) and re-check deferred sends."""
        if sender_id not in self._senders:
            raise NotFound(f"sender {sender_id} not found")
        doc = self._senders.update(sender_id, fields)
        self.wake()
        return doc

    def sent_on(self, sender_id: str, ts: float | None = None, campaign: str | None = None) -> int:
        """Messages the sender sent on the UTC day of ``ts`` (default now), all campaigns or one."""
        ts = self.ctx.now_ts() if ts is None else ts
        day = ((self._usage.get(sender_id) or {}).get("days") or {}).get(str(self._day(ts))) or {}
        return day.get("total", 0) if campaign is None else day.get("campaigns", {}).get(campaign, 0)

    def weekly_sent(self, sender_id: str, channel: str, ts: float | None = None) -> int:
        """Sends of the sender on ``channel`` in the 7 days up to ``ts`` (default now), across campaigns."""
        ts = self.ctx.now_ts() if ts is None else ts
        stamps = ((self._usage.get(sender_id) or {}).get("channels") or {}).get(channel, ())
        return sum(1 for t in stamps if ts - WEEK < t <= ts)

    def set_sender_status(self, sender_id: str, status: str) -> dict:
        if sender_id not in self._senders:
            raise NotFound(f"sender {sender_id} not found")
        doc = self._senders.update(sender_id, {"status": status})
        self.wake()
        return doc

    def _pool_states(self, camp: dict, now: float) -> tuple[list[_PoolState], list[_SenderState]]:
        """The campaign's pools (in order) with their ready senders, and every sender state built."""
        wanted = camp.get("pools")
        only = camp.get("senders")
        only = None if only is None else set(only)
        day = self._day(now)
        policy = self.policy
        usage = self._usage
        ready: dict[str, list[_SenderState]] = {}
        states: list[_SenderState] = []
        for s in self.senders():
            sid = s.doc_id
            if only is not None and sid not in only:
                continue
            rules = policy(self, s, camp) if policy is not None else {}
            if not rules.get("ready", s["status"] == "active"):
                continue
            daily = rules.get("daily_limit", s.get("daily_limit"))
            caps = rules.get("weekly_caps", s.get("weekly_caps"))
            spacing = rules.get("spacing", s.get("spacing") or self.spacing)
            state = _SenderState(sid, daily, caps, spacing, usage.get(sid), day, now)
            states.append(state)
            ready.setdefault(s["pool"], []).append(state)
        out = []
        for p in self.pools():
            if wanted is not None and p.doc_id not in wanted:
                continue
            used = p["used"] if p["used_day"] == day else 0
            cap = p["daily_capacity"]
            remaining = math.inf if cap is None else max(0, cap - used)
            out.append(_PoolState(p.doc_id, remaining, used, ready.get(p.doc_id, []), p["rr"]))
        return out, states

    @staticmethod
    def _pick(pools: list[_PoolState], channel, fixed, now: float):
        """(pool, sender) for the next send: pools in order, senders round-robin, the first one free now."""
        for p in pools:
            if p.remaining <= 0 or not p.senders:
                continue
            cands = p.senders
            n = len(cands)
            for i in range(n):
                s = cands[(p.rr + i) % n]
                if fixed is not None and s.id != fixed:
                    continue
                if s.free(channel, now):
                    p.rr += i + 1
                    return p, s
        return None

    def _blocked_until(self, pools: list[_PoolState], channel, fixed, now: float) -> float:
        """When a send that found no free sender should be tried again."""
        midnight = (math.floor(now / DAY) + 1) * DAY
        at = math.inf
        found = False
        for p in pools:
            if not p.senders:
                continue
            for s in p.senders:
                if fixed is not None and s.id != fixed:
                    continue
                found = True
                at = min(at, midnight if p.remaining <= 0 else s.free_at(channel, now))
        if not found:  # no ready sender (or none left in a pool with capacity): readiness may change any time
            return min(midnight, now + self.ready_retry) if self.policy is not None else midnight
        return max(at, now)

    def _count_send(self, s: _SenderState, cid: str, channel, now: float) -> None:
        s.used += 1
        s.count += 1
        s.campaigns[cid] = s.campaigns.get(cid, 0) + 1
        if channel is not None:
            s.weekly.setdefault(channel, []).append(now)
        if s.spacing:
            lo, hi = s.spacing
            s.next_at = now + round(stream(self.ctx.seed, self.ctx.vendor, "spacing", s.id, s.count).uniform(lo, hi), 3)
        s.dirty = True

    def _save_usage(self, s: _SenderState, now: float) -> None:
        old = self._usage.get(s.id) or {}
        keep = self._day(now) - USAGE_DAYS
        days = {d: v for d, v in (old.get("days") or {}).items() if int(d) > keep}
        days[str(s.day)] = {"total": s.used, "campaigns": s.campaigns}
        self._usage.put(s.id, {"days": days, "channels": s.weekly, "next_at": s.next_at, "count": s.count})
