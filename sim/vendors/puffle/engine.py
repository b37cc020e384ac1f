"""Puffle's sending engine: staggered sends per sender, daily and weekly caps, operating hours, outcomes.

Each active campaign owns one pump job. A lead whose next node is sendable waits in a lane: ``fresh`` until
its first send (any sender may take it, round-robin), then the lane of the sender that first wrote to it.
Each pump sends at most one message per ready sender, then re-arms 2-6 minutes later. Delays and recipient
outcomes (bounce, reply, connection accepted, timeout) are per-lead jobs of kind ``puffle.event``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sim.core.clock import next_midnight
from sim.core.recipients import draw_email, reply_text
from sim.vendors.puffle import backend as b
from sim.vendors.puffle import inbox

ACCEPT_TIMEOUT = 14 * 86400
STAGGER = (120.0, 360.0)
BLOCKED_RETRY = 3600.0
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


# --- lanes ---------------------------------------------------------------------------------------------------
def lane_size(camp: dict, lane: str) -> int:
    head, tail = (camp.get("lanes") or {}).get(lane, (0, 0))
    return tail - head


def enqueue(ctx, camp: dict, pid: str, lane: str) -> dict:
    lanes = dict(camp.get("lanes") or {})
    head, tail = lanes.get(lane, (0, 0))
    ctx.table(f"queue/{camp['id']}").put(f"{lane}:{tail:09d}", {"pid": pid})
    lanes[lane] = (head, tail + 1)
    camp = ctx.table("campaigns").update(camp["id"], {"lanes": lanes})
    if camp["status"] == "active" and not camp.get("pump_job"):
        camp = arm(ctx, camp, ctx.now_ts() + stagger(ctx, camp))
    return camp


def peek(ctx, camp: dict, lane: str) -> str | None:
    head, tail = (camp.get("lanes") or {}).get(lane, (0, 0))
    queue = ctx.table(f"queue/{camp['id']}")
    while head < tail:
        doc = queue.get(f"{lane}:{head:09d}")
        if doc is not None:
            return doc["pid"]
        head += 1
    return None


def pop(ctx, camp: dict, lane: str) -> dict:
    lanes = dict(camp.get("lanes") or {})
    head, tail = lanes.get(lane, (0, 0))
    ctx.table(f"queue/{camp['id']}").remove(f"{lane}:{head:09d}")
    lanes[lane] = (head + 1, tail)
    return ctx.table("campaigns").update(camp["id"], {"lanes": lanes})


def queued(camp: dict) -> int:
    return sum(t - h for h, t in (camp.get("lanes") or {}).values())


# --- pump --------------------------------------------------------------------------------------------------
def stagger(ctx, camp: dict) -> float:
    rng = ctx.rng("stagger", camp["id"], camp.get("pump_token", 0))
    return round(rng.uniform(*STAGGER), 3)


def arm(ctx, camp: dict, due: float) -> dict:
    if camp.get("pump_job"):
        ctx.cancel(camp["pump_job"])
    token = camp.get("pump_token", 0) + 1
    job = ctx.schedule("puffle.pump", due, {"campaign_id": camp["id"], "token": token})
    return ctx.table("campaigns").update(camp["id"], {"pump_job": job, "pump_token": token})


def disarm(ctx, camp: dict) -> dict:
    if camp.get("pump_job"):
        ctx.cancel(camp["pump_job"])
    return ctx.table("campaigns").update(camp["id"], {"pump_job": None})


def start(ctx, camp: dict, pids: list[str]) -> dict:
    """launching -> active: put every lead on its first node and arm the pump."""
    for pid in pids:
        p = b.prospects(ctx, camp["id"]).get(pid)
        if p is not None and p["status"] == "pending":
            camp = advance(ctx, camp, p, 0)
    return check_done(ctx, camp)


def pump(ctx, args: dict) -> None:
    camp = ctx.table("campaigns").get(args["campaign_id"])
    if camp is None or camp["status"] != "active" or camp.get("pump_token") != args["token"]:
        return
    camp = ctx.table("campaigns").update(camp["id"], {"pump_job": None})
    now = ctx.now_ts()
    open_now, next_open = hours_window(ctx, camp, now)
    if not open_now:
        if queued(camp) and next_open is not None:
            arm(ctx, camp, next_open)
        return
    senders = [s for s in (ctx.table("senders").get(i) for i in camp.get("sender_ids", [])) if s]
    sent = 0
    if senders:
        shift = camp.get("pump_token", 0) % len(senders)
        for acc in senders[shift:] + senders[:shift]:
            if not b.sender_ready(ctx, acc):
                continue
            camp, did = send_one(ctx, camp, acc)
            sent += did
            if camp["status"] != "active":
                return
    if not queued(camp):
        return
    if sent:
        arm(ctx, camp, now + stagger(ctx, camp))
    else:
        arm(ctx, camp, min(next_midnight(now) + 60, now + BLOCKED_RETRY))


def send_one(ctx, camp: dict, acc: dict) -> tuple[dict, int]:
    for lane in (acc["id"], "fresh"):
        pid = peek(ctx, camp, lane)
        if pid is None:
            continue
        camp = ctx.table("campaigns").get(camp["id"])
        p = b.prospects(ctx, camp["id"]).get(pid)
        nodes = b.ordered_nodes(ctx, camp["id"])
        if p is None or p["status"] in b.TERMINAL or p["_step"] >= len(nodes):
            camp = pop(ctx, camp, lane)
            return send_one(ctx, camp, acc)
        node = nodes[p["_step"]]
        if not has_capacity(ctx, camp, acc, node):
            return camp, 0
        camp = pop(ctx, camp, lane)
        return deliver(ctx, camp, p, node, acc), 1
    return camp, 0


def has_capacity(ctx, camp: dict, acc: dict, node: dict) -> bool:
    now = ctx.now_ts()
    today = b.day_of(now)
    if b.sent_on(ctx, acc["id"], today) >= b.account_daily_limit(acc, camp):
        return False
    if camp["type"] == "email":
        limit = camp.get("daily_limit")
        if limit and sum(b.campaign_sent_on(ctx, s, camp["id"], today) for s in camp.get("sender_ids", [])) >= limit:
            return False
        return True
    conns, msgs = b.weekly_usage(ctx, acc["id"], now)
    cap_conn, cap_msg = b.weekly_limits(acc)
    kind = linkedin_action(node)
    return conns < cap_conn if kind == "connection_request" else msgs < cap_msg


def linkedin_action(node: dict) -> str:
    if node["type"] == "ai":
        return (node.get("ai_node") or {}).get("output_type") or "message"
    return node["type"]


# --- one lead ------------------------------------------------------------------------------------------------
def advance(ctx, camp: dict, p: dict, step: int) -> dict:
    """Walk the sequence from ``step``: a delay schedules a wake-up, a sendable node queues, ``end`` completes."""
    nodes = b.ordered_nodes(ctx, camp["id"])
    allowed = ("email", "ai") if camp["type"] == "email" else ("connection_request", "message", "ai")
    while step < len(nodes):
        node = nodes[step]
        if node["type"] == "delay":
            from sim.vendors.puffle.campaigns import delay_seconds
            b.prospects(ctx, camp["id"]).update(p["id"], {"_step": step + 1, "current_node_id": node["id"]})
            ctx.schedule("puffle.event", ctx.now_ts() + max(60, delay_seconds(node)),
                         {"campaign_id": camp["id"], "prospect_id": p["id"], "kind": "step", "step": step + 1})
            return camp
        if node["type"] == "end":
            break
        if node["type"] in allowed:
            if camp["type"] == "linkedin" and linkedin_action(node) == "message" and p["status"] not in ("connected", "message_sent"):
                step += 1  # LinkedIn only lets you message connections
                continue
            b.prospects(ctx, camp["id"]).update(p["id"], {"_step": step})
            return enqueue(ctx, camp, p["id"], p.get("_sender") or "fresh")
        step += 1
    camp, _ = b.set_prospect_status(ctx, camp, p, "completed", current_node_id=None, _step=len(nodes))
    return check_done(ctx, camp)


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


def deliver(ctx, camp: dict, p: dict, node: dict, acc: dict) -> dict:
    """Send ``node`` to lead ``p`` from ``acc`` and draw what the recipient does."""
    now = ctx.now_ts()
    msg = content(ctx, camp, p, node)
    action = "email" if camp["type"] == "email" else linkedin_action(node)
    b.record_send(ctx, acc["id"], camp["id"], action)
    camp = ctx.table("campaigns").update(camp["id"], {"messages_sent": camp.get("messages_sent", 0) + 1})
    base = {"campaign_id": camp["id"], "prospect_id": p["id"], "node_id": node["id"], "account_id": acc["id"],
            "message_id": msg["id"]}
    if camp["type"] == "email":
        camp, p = b.set_prospect_status(ctx, camp, p, "sent", current_node_id=node["id"], _sender=acc["id"])
        outcome = draw_email(ctx, camp["id"], p["id"], node["id"])
        if outcome.bounce:
            ctx.schedule("puffle.event", now + outcome.bounce_after,
                         {**base, "kind": "bounce", "hard": outcome.bounce == "hard", "reason": outcome.bounce_reason})
        elif outcome.reply_after is not None:
            ctx.schedule("puffle.event", now + outcome.reply_after, {**base, "kind": "reply", "class": outcome.reply_class})
        return advance(ctx, camp, p, p["_step"] + 1)
    linkedin = ctx.profile.get("linkedin", {})
    rng = ctx.rng("linkedin", camp["id"], p["id"], node["id"])
    if action == "connection_request":
        camp, p = b.set_prospect_status(ctx, camp, p, "connection_sent", current_node_id=node["id"], _sender=acc["id"])
        if rng.random() < linkedin.get("connection_accept_rate", 0.3):
            low, high = linkedin.get("accept_delay_hours", (2, 96))
            ctx.schedule("puffle.event", now + round(rng.uniform(low, high) * 3600, 3), {**base, "kind": "accept"})
        else:
            ctx.schedule("puffle.event", now + ACCEPT_TIMEOUT, {**base, "kind": "timeout"})
        return camp
    camp, p = b.set_prospect_status(ctx, camp, p, "message_sent", current_node_id=node["id"], _sender=acc["id"])
    if rng.random() < linkedin.get("message_reply_rate", 0.1):
        ctx.schedule("puffle.event", now + round(rng.uniform(1, 72) * 3600, 3),
                     {**base, "kind": "reply", "class": pick_class(ctx, rng)})
    return advance(ctx, camp, p, p["_step"] + 1)


def pick_class(ctx, rng) -> str:
    weights = ctx.profile.get("email", {}).get("reply_classes") or {"interested": 1.0}
    x = rng.random() * sum(weights.values())
    for name, w in weights.items():
        x -= w
        if x < 0:
            return name
    return next(iter(weights))


def event(ctx, args: dict) -> None:
    """Job: a delay elapsed or a recipient acted."""
    camp = ctx.table("campaigns").get(args["campaign_id"])
    if camp is None:
        return
    p = b.prospects(ctx, camp["id"]).get(args["prospect_id"])
    if p is None:
        return
    kind = args["kind"]
    now = ctx.now_ts()
    if kind == "step":
        if p["status"] not in b.TERMINAL:
            advance(ctx, camp, p, args["step"])
        return
    if p["status"] in ("replied", "bounced", "cancelled"):
        return
    if kind == "bounce":
        camp, p = b.set_prospect_status(ctx, camp, p, "bounced", bounced_at=now)
        if args.get("hard"):
            b.suppress(ctx, p.get("email"), "hard_bounce")
    elif kind == "reply":
        text = reply_text(ctx, args["class"], camp["id"], p["id"], args["node_id"], company=p.get("company"))
        camp, p = b.set_prospect_status(ctx, camp, p, "replied", replied_at=now)
        if args["class"] == "unsubscribe":
            b.suppress(ctx, p.get("email"), "unsubscribe")
        inbox.record_reply(ctx, camp, p, args["account_id"], args.get("message_id"), text)
    elif kind == "accept":
        if p["status"] != "connection_sent":
            return
        camp, p = b.set_prospect_status(ctx, camp, p, "connected")
        advance(ctx, camp, p, p["_step"] + 1)
        return
    elif kind == "timeout":
        if p["status"] != "connection_sent":
            return
        camp, p = b.set_prospect_status(ctx, camp, p, "timed_out", current_node_id=None)
    check_done(ctx, camp)


def check_done(ctx, camp: dict) -> dict:
    """active -> completed once every lead is terminal and nothing waits in a lane."""
    camp = ctx.table("campaigns").get(camp["id"])
    if camp["status"] != "active":
        return camp
    counts = camp.get("counts") or {}
    if any(n for s, n in counts.items() if s not in b.TERMINAL):
        return camp
    camp = disarm(ctx, camp)
    return b.touch(ctx, camp, status="completed")


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


def zone(ctx, camp: dict):
    name = (camp.get("operating_hours") or {}).get("timezone") if isinstance(camp.get("operating_hours"), dict) else None
    name = name or (ctx.table("account").get("settings") or {}).get("timezone") or "America/New_York"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def hours_window(ctx, camp: dict, now: float) -> tuple[bool, float | None]:
    """(open now, next opening time) for the campaign's operating hours."""
    spans = parse_hours(camp.get("operating_hours"))
    if spans is None:
        return True, None
    tz = zone(ctx, camp)
    local = datetime.fromtimestamp(now, tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    for offset in range(8):
        day = midnight + timedelta(days=offset)
        for start, end in sorted(spans.get(day.weekday(), [])):
            opens = (day + timedelta(minutes=start)).timestamp()
            closes = (day + timedelta(minutes=end)).timestamp()
            if opens <= now < closes:
                return True, None
            if opens > now:
                return False, opens
    return False, None
