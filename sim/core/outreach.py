"""The vendor-neutral outreach engine: sequences, senders, pool capacity, windows, suppression, simulated recipients.

Every outreach vendor (Leadterra, Puffle, ...) drives its campaigns through one ``Outreach`` bound to its
``VendorContext``. The engine owns the sending rules and the simulated world; the vendor owns its wire shapes,
its ids and its webhooks. No Flask, no vendor names.

API (all methods run under the store lock: inside a request view, a control or a job)::

    engine = Outreach(ctx, job_kind="<vendor>.outreach_tick", on_events=callback)   # cheap: one per call
    # options: reply_prefix="rpl_", message_prefix="msg_", resolution=300, stop_on_reply=True,
    #          out_of_office_stops=True, unsubscribe_suppresses=True, hard_bounce_suppresses=True,
    #          wants=lambda engine: {"sent", ...} | None  (event kinds worth building this tick; None = all)

    # pools and senders: capacity is per pool and per simulated UTC day; only "active" senders send
    engine.put_pool(pool_id, daily_capacity=500, used_today=88, order=0, **vendor_fields)
    engine.put_sender(sender_id, pool=pool_id, status="active", order=0, **vendor_fields)
    engine.pools() / engine.pool(id) / engine.senders(pool_id=None) / engine.sender(id)   # documents, in order
    engine.remaining_today(pool_doc) -> int ; engine.used_today(pool_doc) -> int
    engine.set_pool_capacity(pool_id, daily_capacity=None, remaining_today=None)
    engine.set_sender_status(sender_id, status)           # "active" | "paused" | "warming" | any vendor word

    # suppression (workspace-wide, emails compared lowercased and trimmed)
    engine.suppress(emails, reason="manual", source="api") -> (added, already)
    engine.is_suppressed(email) -> bool ; engine.suppression() -> documents keyed by email

    # campaigns: steps are dicts with "delay" (seconds after the previous step's send; for the first step,
    # after enrolment or start) plus any vendor fields (subject, body...). window: see ``next_open``.
    engine.create_campaign(cid, steps=[{"delay": 0, ...}], window=None, pools=None, **vendor_fields)
    engine.campaign(cid) -> document | None ; engine.campaigns() ; engine.next_tick(cid) -> ts | None
    engine.update_campaign(cid, **vendor_fields) ; engine.set_window(cid, window)
    engine.enroll(cid, [(lead_id, email), ...]) -> list[bool]   # True = new in this campaign
    engine.enrollment(cid, lead_id) / engine.enrollments(cid) / engine.enrolled_count(cid)
    engine.start(cid) -> "started" | "resumed" | None            # None: already running (no-op)
    engine.pause(cid) -> bool                                    # False: not running (no-op)
    engine.stats(cid) -> dict                                    # COUNTERS + "queued" + "classes"
    engine.replies(campaign=None) -> reply documents, newest first ; engine.reply(id) ; engine.update_reply(id, **f)
    engine.reply_text(reply_doc) -> str ; engine.message_id(cid, lead_id, step) -> str
    engine.inject_reply(cid, lead_id, classification, text=None) -> reply document (with "id")
    engine.force_bounce(cid, lead_id, "hard"|"soft", reason=None) -> OutreachEvent
    engine.wake(cid=None)                                        # re-check deferred sends now

    # the vendor registers ``spec.jobs[job_kind] = lambda ctx, args: Outreach(ctx, ...).tick(args)``

Documents (in the vendor's namespace, tables ``outreach/<name>``): a campaign keeps the vendor's fields plus
``status`` (draft | running | paused), ``steps``, ``window``, ``pools``, ``created_at``, ``started_at``,
``first_started_at``, ``paused_at`` (epoch seconds). An enrolment (id ``"<cid>|<lead>"``) has ``campaign``,
``lead``, ``email``, ``status`` (active | completed | replied | unsubscribed | bounced | suppressed), ``step``
(next 0-based step), ``due`` (when that step is due, None if none), ``sent_at`` (one time per sent step),
``replied``, ``enrolled_at``. A reply has ``campaign``, ``lead``, ``email``, ``classification``, ``at``,
``text`` (None until read: see ``reply_text``), ``step``, ``message_id`` and any vendor fields.
``stats()`` counters: enrolled, sent, delivered (sent and not bounced), bounced, hard_bounced, soft_bounced,
opened (messages), replied (leads), replies (messages), unsubscribed, out_of_office, skipped (suppressed at
send time), completed (leads through every step), queued (due but unsent now), classes ({class: replies}).

Events: after every tick, and after ``inject_reply``/``force_bounce``, the engine calls
``on_events(engine, campaign_doc, [OutreachEvent, ...])`` once with every event of the batch, in the order they
happened. Kinds: ``sent``, ``delivered``, ``bounced`` (``bounce`` = "hard"|"soft", ``reason``), ``opened``,
``replied`` (``reply`` = the stored reply document with its id; its text comes from ``engine.reply_text(reply)``),
``skipped`` (suppressed when its send came due), ``completed`` (last step sent). The vendor turns them into
webhooks; every outcome is already in the store (enrolment state, counters, reply records, suppression list)
before the callback runs.

Throughput design: one scheduler job per campaign at a time (the "tick"), due at the earliest pending item
of that campaign. A tick processes every item due by then (sends, bounces, opens, replies) from an in-memory
heap cached on the enrolment table (``Table.cache``, rebuilt from the enrolment documents after a restart,
reset or restore: a message's outcomes are redrawn from its send time and those after the campaign's last
tick are still to come), then schedules the next tick. Outcome times are rounded up to ``resolution`` seconds
(default 300: five minutes) so nearby outcomes share a tick. Outcomes are drawn once per message from
``sim.core.recipients.draw_email(ctx, campaign, lead, step)`` (order-independent, seeded by the workspace)
and reply text from ``reply_text``.

Rules: a send needs the campaign ``running``, the lead not suppressed, the time inside the campaign's
sending window, and a pool (of the campaign's ``pools``, default all, in ``order``) with capacity left today
and at least one ``active`` sender (senders rotate round-robin). Otherwise the send stays queued: until the
window opens, until the next UTC midnight (capacity renews), or until ``start`` after a pause. A reply stops
the lead's sequence (``stop_on_reply``; out-of-office too unless ``out_of_office_stops=False``); a hard bounce
and an unsubscribe reply add the address to the suppression list and stop the lead; a soft bounce does not.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sim.core.clock import from_ts
from sim.core.errors import Conflict, NotFound
from sim.core.ids import digest, stream
from sim.core.recipients import HARD_BOUNCE_REASONS, SOFT_BOUNCE_REASONS, draw_email, reply_text

DAY = 86400.0

# heap ranks: at one instant bounces, opens, replies, acceptances and expiries are applied before the sends
BOUNCE, OPEN, REPLY, ACCEPT, EXPIRE, SEND = 0, 1, 2, 3, 4, 5
WEEK = 7 * DAY
USAGE_DAYS = 31  # per-day usage kept this many days

COUNTERS = ("enrolled", "sent", "delivered", "bounced", "hard_bounced", "soft_bounced", "opened", "replied",
            "replies", "unsubscribed", "out_of_office", "skipped", "completed")


@dataclass(slots=True)
class OutreachEvent:
    """One thing that happened to one message or lead, at simulated time ``at``."""

    kind: str                    # sent | delivered | bounced | opened | replied | skipped | completed | accepted | expired
    campaign: str
    lead: str
    email: str
    step: int                    # 0-based index of the sequence step
    at: float
    message_id: str | None = None   # None on "opened", "skipped" (use engine.message_id(campaign, lead, step))
    sender: str | None = None
    pool: str | None = None
    bounce: str | None = None    # hard | soft
    reason: str | None = None
    reply: dict | None = None    # {"id", ...the stored reply document}


@dataclass(slots=True)
class Outcome:
    """What a recipient does with one message (delays in seconds after the send; None: it does not happen).

    A ``draw`` hook returns one (``sim.core.recipients.EmailOutcome`` has the same fields but ``accept_after``).
    ``accept_after`` only matters for invitation steps (``"invite": True``): when the invitation is accepted.
    """

    bounce: str | None = None
    bounce_reason: str | None = None
    bounce_after: float | None = None
    open_after: float | None = None
    reply_after: float | None = None
    reply_class: str | None = None
    accept_after: float | None = None


def normalize_email(email: str | None) -> str:
    return (email or "").strip().lower()


def next_open(window: dict | None, ts: float) -> float:
    """The first instant at or after ``ts`` inside ``window``.

    ``window``: ``{"days": [0..6] (Monday=0), "start": minute of day, "end": minute of day (exclusive),
    "utc_offset": minutes east of UTC}``; ``None`` means always open.
    """
    if not window:
        return ts
    if "timezone" in window or "hours" in window:
        return _next_open_zoned(window, ts)
    offset = window.get("utc_offset", 0) * 60
    days = set(window.get("days", range(7)))
    start, end = window.get("start", 0) * 60, window.get("end", 1440) * 60
    if not days or start >= end:
        return math.inf
    local = ts + offset
    day0 = math.floor(local / DAY)
    for d in range(8):
        day = day0 + d
        weekday = (day + 3) % 7  # 1970-01-01 was a Thursday
        if weekday not in days:
            continue
        begin, finish = day * DAY + start, day * DAY + end
        if local < finish:
            return max(local, begin) - offset
    return math.inf


def _next_open_zoned(window: dict, ts: float) -> float:
    """``next_open`` for ``{"timezone": IANA name (default UTC), "hours": {"0".."6": [[start, end], ...]}}``:
    per-weekday spans in minutes of local day (a weekday missing from ``hours`` is closed), DST-aware. Without
    ``hours`` the single ``days``/``start``/``end`` form applies in that time zone."""
    try:
        tz = ZoneInfo(window.get("timezone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    hours = window.get("hours")
    if hours is None:
        days = window.get("days", range(7))
        hours = {str(d): [[window.get("start", 0), window.get("end", 1440)]] for d in days}
    local = datetime.fromtimestamp(ts, tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    for offset in range(8):
        day = midnight + timedelta(days=offset)
        for start, end in sorted(hours.get(str(day.weekday()), ())):
            if end <= start:
                continue
            opens = (day + timedelta(minutes=start)).replace(tzinfo=tz).timestamp()
            closes = (day + timedelta(minutes=end)).replace(tzinfo=tz).timestamp()
            if ts < closes:
                return max(ts, opens)
    return math.inf


class _At:
    """What ``recipients.reply_text`` needs of a context, pinned to the reply's own time."""

    def __init__(self, ctx, ts: float):
        self.ctx, self.ts = ctx, ts

    def fake(self, *key):
        return self.ctx.fake(*key)

    def now(self):
        return from_ts(self.ts)

    def now_ts(self) -> float:
        return self.ts


