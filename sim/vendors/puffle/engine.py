"""Puffle's sending on the shared outreach engine (``sim.core.outreach``).

At launch (``launching -> active``) a campaign becomes an engine campaign: its sendable nodes become steps
(the delay nodes before a step add up to its delay, each at least one minute), its senders the only ones it may
use (sticky: a lead's follow-ups come from the sender that first wrote to it), its ``operating_hours`` the
sending window and its ``daily_limit`` (email) the campaign cap. The engine enforces the per-account daily limit
shared by every campaign, LinkedIn weekly caps over a rolling 7 days (channels ``connection`` and ``message``;
emails count as messages), 2-6 minutes between two sends of one sender, and sender readiness; Puffle's rules
come in through the engine's hooks (``policy``, ``draw``) and its events become prospect statuses, generated
messages and inbox conversations here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sim.core.outreach import Outcome, Outreach
from sim.core.recipients import draw_email, reply_text
from sim.vendors.puffle import backend as b
from sim.vendors.puffle import inbox

TICK_JOB = "puffle.outreach_tick"
POOL = "puffle"
ACCEPT_TIMEOUT = 14 * 86400
STAGGER = (120.0, 360.0)
MIN_DELAY = 60
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CHANNEL = {"email": "message", "message": "message", "connection_request": "connection"}
STATUS_AFTER_SEND = {"email": "sent", "connection_request": "connection_sent", "message": "message_sent"}
WANTS = frozenset(("sent", "completed", "skipped"))
STOPPED = ("replied", "bounced", "cancelled")


def outreach(ctx) -> Outreach:
    return Outreach(ctx, job_kind=TICK_JOB, on_events=on_events, wants=lambda engine: WANTS, resolution=60.0,
                    draw=draw, policy=policy, spacing=STAGGER, soft_bounce_stops=True)


def tick(ctx, args: dict) -> None:
    """Job ``puffle.outreach_tick``."""
    outreach(ctx).tick(args)


# --- campaign -> engine ------------------------------------------------------------------------------------
def linkedin_action(node: dict) -> str:
    if node["type"] == "ai":
        return (node.get("ai_node") or {}).get("output_type") or "message"
    return node["type"]


def steps_of(ctx, camp: dict) -> list[dict]:
    """The engine steps of the campaign's sequence (sendable nodes of its channel, delays folded in)."""
    from sim.vendors.puffle.campaigns import delay_seconds
    email = camp["type"] == "email"
    allowed = ("email", "ai") if email else ("connection_request", "message", "ai")
    steps, delay = [], 0.0
    for node in b.ordered_nodes(ctx, camp["id"]):
        if node["type"] == "delay":
            delay += max(MIN_DELAY, delay_seconds(node))
        elif node["type"] == "end":
            break
        elif node["type"] in allowed:
            action = "email" if email else linkedin_action(node)
            step = {"delay": delay, "node_id": node["id"], "action": action, "channel": CHANNEL.get(action, "message")}
            if action == "connection_request":
                step.update(invite=True, invite_timeout=ACCEPT_TIMEOUT)
            elif not email:
                step["needs_accept"] = True  # LinkedIn only lets you message connections
            steps.append(step)
            delay = 0.0
    if steps:  # the first sends start one stagger after the campaign goes active
        steps[0]["delay"] += round(ctx.rng("stagger", camp["id"]).uniform(*STAGGER), 3)
    return steps


def start(ctx, camp: dict, pids: list[str]) -> dict:
    """launching -> active: enrol every lead in the engine campaign and start sending."""
    engine = outreach(ctx)
    if engine.pool(POOL) is None:
        engine.put_pool(POOL, daily_capacity=None)
    for sid in camp.get("sender_ids", []):
        if engine.sender(sid) is None:
            engine.put_sender(sid, pool=POOL)
    cid = camp["id"]
    engine.delete_campaign(cid)
    engine.create_campaign(cid, steps=steps_of(ctx, camp), window=window_of(ctx, camp), pools=[POOL],
                           senders=list(camp.get("sender_ids", [])), sticky=True,
                           daily_limit=camp.get("daily_limit") if camp["type"] == "email" else None)
    roster = b.prospects(ctx, cid)
    leads = [(pid, p.get("email")) for pid in pids if (p := roster.get(pid)) is not None and p["status"] == "pending"]
    engine.enroll(cid, leads)
    engine.start(cid)
    return check_done(ctx, camp)


def pause(ctx, camp: dict) -> None:
    outreach(ctx).pause(camp["id"])


def resume(ctx, camp: dict) -> None:
    engine = outreach(ctx)
    if engine.campaign(camp["id"]) is not None:
        engine.start(camp["id"])


def forget(ctx, cid: str) -> None:
    outreach(ctx).delete_campaign(cid)


