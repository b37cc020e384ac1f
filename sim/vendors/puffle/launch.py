"""Puffle's campaign lifecycle: launch (readiness, compare-and-swap, background task, rollback), pause,
resume and sync-stats."""

from __future__ import annotations

from sim.core.errors import BadRequest, Conflict, Internal, Unavailable
from sim.vendors.puffle import backend as b
from sim.vendors.puffle import campaigns as c
from sim.vendors.puffle import engine

DEFAULT_LAUNCH_DELAY = 60.0
BOUNCE_GUARD_RATE = 0.05
BOUNCE_GUARD_MIN = 100


def launch(ctx, camp: dict) -> dict:
    now = ctx.now_ts()
    if camp["status"] == "launching":
        if now - (camp.get("launch_started_at") or 0) < b.LAUNCH_WINDOW:
            raise Conflict("A launch is already in progress (started within the last 2 min)")
        camp = rollback(ctx, camp, "Launch did not complete within 2 minutes; rolled back to draft")
    if camp["status"] != "draft":
        raise BadRequest(f"Campaign is {camp['status']} — must be draft to launch")
    senders = [s for s in (ctx.table("senders").get(i) for i in camp.get("sender_ids", [])) if s]
    if not senders:
        raise BadRequest("Campaign has no sender accounts")
    pending = [p for p in b.prospects(ctx, camp["id"]) if p["status"] == "pending"]
    if not pending:
        raise BadRequest("Campaign has no pending leads")
    nodes = b.ordered_nodes(ctx, camp["id"])
    send = c.sendable(camp, nodes)
    if not send:
        raise BadRequest("Campaign has no sendable sequence nodes")
    if nodes[-1]["type"] != "end":
        raise BadRequest("Sequence must end with an end node")
    empty = [n["position"] for n in send if not c.has_content(n)]
    if empty:
        raise BadRequest(f"Sequence nodes at positions {', '.join(map(str, empty))} have missing content")
    c.check_delays(nodes)
    check_senders(ctx, camp, senders)
    skipped = dedup(ctx, camp, pending)
    if len(skipped) == len(pending):
        raise BadRequest("All leads were skipped by dedup — nothing to send")
    if ctx.take_fault("JOB", "puffle.dispatch"):
        raise Internal("Launch dispatch failed — campaign status rolled back to draft; retry is safe")
    return dispatch(ctx, camp, pending, skipped, send)


def check_senders(ctx, camp: dict, senders: list[dict]) -> None:
    if camp["type"] == "email":
        problems = []
        for s in senders:
            if s.get("status") != "active" and not (s.get("status") == "warming" and b.allow_warming(ctx)):
                problems.append(f"{s.get('email_address')} is {s.get('status')} (warmup incomplete)")
            elif not s.get("agentmail_inbox_id"):
                problems.append(f"{s.get('email_address')} has no configured sending inbox")
        if problems:
            raise BadRequest("Email senders not ready: " + "; ".join(problems))
        return
    for s in senders:
        if s.get("status") != "connected" or not s.get("upstream_exists", True):
            raise BadRequest(f"LinkedIn account {s.get('display_name') or s['id']} no longer exists upstream — reconnect required")
    fault = ctx.take_fault("JOB", "puffle.linkedin_verify")
    if fault:
        raise Unavailable("LinkedIn sender verification failed with a transient error. Retry after 30 s",
                          headers={"Retry-After": "30"})


def dedup(ctx, camp: dict, pending: list[dict]) -> list[dict]:
    """Leads launch must skip: suppressed addresses, and with ``skip_other_campaigns`` leads in other campaigns."""
    suppression = engine.outreach(ctx)
    skipped = [p for p in pending if camp["type"] == "email" and p.get("email") and suppression.is_suppressed(p["email"])]
    if camp["type"] == "linkedin" and camp.get("skip_other_campaigns"):
        elsewhere: set[str] = set()
        for other in ctx.table("campaigns"):
            if other["id"] != camp["id"] and other["type"] == "linkedin" and other["status"] != "draft":
                elsewhere.update(p["_key"] for p in b.prospects(ctx, other["id"]) if p["status"] != "cancelled")
        skipped += [p for p in pending if p["_key"] in elsewhere]
    return skipped


