"""Campaigns and their sequences: enrolment, start/pause, sending windows, and the tick job that sends each due step
and applies every outcome due by now. Part of ``Outreach``."""

from __future__ import annotations

import heapq
import math
from typing import Any

from sim.core.errors import NotFound
from sim.core.outreach.capacity import _PoolState, _SenderState
from sim.core.outreach.model import ACCEPT, BOUNCE, COUNTERS, DAY, EXPIRE, OPEN, REPLY, SEND, OutreachEvent, normalize_email
from sim.core.outreach.outcomes import _Draws
from sim.core.outreach.windows import next_open
from sim.core.recipients import draw_email


class _Queue:
    """The due items of one campaign: heap of (t, rank, lead, step, extra), held sends, member leads."""

    __slots__ = ("heap", "held", "members")

    def __init__(self):
        self.heap: list[tuple] = []
        self.held: list[tuple] = []
        self.members: list[str] = []


class Sequencing:
    """Campaign lifecycle and the tick. Needs every table of ``Outreach`` and the other parts' methods."""

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