def campaign_changed(ctx, camp: dict) -> None:
    """Carry a live campaign's operating hours and daily limit (PATCH) into the engine."""
    engine = outreach(ctx)
    if engine.campaign(camp["id"]) is None:
        return
    engine.update_campaign(camp["id"], daily_limit=camp.get("daily_limit") if camp["type"] == "email" else None)
    engine.set_window(camp["id"], window_of(ctx, camp))


def limits_changed(ctx) -> None:
    """Timezone, account limits or sender readiness changed: re-plan every live campaign."""
    engine = outreach(ctx)
    for camp in ctx.table("campaigns"):
        if engine.campaign(camp["id"]) is not None:
            engine.set_window(camp["id"], window_of(ctx, camp))
    engine.wake()


# --- hooks ---------------------------------------------------------------------------------------------------
def policy(engine: Outreach, sender: dict, ecamp: dict) -> dict:
    """Readiness and limits of one account for one campaign, read fresh from Puffle's own records."""
    ctx = engine.ctx
    acc = ctx.table("senders").get(sender.doc_id)
    if acc is None:
        return {"ready": False}
    camp = ctx.table("campaigns").get(ecamp.doc_id)
    rules = {"ready": b.sender_ready(ctx, acc), "daily_limit": b.account_daily_limit(acc, camp), "weekly_caps": None}
    if acc["type"] != "email":
        conn, msg = b.weekly_limits(acc)
        rules["weekly_caps"] = {"connection": conn, "message": msg}
    return rules


def draw(draws, cid: str, lead: str, step: int, spec: dict):
    """Email outcomes from the profile's email section; LinkedIn ones from its ``linkedin`` section."""
    action = spec.get("action", "email")
    if action == "email":
        return draw_email(draws, cid, lead, spec["node_id"])
    linkedin = draws.profile.get("linkedin", {})
    rng = draws.rng("linkedin", cid, lead, spec["node_id"])
    if action == "connection_request":
        if rng.random() < linkedin.get("connection_accept_rate", 0.3):
            low, high = linkedin.get("accept_delay_hours", (2, 96))
            return Outcome(accept_after=round(rng.uniform(low, high) * 3600, 3))
        return Outcome()
    if rng.random() < linkedin.get("message_reply_rate", 0.1):
        return Outcome(reply_after=round(rng.uniform(1, 72) * 3600, 3), reply_class=pick_class(draws.profile, rng))
    return Outcome()


def pick_class(profile: dict, rng) -> str:
    weights = profile.get("email", {}).get("reply_classes") or {"interested": 1.0}
    x = rng.random() * sum(weights.values())
    for name, w in weights.items():
        x -= w
        if x < 0:
            return name
    return next(iter(weights))


# --- engine events -> prospects, messages, inbox ----------------------------------------------------------------
def on_events(engine: Outreach, ecamp: dict, events: list) -> None:
    ctx = engine.ctx
    cid = ecamp.doc_id
    camp = ctx.table("campaigns").get(cid)
    if camp is None:
        return
    roster = b.prospects(ctx, cid)
    nodes = b.nodes_table(ctx, cid)
    steps = ecamp["steps"]
    for ev in events:
        p = roster.get(ev.lead)
        if p is None:
            continue
        spec = steps[ev.step] if ev.step < len(steps) else {}
        kind = ev.kind
        if kind == "sent":
            node = nodes.get(spec["node_id"])
            content(ctx, camp, p, node)
            camp = ctx.table("campaigns").update(cid, {"messages_sent": camp.get("messages_sent", 0) + 1})
            camp, _ = b.set_prospect_status(ctx, camp, p, STATUS_AFTER_SEND.get(spec["action"], "message_sent"),
                                            current_node_id=node["id"], _sender=ev.sender, _step=ev.step)
        elif kind == "completed":
            camp, _ = b.set_prospect_status(ctx, camp, p, "completed", current_node_id=None)
        elif kind == "accepted":
            if p["status"] == "connection_sent":
                camp, _ = b.set_prospect_status(ctx, camp, p, "connected")
        elif kind == "expired":
            if p["status"] == "connection_sent":
                camp, _ = b.set_prospect_status(ctx, camp, p, "timed_out", current_node_id=None)
        elif kind == "skipped":
            camp, _ = b.set_prospect_status(ctx, camp, p, "cancelled", current_node_id=None)
        elif kind == "bounced":
            if p["status"] not in STOPPED:
                camp, _ = b.set_prospect_status(ctx, camp, p, "bounced", bounced_at=ev.at)
        elif kind == "replied" and p["status"] not in STOPPED:
            replied(ctx, engine, camp, p, spec, ev)
            camp = ctx.table("campaigns").get(cid)
    check_done(ctx, camp)


