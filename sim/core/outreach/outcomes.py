"""What recipients do with a sent message: bounces (and the suppression they cause), opens, replies and their
text, message ids, and the controls that inject a reply or a bounce. Part of ``Outreach``."""

from __future__ import annotations

import hashlib
import math
from typing import Any

from sim.core.clock import from_ts
from sim.core.errors import Conflict
from sim.core.ids import digest, stream
from sim.core.outreach.model import ACCEPT, BOUNCE, DAY, EXPIRE, OPEN, REPLY, OutreachEvent, normalize_email
from sim.core.recipients import HARD_BOUNCE_REASONS, SOFT_BOUNCE_REASONS, draw_email, reply_text


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


class Outcomes:
    """Delivery outcomes, replies and suppression. Needs ``ctx``, the reply and suppression options, ``draw``, the
    ``_replies``/``_suppression``/``_enrollments`` tables and ``_camp_and_enrollment``/``_last_sent``/``_bump``/``_dispatch``."""

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