class _Draws:
    """The context ``draw_email`` needs, with the workspace seed and profile read once per tick."""

    __slots__ = ("seed", "vendor", "profile")

    def __init__(self, ctx):
        self.seed, self.vendor, self.profile = ctx.seed, ctx.vendor, ctx.profile

    def rng(self, *key):
        return stream(self.seed, self.vendor, *key)


class _Queue:
    """The due items of one campaign: heap of (t, rank, lead, step, extra), held sends, member leads."""

    __slots__ = ("heap", "held", "members")

    def __init__(self):
        self.heap: list[tuple] = []
        self.held: list[tuple] = []
        self.members: list[str] = []


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


class Outreach:
    """The outreach world of one (workspace, vendor). Cheap to build: make one per request, control or job."""

    def __init__(self, ctx, *, job_kind: str, on_events=None, reply_prefix: str = "rpl_", message_prefix: str = "msg_",
                 resolution: float = 300.0, stop_on_reply: bool = True, out_of_office_stops: bool = True,
                 unsubscribe_suppresses: bool = True, hard_bounce_suppresses: bool = True, prefix: str = "outreach",
                 wants=None, draw=None, policy=None, spacing: tuple[float, float] | None = None,
                 soft_bounce_stops: bool = False, ready_retry: float = 3600.0):
        self.ctx = ctx
        self.job_kind = job_kind
        self.on_events = on_events
        self.reply_prefix = reply_prefix
        self.message_prefix = message_prefix
        self.resolution = resolution
        self.stop_on_reply = stop_on_reply
        self.out_of_office_stops = out_of_office_stops
        self.unsubscribe_suppresses = unsubscribe_suppresses
        self.hard_bounce_suppresses = hard_bounce_suppresses
        self.wants = wants
        self.draw = draw
        self.policy = policy
        self.spacing = spacing
        self.soft_bounce_stops = soft_bounce_stops
        self.ready_retry = ready_retry
        self._campaigns = ctx.table(f"{prefix}/campaigns")
        self._stats = ctx.table(f"{prefix}/stats")
        self._enrollments = ctx.table(f"{prefix}/enrollments")
        self._pools = ctx.table(f"{prefix}/pools")
        self._senders = ctx.table(f"{prefix}/senders")
        self._suppression = ctx.table(f"{prefix}/suppression")
        self._replies = ctx.table(f"{prefix}/replies")
        self._usage = ctx.table(f"{prefix}/usage")

    # --- pools and senders ------------------------------------------------------------------------
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

    # --- sender usage (every campaign, per UTC day and per channel over a rolling 7 days) ---------------
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

    # --- suppression ------------------------------------------------------------------------------
    def suppress(self, emails, reason: str = "manual", source: str = "api") -> tuple[int, int]:
        """Add addresses; returns (newly added, already there). Duplicates in ``emails`` count once."""
        added = already = 0
        now = self.ctx.now_ts()
        for email in dict.fromkeys(normalize_email(e) for e in emails):
            if email in self._suppression:
                already += 1
            else:
                self._suppression.put(email, {"reason": reason, "source": source, "at": now})
                added += 1
        return added, already

    def is_suppressed(self, email: str) -> bool:
        return normalize_email(email) in self._suppression

    def suppression(self) -> list:
        return self._suppression.all()

    # --- campaigns ----------------------------------------------------------------------------------
    def create_campaign(self, cid: str, *, steps: list[dict], window: dict | None = None, pools: list[str] | None = None,
                        senders: list[str] | None = None, daily_limit: int | None = None, sticky: bool = False,
                        **fields: Any) -> dict:
        now = self.ctx.now_ts()
        doc = self._campaigns.put(cid, {**fields, "status": "draft", "steps": [dict(s) for s in steps], "window": window,
                                        "pools": pools, "senders": senders, "daily_limit": daily_limit, "sticky": sticky,
                                        "created_at": now, "started_at": None, "first_started_at": None,
                                        "paused_at": None})
        self._stats.put(cid, {"counters": dict.fromkeys(COUNTERS, 0), "classes": {}, "tick_job": None, "tick_due": None,
                              "processed_until": None})
        self._queues()[cid] = _Queue()
        return doc

    def campaign(self, cid: str):
        return self._campaigns.get(cid)

    def delete_campaign(self, cid: str) -> bool:
        """Forget the campaign, its enrolments, counters, replies and pending tick (False: there was none)."""
        if cid not in self._campaigns:
            return False
        st = self._stats.get(cid)
        if st is not None and st["tick_job"] is not None:
            self.ctx.cancel(st["tick_job"])
        q = self._queue(cid)
        for lead in q.members:
            self._enrollments.remove(f"{cid}|{lead}")
        for r in self._replies.search(lambda d: d["campaign"] == cid):
            self._replies.remove(r.doc_id)
        self._stats.remove(cid)
        self._campaigns.remove(cid)
        self._queues().pop(cid, None)
        return True

    def campaigns(self) -> list:
        return self._campaigns.all()

    def next_tick(self, cid: str) -> float | None:
        """When the campaign's next tick job is due (None: nothing pending)."""
        st = self._stats.get(cid)
        return None if st is None else st["tick_due"]

    def update_campaign(self, cid: str, **fields: Any) -> dict:
        return self._campaigns.update(cid, fields)

    def set_window(self, cid: str, window: dict | None) -> dict:
        doc = self._campaigns.update(cid, {"window": window})
        self.wake(cid)
        return doc

    def enrollment(self, cid: str, lead: str):
        return self._enrollments.get(f"{cid}|{lead}")

    def enrollments(self, cid: str) -> list:
        docs = self._enrollments
        return [docs.get(f"{cid}|{lead}") for lead in self._queue(cid).members]

    def enrolled_count(self, cid: str) -> int:
        return len(self._queue(cid).members)

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

    def enroll(self, cid: str, leads: list[tuple[str, str]]) -> list[bool]:
        """Enrol ``(lead_id, email)`` pairs; a lead already in the campaign keeps its place (False)."""
        camp = self._campaigns.get(cid)
        if camp is None:
            raise NotFound(f"campaign {cid} not found")
        q = self._queue(cid)
        now = self.ctx.now_ts()
        live = camp["status"] != "draft"
        steps = camp["steps"]
        due = now + steps[0]["delay"] if live and steps else None
        table = self._enrollments
        out = []
        added = 0
        for lead, email in leads:
            key = f"{cid}|{lead}"
            if key in table:
                out.append(False)
                continue
            table.put(key, {"campaign": cid, "lead": lead, "email": normalize_email(email), "status": "active",
                            "step": 0, "due": due, "sent_at": [], "replied": False, "enrolled_at": now,
                            "sender": None, "waiting": None, "accepted": False})
            q.members.append(lead)
            if due is not None:
                heapq.heappush(q.heap, (due, SEND, lead, 0, None))
            out.append(True)
            added += 1
        if added:
            self._bump(cid, {"enrolled": added})
            if due is not None:
                self._ensure_tick(cid, due)
        return out

    def start(self, cid: str) -> str | None:
        """draft -> running (queue step 1 for every lead), paused -> running (release held sends)."""
        camp = self._campaigns.get(cid)
        if camp is None:
            raise NotFound(f"campaign {cid} not found")
        status = camp["status"]
        if status == "running":
            return None
        now = self.ctx.now_ts()
        q = self._queue(cid)
        changes: dict[str, Any] = {"status": "running", "started_at": now}
        if status == "draft":
            changes["first_started_at"] = now
            steps = camp["steps"]
            due = now + (steps[0]["delay"] if steps else 0)
            table = self._enrollments
            for lead in q.members:
                key = f"{cid}|{lead}"
                doc = table._docs[key]
                if doc["status"] == "active" and doc["step"] == 0 and doc["due"] is None:
                    table.update(key, {"due": due})
                    q.heap.append((due, SEND, lead, 0, None))
            heapq.heapify(q.heap)
        else:
            for item in q.held:
                heapq.heappush(q.heap, item)
            q.held.clear()
        self._campaigns.update(cid, changes)
        if q.heap:
            self._ensure_tick(cid, q.heap[0][0])
        return "started" if status == "draft" else "resumed"

    def pause(self, cid: str) -> bool:
        camp = self._campaigns.get(cid)
        if camp is None:
            raise NotFound(f"campaign {cid} not found")
        if camp["status"] != "running":
            return False
        self._campaigns.update(cid, {"status": "paused", "paused_at": self.ctx.now_ts()})
        return True

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

    def replies(self, campaign: str | None = None) -> list:
        docs = self._replies.all() if campaign is None else self._replies.search(lambda d: d["campaign"] == campaign)
        docs.reverse()  # newest first; a stable sort keeps later-recorded replies first among equal times
        return sorted(docs, key=lambda d: d["at"], reverse=True)

    def reply(self, reply_id: str):
        return self._replies.get(reply_id)

    def update_reply(self, reply_id: str, **fields: Any) -> dict:
        return self._replies.update(reply_id, fields)

    def reply_text(self, reply: dict) -> str:
        """The reply's text: given when injected, else Faker-written on first read (deterministic, cached)."""
        if reply.get("text") is not None:
            return reply["text"]
        rid = reply["id"] if "id" in reply else reply.doc_id
        texts = self._replies.cache.setdefault("text", {})
        text = texts.get(rid)
        if text is None:
            text = texts[rid] = reply_text(_At(self.ctx, reply["at"]), reply["classification"], reply["campaign"],
                                           reply["lead"], reply["step"])
        return text

    def message_id(self, cid: str, lead: str, step: int) -> str:
        """Stable id of the message of ``step`` to ``lead`` (the same in every webhook about it)."""
        return self._message_ids(cid)(lead, step)

    def _message_ids(self, cid: str):
        base = hashlib.blake2b(digest(self.ctx.seed, self.ctx.vendor, "msg", cid, size=32), digest_size=12)
        prefix = self.message_prefix

        def make(lead: str, step: int) -> str:
            h = base.copy()
            h.update(f"{lead}|{step}".encode())
            return prefix + h.hexdigest()
        return make

    # --- controls -------------------------------------------------------------------------------------
    def inject_reply(self, cid: str, lead: str, classification: str, text: str | None = None) -> dict:
        """A reply from ``lead`` now, as if the simulated recipient had written it."""
        camp, doc = self._camp_and_enrollment(cid, lead)
        now = self.ctx.now_ts()
        step = self._last_sent(doc)
        step = 0 if step is None else step
        events: list[OutreachEvent] = []
        counters: dict[str, int] = {}
        classes: dict[str, int] = {}
        changes = self._apply_reply(camp, doc, step, classification, now, events, counters, classes, text=text)
        self._enrollments.update(doc.doc_id, changes)
        self._bump(cid, counters, classes)
        self._dispatch(camp, events)
        return events[0].reply

    def force_bounce(self, cid: str, lead: str, kind: str = "hard", reason: str | None = None) -> OutreachEvent:
        """Bounce the lead's latest sent message now."""
        camp, doc = self._camp_and_enrollment(cid, lead)
        step = self._last_sent(doc)
        if step is None:
            raise Conflict(f"lead {lead} has no sent message to bounce")
        reason = reason or (HARD_BOUNCE_REASONS[0] if kind == "hard" else SOFT_BOUNCE_REASONS[0])
        events: list[OutreachEvent] = []
        counters: dict[str, int] = {}
        changes = self._apply_bounce(camp, doc, step, kind, reason, self.ctx.now_ts(), events, counters)
        self._enrollments.update(doc.doc_id, changes)
        self._bump(cid, counters)
        self._dispatch(camp, events)
        return events[0]

    def wake(self, cid: str | None = None) -> None:
        """Move sends deferred to a later time (closed window, no capacity) back to their due time and tick now."""
        queues = self._queues()
        now = self.ctx.now_ts()
        docs = self._enrollments._docs
        for c, q in queues.items():
            if cid is not None and c != cid:
                continue
            camp = self._campaigns.get(c)
            if camp is None or camp["status"] != "running":
                continue
            changed = bool(q.held)
            q.heap.extend(q.held)  # sends parked behind a window that never opened
            q.held.clear()
            for i, (t, rank, lead, step, extra) in enumerate(q.heap):
                if rank == SEND and t > now:
                    d = docs.get(f"{c}|{lead}")
                    if d is not None and d["due"] is not None and d["due"] < t and d["step"] == step:
                        q.heap[i] = (max(d["due"], 0.0), rank, lead, step, extra)
                        changed = True
            if changed:
                heapq.heapify(q.heap)
            if q.heap and q.heap[0][0] <= now:
                self._ensure_tick(c, now)

    # --- the tick -----------------------------------------------------------------------------------
    def tick(self, args: dict) -> None:
        """Job handler: process every item of the campaign due by now, then schedule the next tick."""
        cid = args.get("campaign")
        camp = self._campaigns.get(cid)
        st = self._stats.get(cid)
        if camp is None or st is None:
            return
        now = self.ctx.now_ts()
        q = self._queue(cid)
        heap, held = q.heap, q.held
        running = camp["status"] == "running"
        steps = camp["steps"]
        nsteps = len(steps)
        channels = [s.get("channel") for s in steps]
        sticky = bool(camp.get("sticky"))
        camp_limit = camp.get("daily_limit")
        table = self._enrollments
        docs = table._docs
        sup = self._suppression._docs
        window = camp.get("window")
        res = self.resolution
        ctx = self.ctx
        draws = _Draws(ctx)
        draw = self.draw
        message_id = self._message_ids(cid)
        events: list[OutreachEvent] = []
        wanted = self.wants(self) if self.wants is not None else None
        want_sent, want_delivered, want_opened, want_completed, want_skipped = (
            wanted is None or kind in wanted for kind in ("sent", "delivered", "opened", "completed", "skipped"))
        want_ids = want_sent or want_delivered or want_completed
        counters: dict[str, int] = {}
        classes: dict[str, int] = {}
        deferred: list[tuple] = []
        pools: list[_PoolState] | None = None
        senders: list[_SenderState] = []
        camp_sent = 0
        blocked: dict[tuple, float] = {}
        open_at: float | None = None
        pop, push, ceil = heapq.heappop, heapq.heappush, math.ceil
        sent = delivered = opened = 0
        while heap and heap[0][0] <= now:
            item = pop(heap)
            t, rank, lead, step, extra = item
            key = f"{cid}|{lead}"
            doc = docs.get(key)
            if doc is None:
                continue
            if rank == SEND:
                if doc["status"] != "active" or doc["step"] != step:
                    continue
                if not running:
                    held.append(item)
                    continue
                if step < nsteps and steps[step].get("needs_accept") and not doc.get("accepted"):
                    # a step only for leads who accepted an invitation: skipped, the sequence goes on
                    changes = self._next_step(camp, doc, step, now, heap, events, counters, want_completed, message_id)
                    changes["sent_at"] = doc["sent_at"] + [None]
                    table.update(key, changes)
                    continue
                fixed = doc.get("sender") if sticky else None
                bkey = (channels[step], fixed)
                until = blocked.get(bkey)
                if until is not None:
                    deferred.append((until, rank, lead, step, extra))
                    continue
                email = doc["email"]
                if email in sup:
                    table.update(key, {"status": "suppressed", "due": None})
                    counters["skipped"] = counters.get("skipped", 0) + 1
                    if want_skipped:
                        events.append(OutreachEvent("skipped", cid, lead, email, step, now))
                    continue
                if window:
                    if open_at is None:
                        open_at = next_open(window, now)
                    if open_at > now:
                        if open_at != math.inf:
                            deferred.append((open_at, rank, lead, step, extra))
                        else:
                            held.append(item)
                        continue
                if pools is None:
                    pools, senders = self._pool_states(camp, now)
                    if camp_limit is not None:
                        camp_sent = sum(s.campaigns.get(cid, 0) for s in senders)
                picked = None
                if camp_limit is None or camp_sent < camp_limit:
                    picked = self._pick(pools, channels[step], fixed, now)
                if picked is None:
                    if camp_limit is not None and camp_sent >= camp_limit:
                        until = (math.floor(now / DAY) + 1) * DAY
                    else:
                        until = self._blocked_until(pools, channels[step], fixed, now)
                    blocked[bkey] = until
                    if until == math.inf:
                        held.append(item)
                    else:
                        deferred.append((until, rank, lead, step, extra))
                    continue
                pool, sender = picked
                pool.remaining -= 1
                pool.used += 1
                pool.sent += 1
                camp_sent += 1
                sid = sender.id
                self._count_send(sender, cid, channels[step], now)
                mid = message_id(lead, step) if want_ids else None
                spec = steps[step]
                out = draw_email(draws, cid, lead, step) if draw is None else draw(draws, cid, lead, step, spec)
                sent += 1
                if want_sent:
                    events.append(OutreachEvent("sent", cid, lead, email, step, now, mid, sid, pool.id))
                if out.bounce is not None:
                    push(heap, (ceil((now + out.bounce_after) / res) * res, BOUNCE, lead, step, f"{out.bounce}|{out.bounce_reason}"))
                else:
                    delivered += 1
                    if want_delivered:
                        events.append(OutreachEvent("delivered", cid, lead, email, step, now, mid, sid, pool.id))
                    if out.open_after is not None:
                        push(heap, (ceil((now + out.open_after) / res) * res, OPEN, lead, step, None))
                    if out.reply_after is not None:
                        push(heap, (ceil((now + out.reply_after) / res) * res, REPLY, lead, step, out.reply_class))
                if spec.get("invite"):
                    accept = getattr(out, "accept_after", None)
                    if out.bounce is None and accept is not None:
                        push(heap, (ceil((now + accept) / res) * res, ACCEPT, lead, step, None))
                    else:
                        push(heap, (now + spec.get("invite_timeout", 14 * DAY), EXPIRE, lead, step, None))
                    changes = {"step": step + 1, "sent_at": doc["sent_at"] + [now], "due": None, "waiting": step}
                else:
                    changes = self._next_step(camp, doc, step, now, heap, events, counters, want_completed, message_id)
                    changes["sent_at"] = doc["sent_at"] + [now]
                if sticky and fixed is None:
                    changes["sender"] = sid
                table.update(key, changes)
                continue
            # an outcome of a message already sent (persisted implicitly: see _queues)
            if rank == OPEN:
                opened += 1
                if want_opened:
                    events.append(OutreachEvent("opened", cid, lead, doc["email"], step, now))
            elif rank == BOUNCE:
                kind, _, reason = extra.partition("|")
                changes = self._apply_bounce(camp, doc, step, kind, reason, now, events, counters)
                if changes:
                    table.update(key, changes)
            elif rank == REPLY:
                changes = self._apply_reply(camp, doc, step, extra, now, events, counters, classes)
                table.update(key, changes)
            elif doc["status"] == "active" and doc.get("waiting") == step:
                if rank == ACCEPT:
                    events.append(OutreachEvent("accepted", cid, lead, doc["email"], step, now, message_id(lead, step)))
                    changes = self._next_step(camp, doc, step, now, heap, events, counters, True, message_id)
                    changes.update(accepted=True, waiting=None)
                    counters["accepted"] = counters.get("accepted", 0) + 1
                else:
                    events.append(OutreachEvent("expired", cid, lead, doc["email"], step, now, message_id(lead, step)))
                    changes = {"status": "expired", "due": None, "waiting": None}
                    counters["expired"] = counters.get("expired", 0) + 1
                table.update(key, changes)
        for item in deferred:
            push(heap, item)
        if sent:
            counters["sent"] = counters.get("sent", 0) + sent
            counters["delivered"] = counters.get("delivered", 0) + delivered
        if opened:
            counters["opened"] = counters.get("opened", 0) + opened
        if pools:
            day = self._day(now)
            for p in pools:
                if p.sent:
                    self._pools.update(p.id, {"used": p.used, "used_day": day, "rr": p.rr})
            for s in senders:
                if s.dirty:
                    self._save_usage(s, now)
        st_changes: dict[str, Any] = {"processed_until": now, "tick_job": None, "tick_due": None}
        if heap:
            due = max(heap[0][0], now)
            st_changes.update(tick_job=ctx.schedule(self.job_kind, due, {"campaign": cid}), tick_due=due)
        self._bump(cid, counters, classes, st_changes)
        self._dispatch(camp, events)

    def _next_step(self, camp, doc, step, now, heap, events, counters, want_completed, message_id) -> dict:
        """The lead is done with ``step``: queue the next one, or complete the sequence."""
        steps = camp["steps"]
        if step + 1 < len(steps):
            due = now + steps[step + 1]["delay"]
            heapq.heappush(heap, (due, SEND, doc["lead"], step + 1, None))
            return {"step": step + 1, "due": due}
        counters["completed"] = counters.get("completed", 0) + 1
        if want_completed:
            events.append(OutreachEvent("completed", camp.doc_id, doc["lead"], doc["email"], step, now,
                                        message_id(doc["lead"], step)))
        return {"step": step + 1, "due": None, "status": "completed"}

    # --- internals ------------------------------------------------------------------------------------
    @staticmethod
    def _day(ts: float) -> int:
        return int(math.floor(ts / DAY))

    def _queues(self) -> dict[str, _Queue]:
        cache = self._enrollments.cache
        queues = cache.get("outreach")
        if queues is None:
            # Outcomes are not stored one by one: a message's outcomes are redrawn from its send time, and
            # those after the campaign's last processed tick are still to come.
            queues = {cid: _Queue() for cid in self._campaigns.ids()}
            done = {cid: (st.get("processed_until") or 0.0) for cid, st in self._stats._docs.items()}
            res = self.resolution
            draws = _Draws(self.ctx)
            steps = {cid: c["steps"] for cid, c in self._campaigns._docs.items()}
            for d in self._enrollments._docs.values():
                cid = d["campaign"]
                q = queues.get(cid)
                if q is None:
                    continue
                lead = d["lead"]
                q.members.append(lead)
                if d["due"] is not None and d["status"] == "active":
                    q.heap.append((d["due"], SEND, lead, d["step"], None))
                for step, sent_ts in enumerate(d["sent_at"]):
                    if sent_ts is None:  # a skipped step
                        continue
                    for item in self._outcome_items(draws, cid, lead, step, sent_ts, res, steps[cid][step]):
                        if item[0] > done.get(cid, 0.0):
                            q.heap.append(item)
            for q in queues.values():
                heapq.heapify(q.heap)
            cache["outreach"] = queues
        return queues

    def _outcome_items(self, draws, cid: str, lead: str, step: int, sent_ts: float, res: float,
                       spec: dict) -> list[tuple]:
        out = draw_email(draws, cid, lead, step) if self.draw is None else self.draw(draws, cid, lead, step, spec)
        ceil = math.ceil
        items = []
        if spec.get("invite"):
            accept = getattr(out, "accept_after", None)
            if out.bounce is None and accept is not None:
                items.append((ceil((sent_ts + accept) / res) * res, ACCEPT, lead, step, None))
            else:
                items.append((sent_ts + spec.get("invite_timeout", 14 * DAY), EXPIRE, lead, step, None))
        if out.bounce is not None:
            return items + [(ceil((sent_ts + out.bounce_after) / res) * res, BOUNCE, lead, step,
                             f"{out.bounce}|{out.bounce_reason}")]
        if out.open_after is not None:
            items.append((ceil((sent_ts + out.open_after) / res) * res, OPEN, lead, step, None))
        if out.reply_after is not None:
            items.append((ceil((sent_ts + out.reply_after) / res) * res, REPLY, lead, step, out.reply_class))
        return items

    def _queue(self, cid: str) -> _Queue:
        queues = self._queues()
        q = queues.get(cid)
        if q is None:
            q = queues[cid] = _Queue()
        return q

    @staticmethod
    def _last_sent(doc) -> int | None:
        """Index of the lead's latest sent step (skipped steps have no send time)."""
        for i in range(len(doc["sent_at"]) - 1, -1, -1):
            if doc["sent_at"][i] is not None:
                return i
        return None

    def _camp_and_enrollment(self, cid: str, lead: str):
        camp = self._campaigns.get(cid)
        if camp is None:
            raise NotFound(f"campaign {cid} not found")
        doc = self._enrollments.get(f"{cid}|{lead}")
        if doc is None:
            raise NotFound(f"lead {lead} is not enrolled in campaign {cid}")
        return camp, doc

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

    def _apply_bounce(self, camp, doc, step, kind, reason, now, events, counters) -> dict:
        cid, lead, email = camp.doc_id, doc["lead"], doc["email"]
        counters["bounced"] = counters.get("bounced", 0) + 1
        name = "hard_bounced" if kind == "hard" else "soft_bounced"
        counters[name] = counters.get(name, 0) + 1
        events.append(OutreachEvent("bounced", cid, lead, email, step, now, self.message_id(cid, lead, step),
                                    bounce=kind, reason=reason))
        changes: dict[str, Any] = {}
        if kind == "hard" and self.hard_bounce_suppresses and email and email not in self._suppression:
            self._suppression.put(email, {"reason": "hard_bounce", "source": "bounce", "at": now})
        if (kind == "hard" or self.soft_bounce_stops) and doc["status"] in ("active", "completed"):
            changes.update(status="bounced", due=None, waiting=None)
        return changes

    def _apply_reply(self, camp, doc, step, classification, now, events, counters, classes, text=None) -> dict:
        cid, lead, email = camp.doc_id, doc["lead"], doc["email"]
        ctx = self.ctx
        rid = ctx.ids.ulid(self.reply_prefix, int(now * 1000))
        reply = self._replies.put(rid, {"campaign": cid, "lead": lead, "email": email, "classification": classification,
                                        "at": now, "text": text, "step": step,
                                        "message_id": self.message_id(cid, lead, step)})
        counters["replies"] = counters.get("replies", 0) + 1
        classes[classification] = classes.get(classification, 0) + 1
        changes: dict[str, Any] = {"replied": True}
        if not doc["replied"]:
            counters["replied"] = counters.get("replied", 0) + 1
        stops = self.stop_on_reply and (classification != "out_of_office" or self.out_of_office_stops)
        if classification == "out_of_office":
            counters["out_of_office"] = counters.get("out_of_office", 0) + 1
        if classification == "unsubscribe":
            counters["unsubscribed"] = counters.get("unsubscribed", 0) + 1
            stops = True
            if self.unsubscribe_suppresses and email and email not in self._suppression:
                self._suppression.put(email, {"reason": "unsubscribe", "source": "reply", "at": now})
        if stops and doc["status"] in ("active", "completed"):
            changes.update(status="unsubscribed" if classification == "unsubscribe" else "replied", due=None, waiting=None)
        events.append(OutreachEvent("replied", cid, lead, email, step, now, reply["message_id"],
                                    reply={"id": rid, **reply}))
        return changes

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
        self._stats.update(cid, changes)

    def _ensure_tick(self, cid: str, due: float) -> None:
        """Make sure a tick job of ``cid`` runs no later than ``due`` (never in the past)."""
        due = max(due, self.ctx.now_ts())
        st = self._stats.get(cid)
        if st["tick_job"] is not None:
            if st["tick_due"] <= due:
                return
            self.ctx.cancel(st["tick_job"])
        job = self.ctx.schedule(self.job_kind, due, {"campaign": cid})
        self._stats.update(cid, {"tick_job": job, "tick_due": due})

    def _dispatch(self, camp, events: list[OutreachEvent]) -> None:
        if events and self.on_events is not None:
            self.on_events(self, camp, events)
