"""Leadterra wire shapes: camelCase objects and the documented envelopes (with the compat modes of spec §7)."""

from __future__ import annotations

from sim.vendors.leadterra.backend import reply_json


def pools_body(pools: list[dict], mode: str):
    items = [{"id": p["id"], "name": p["name"], "dailyCapacity": p["dailyCapacity"], "remainingToday": p["remaining"],
              "senderCount": len(p["senderAccountIds"]), "remainingVolume": p["remaining"],
              "senderAccountIds": p["senderAccountIds"]} for p in pools]
    if mode == "array":
        return items
    return {"pools" if mode == "pools" else "senderPools": items}


def accounts_body(accounts: list[dict], mode: str):
    items = [{"id": a["id"], "email": a["email"], "name": a["name"], "status": a["status"], "poolId": a["poolId"]}
             for a in accounts]
    return {"data": items} if mode == "data" else items


def campaign_json(ctx, camp) -> dict:
    steps = [{"subject": s["subject"], "bodyHtml": s["bodyHtml"], "delayDays": s["delayDays"]} for s in camp["steps"]]
    return {"id": camp.doc_id, "name": camp["name"], "status": camp["status"], "sequenceStepCount": len(steps),
            "sequenceSteps": steps, "createdAt": ctx.iso(camp["created_at"])}


def started_json(ctx, camp) -> dict:
    started = camp["started_at"]
    return {"id": camp.doc_id, "status": camp["status"], "startedAt": ctx.iso(started) if started is not None else None}


def paused_json(ctx, camp) -> dict:
    paused = camp["paused_at"] if camp["status"] == "paused" else None
    return {"id": camp.doc_id, "status": camp["status"], "pausedAt": ctx.iso(paused) if paused is not None else None}


def stats_json(stats: dict) -> dict:
    camp = stats["campaign"]
    delivered = stats["delivered"]
    return {"campaignId": camp.doc_id, "status": camp["status"], "totalEnrolled": stats["enrolled"],
            "sent": stats["sent"], "delivered": delivered, "bounced": stats["bounced"], "replied": stats["replied"],
            "queued": stats["queued"],
            "openRate": round(stats["opened"] / delivered, 4) if delivered else 0,
            "replyRate": round(stats["replied"] / delivered, 4) if delivered else 0}


def replies_body(engine, docs: list, total: int, page: int, per_page: int, mode: str):
    items = [reply_json(engine, d) for d in docs]
    if mode == "array":
        return items
    if mode == "data":
        return {"data": items}
    return {"replies": items, "pagination": {"total": total, "page": page, "perPage": per_page}}


def suppression_json(result: dict) -> dict:
    return {**result, "result": dict(result)}


def webhook_json(ctx, sub: dict) -> dict:
    return {"webhook": {"id": sub["id"], "url": sub["url"], "events": sub["events"], "status": sub["status"],
                        "createdAt": ctx.iso(sub["created_at"]), "signingSecret": sub["secret"]}}


# --- SDR area: every response wrapped in {"data": ...}; timestamps with milliseconds --------------------------
def sdr_json(sdr) -> dict:
    return {"id": sdr.doc_id, "name": sdr["name"], "email": sdr["email"], "gmailConnected": bool(sdr["gmailConnected"]),
            "gmailEmail": sdr["gmailEmail"]}


def thread_json(desk, t) -> dict:
    return {"id": t.doc_id, "contactEmail": t["contactEmail"], "contactName": t["contactName"], "subject": t["subject"],
            "status": t["status"], "category": t["category"], "priorityScore": t["priorityScore"],
            "lastMessageAt": desk.iso(t["lastMessageAt"])}


def followup_json(desk, f) -> dict:
    out = {"id": f.doc_id, "threadId": f["threadId"], "sdrId": f["sdrId"], "status": f["status"],
           "dueAt": desk.iso(f["dueAt"])}
    if f["status"] == "completed":
        out["completedAt"] = desk.iso(f["completedAt"])
    if f["status"] == "skipped":
        out["skippedAt"] = desk.iso(f["skippedAt"])
        out["skipReason"] = f["skipReason"]
    return out


# --- the dashboard's view (VendorSpec.campaigns; contract in sim.web.spec.CAMPAIGNS_HOOK) -----------------------
def campaign_summaries(ctx) -> list[dict]:
    """Every campaign with the numbers of ``GET /campaigns/{id}/stats``, built by the same code as that endpoint."""
    from sim.vendors.leadterra.backend import Leadterra

    lt = Leadterra(ctx)
    engine = lt.engine
    out = []
    for camp in sorted(engine.campaigns(), key=lambda c: (c["created_at"], c.doc_id)):
        raw = lt.stats(camp.doc_id)
        stats = stats_json(raw)
        enrolled = stats["totalEnrolled"]
        steps = len(camp["steps"]) or 1  # progress: steps each lead is through (a stopped lead is through all)
        done = sum(steps if e["status"] != "active" else min(e["step"], steps)
                   for e in engine.enrollments(camp.doc_id) if e is not None)
        out.append({"id": camp.doc_id, "name": camp["name"], "status": stats["status"], "kind": "campaign",
                    "total": enrolled, "sent": stats["sent"], "bounced": stats["bounced"],
                    "opened": raw["opened"],  # the count behind openRate (opened / delivered)
                    "replied": stats["replied"], "stats": stats, "source": f"GET /campaigns/{camp.doc_id}/stats",
                    "progress": done / (enrolled * steps) if enrolled else 0.0, "daily": engine.daily(camp.doc_id)})
    return out