def dispatch(ctx, camp: dict, pending: list[dict], skipped: list[dict], send: list[dict]) -> dict:
    """Everything is checked: CAS draft -> launching, promote messages, schedule the background task."""
    now = ctx.now_ts()
    key = f"{camp['id']}:{camp['updated_at']}"
    runs = ctx.table("launch_runs")
    run_id = (runs.get(key) or {}).get("run_id") or ctx.ids.hex("run_", 12)
    runs.put(key, {"run_id": run_id, "at": now})
    skipped_ids = {p["id"] for p in skipped}
    go = [p for p in pending if p["id"] not in skipped_ids]
    table = b.messages(ctx, camp["id"])
    promoted, created = [], []
    for p in go:
        for n in send:
            mkey = c.message_key(p["id"], n["id"])
            msg = table.get(mkey)
            if msg is not None and msg["status"] == "draft":
                table.update(mkey, {"status": "pending"})
                promoted.append(mkey)
            elif msg is None and n["type"] != "ai":
                table.put(mkey, c.resolved_message(ctx, camp, p, n, "pending"))
                created.append(mkey)
    for p in skipped:
        camp, _ = b.set_prospect_status(ctx, camp, p, "cancelled")
    delay = float(b.setting(ctx, "launch_delay_seconds", DEFAULT_LAUNCH_DELAY))
    job = ctx.schedule("puffle.launch", now + delay, {"campaign_id": camp["id"], "run_id": run_id})
    ctx.table("launches").put(camp["id"], {"run_id": run_id, "job": job, "started_at": now, "promoted": promoted,
                                           "created": created, "skipped": sorted(skipped_ids),
                                           "prospects": [p["id"] for p in go]})
    b.touch(ctx, camp, status="launching", launch_started_at=now, launch_error=None)
    out = {"success": True, "message": "Campaign launch started", "runId": run_id, "prospectsToProcess": len(go)}
    if skipped:
        out["warning"] = f"{len(skipped)} leads were skipped by dedup"
        out["skippedProspects"] = [{"id": p["id"], "name": p.get("name"), "linkedin_url": p.get("linkedin_url")}
                                   for p in skipped]
        out["skippedCount"] = len(skipped)
    return out


def rollback(ctx, camp: dict, error: str) -> dict:
    """Undo a launch: status back to draft, promoted drafts revert, new pending messages deleted, skips restored."""
    rec = ctx.table("launches").get(camp["id"]) or {}
    table = b.messages(ctx, camp["id"])
    for key in rec.get("promoted", []):
        if table.get(key) is not None:
            table.update(key, {"status": "draft"})
    for key in rec.get("created", []):
        table.remove(key)
    roster = b.prospects(ctx, camp["id"])
    for pid in rec.get("skipped", []):
        if roster.get(pid) is not None:
            roster.update(pid, {"status": "pending", "updated_at": ctx.now_ts()})
    if rec.get("job"):
        ctx.cancel(rec["job"])
    ctx.table("launches").remove(camp["id"])
    return b.touch(ctx, camp, status="draft", launch_started_at=None, launch_error=error,
                   counts=b.count_statuses(ctx, camp["id"]), total=None)


def launch_task(ctx, args: dict) -> None:
    """Job ``puffle.launch``: CAS launching -> active and start staggered sends, or roll back on failure."""
    camp = ctx.table("campaigns").get(args["campaign_id"])
    rec = ctx.table("launches").get(args["campaign_id"])
    if camp is None or camp["status"] != "launching" or rec is None or rec["run_id"] != args["run_id"]:
        return
    if ctx.take_fault("JOB", "puffle.launch"):
        rollback(ctx, camp, "Message resolution or dispatch failed; status rolled back to draft. Retry is safe")
        return
    ctx.table("launches").update(camp["id"], {"job": None, "promoted": [], "created": [], "skipped": []})
    camp = b.touch(ctx, camp, status="active", total=len(rec["prospects"]), launched_at=ctx.now_ts())
    engine.start(ctx, camp, rec["prospects"])


def pause(ctx, camp: dict) -> dict:
    if camp["status"] != "active":
        raise BadRequest("Only active campaigns can be paused")
    engine.pause(ctx, camp)
    return b.touch(ctx, camp, status="paused")


def resume(ctx, camp: dict) -> dict:
    if camp["status"] != "paused":
        raise BadRequest("Only paused campaigns can be resumed")
    camp = b.touch(ctx, camp, status="active", pause_reason=None)
    camp = engine.check_done(ctx, camp)
    if camp["status"] == "active":
        engine.resume(ctx, camp)
    return camp


def sync_stats(ctx, camp: dict) -> tuple[dict, dict]:
    counts = b.count_statuses(ctx, camp["id"])
    changes: dict = {"counts": counts, "last_synced_at": ctx.now_ts()}
    camp = ctx.table("campaigns").update(camp["id"], changes)
    contacted = sum(n for s, n in counts.items() if s not in ("pending", "cancelled"))
    if (camp["type"] == "email" and camp["status"] == "active" and contacted >= BOUNCE_GUARD_MIN
            and counts.get("bounced", 0) / contacted >= BOUNCE_GUARD_RATE):
        engine.pause(ctx, camp)
        camp = b.touch(ctx, camp, status="paused", pause_reason="high_bounce_rate")
    return camp, counts