def replied(ctx, engine: Outreach, camp: dict, p: dict, spec: dict, ev) -> None:
    node_id = spec.get("node_id")
    text = ev.reply.get("text") or reply_text(ctx, ev.reply["classification"], camp["id"], p["id"], node_id,
                                              company=p.get("company"))
    camp, p = b.set_prospect_status(ctx, camp, p, "replied", replied_at=ev.at)
    enrolled = engine.enrollment(camp["id"], p["id"]) or {}
    account = enrolled.get("sender") or p.get("_sender") or (camp.get("sender_ids") or [None])[0]
    from sim.vendors.puffle.campaigns import message_key
    msg = b.messages(ctx, camp["id"]).get(message_key(p["id"], node_id)) if node_id else None
    inbox.record_reply(ctx, camp, p, account, msg["id"] if msg else None, text)


def content(ctx, camp: dict, p: dict, node: dict) -> dict:
    from sim.vendors.puffle.campaigns import message_key, resolved_message
    table = b.messages(ctx, camp["id"])
    key = message_key(p["id"], node["id"])
    msg = table.get(key)
    if msg is None:
        msg = resolved_message(ctx, camp, p, node, "pending")
        if node["type"] == "ai":
            fake = ctx.fake("ai_message", camp["id"], node["id"], p["id"])
            msg["subject"] = fake.catch_phrase() if camp["type"] == "email" else None
            msg["body_text"] = f"Hi {p.get('first_name') or 'there'},\n\n{fake.paragraph(nb_sentences=3)}"
    msg = {**msg, "status": "sent", "sent_at": ctx.now_ts()}
    table.put(key, msg)
    return msg


def check_done(ctx, camp: dict) -> dict:
    """active -> completed once every lead is terminal."""
    camp = ctx.table("campaigns").get(camp["id"])
    if camp["status"] != "active":
        return camp
    counts = camp.get("counts") or {}
    if any(n for s, n in counts.items() if s not in b.TERMINAL):
        return camp
    return b.touch(ctx, camp, status="completed")


# --- usage views (the engine keeps the numbers) ----------------------------------------------------------------
def day_ts(day: str) -> float:
    return datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()


def weekly_usage(ctx, aid: str, now: float | None = None) -> tuple[int, int]:
    """(connection requests, messages) the account sent in the rolling 7 days, every campaign."""
    engine = outreach(ctx)
    return engine.weekly_sent(aid, "connection", now), engine.weekly_sent(aid, "message", now)


def sent_on(ctx, aid: str, day: str) -> int:
    return outreach(ctx).sent_on(aid, day_ts(day))


def campaign_sent_on(ctx, aid: str, cid: str, day: str) -> int:
    return outreach(ctx).sent_on(aid, day_ts(day), campaign=cid)


def waiting(ctx, camp: dict) -> dict:
    """Leads due but not sent yet, by the account they are tied to (None: the next free account)."""
    engine = outreach(ctx)
    return engine.queued_by_sender(camp["id"]) if engine.campaign(camp["id"]) is not None else {}


def lane_size(ctx, camp: dict, lane: str | None) -> int:
    return waiting(ctx, camp).get(lane, 0)


def queued(ctx, camp: dict) -> int:
    return sum(waiting(ctx, camp).values())


# --- operating hours ------------------------------------------------------------------------------------------
def parse_hours(oh) -> dict[int, list[tuple[int, int]]] | None:
    """Weekday -> [(start minute, end minute)], or None when the object has no recognisable schedule."""
    if not isinstance(oh, dict):
        return None
    days = oh.get("days") if isinstance(oh.get("days"), dict) else oh
    out: dict[int, list[tuple[int, int]]] = {}
    found = False
    for key, value in days.items():
        if not isinstance(key, str):
            continue
        name = key.strip().lower()
        idx = next((i for i, d in enumerate(DAYS) if name in (d, d[:3])), None)
        if idx is None:
            continue
        found = True
        spans = value if isinstance(value, list) else [value]
        out[idx] = []
        for span in spans:
            if span is True:
                out[idx].append((0, 1440))
            elif isinstance(span, dict) and span.get("enabled", True) is not False:
                start, end = minutes(span.get("start")), minutes(span.get("end"))
                if start is not None and end is not None and end > start:
                    out[idx].append((start, end))
    return out if found else None


def minutes(value) -> int | None:
    if not isinstance(value, str) or ":" not in value:
        return None
    h, _, m = value.partition(":")
    try:
        h, m = int(h), int(m[:2])
    except ValueError:
        return None
    return h * 60 + m if 0 <= h <= 24 and 0 <= m < 60 else None


def zone_name(ctx, camp: dict) -> str:
    oh = camp.get("operating_hours")
    name = oh.get("timezone") if isinstance(oh, dict) else None
    name = name or (ctx.table("account").get("settings") or {}).get("timezone") or "America/New_York"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return "UTC"
    return name


def window_of(ctx, camp: dict) -> dict | None:
    """The engine sending window of the campaign's ``operating_hours`` (None: always open)."""
    spans = parse_hours(camp.get("operating_hours"))
    if spans is None:
        return None
    return {"timezone": zone_name(ctx, camp), "hours": {str(d): [list(s) for s in v] for d, v in spans.items()}}
