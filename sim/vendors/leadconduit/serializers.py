"""LeadConduit wire shapes: stored documents to the exact JSON of spec section 2 (key order as in the seed)."""

from __future__ import annotations

import math

from sim.vendors.leadconduit.backend import criteria_of
from sim.vendors.leadconduit.errors import detail
from sim.vendors.leadconduit.pipeline import BatchResult, SubmittedLead


def lead_event(ctx, event_id: str, ev: dict) -> dict:
    """Lead-embedded projection: ``recipient`` is the recipient's slug string."""
    out = {"id": event_id, "type": ev["type"], "timestamp": ctx.iso(ev["ts"]), "outcome": ev["outcome"]}
    if ev["type"] == "enhanced":
        out["enhancements"] = ev.get("enhancements", [])
    if "recipient" in ev:
        out["recipient"] = ev["recipient"].get("slug") or ev["recipient"].get("id")
    if ev.get("reason") is not None:
        out["reason"] = ev["reason"]
    return out


def flow_event(ctx, event_id: str, ev: dict) -> dict:
    """Flow-level projection: delivery events carry the recipient object, ``duration_ms`` and ``response_code``."""
    out = {"id": event_id, "lead_id": ev["lead_id"], "type": ev["type"], "timestamp": ctx.iso(ev["ts"]),
           "outcome": ev["outcome"]}
    if ev["type"] == "enhanced":
        out["enhancements"] = ev.get("enhancements", [])
    if "recipient" in ev:
        r = ev["recipient"]
        out["recipient"] = {"id": r.get("id"), "name": r.get("name"), "type": r.get("type")}
        out["duration_ms"] = ev.get("duration_ms")
        out["response_code"] = ev.get("response_code")
    if ev.get("reason") is not None:
        out["reason"] = ev["reason"]
    return out


def submitted(ctx, result: SubmittedLead) -> dict:
    lead = result.lead
    return {"id": result.lead_id, "status": lead["decision"], "flow_id": lead["flow_id"],
            "created_at": ctx.iso(lead["created_at"]), "events": [lead_event(ctx, i, e) for i, e in result.events],
            "quality_score": lead["quality_metrics"]["overall_score"], "pricing": dict(lead["pricing"])}


def lead_detail(ctx, lead: dict, events: list[tuple[str, dict]]) -> dict:
    return {"id": lead["id"], "flow_id": lead["flow_id"], "created_at": ctx.iso(lead["created_at"]),
            "updated_at": ctx.iso(lead["updated_at"]), "status": lead["status"], "lead_data": lead["lead_data"],
            "enhancements": lead["enhancements"], "events": [lead_event(ctx, i, e) for i, e in events],
            "quality_metrics": lead["quality_metrics"]}


def batch(batch_id: str, results: list[BatchResult]) -> dict:
    items = []
    for r in results:
        if r.code is None:
            items.append({"external_id": r.external_id, "status": "success", "lead_id": r.lead.lead_id,
                          "quality_score": r.lead.lead["quality_metrics"]["overall_score"]})
            continue
        error = {"code": r.code, "message": r.message}
        if r.details:
            error["details"] = [detail(d) for d in r.details]
        item = {"external_id": r.external_id, "status": "error", "error": error}
        if r.lead is not None:
            item["lead_id"] = r.lead.lead_id
            item["quality_score"] = r.lead.lead["quality_metrics"]["overall_score"]
        items.append(item)
    successful = sum(1 for r in results if r.code is None)
    return {"batch_id": batch_id, "total_leads": len(results), "successful": successful,
            "failed": len(results) - successful, "results": items}


def search_page(ctx, rows: list[tuple[str, dict]], limit: int, offset: int) -> dict:
    total = len(rows)
    leads = [{"id": lead_id, "created_at": ctx.iso(doc["created_at"]), "status": doc["status"],
              "quality_score": doc["quality_metrics"]["overall_score"], "source": doc["lead_data"].get("source"),
              "campaign": doc["lead_data"].get("campaign")} for lead_id, doc in rows[offset:offset + limit]]
    return {"total_count": total, "page_count": math.ceil(total / limit), "current_page": offset // limit + 1,
            "per_page": limit, "leads": leads}


def flow_summary(ctx, flow: dict, stats: dict) -> dict:
    return {"id": flow["id"], "name": flow["name"], "status": flow["status"], "created_at": ctx.iso(flow["created_at"]),
            "updated_at": ctx.iso(flow["updated_at"]), "statistics": stats}


def flow_detail(flow: dict) -> dict:
    steps = []
    for s in sorted(flow["steps"], key=lambda s: s.get("position", 0)):
        step = {"id": s["id"], "type": s["type"], "name": s["name"], "position": s["position"]}
        if "service" in s:
            step["service"] = s["service"]
        step["settings"] = dict(s.get("settings") or {})
        steps.append(step)
    return {"id": flow["id"], "name": flow["name"], "status": flow["status"], "description": flow["description"],
            "configuration": {"steps": steps}}


def flow_settings(ctx, flow: dict) -> dict:
    """The PUT response: effective settings, ``notifications`` left out (write-only, as in the seed)."""
    settings = flow["settings"]
    cap = settings.get("volume_cap")
    return {"flow_id": flow["id"], "updated_at": ctx.iso(flow["updated_at"]),
            "settings": {"acceptance_criteria": criteria_of(flow), "quality_threshold": settings.get("quality_threshold"),
                         "volume_cap": None if cap is None else {"daily_limit": cap.get("daily_limit"),
                                                                  "hourly_limit": cap.get("hourly_limit")}}}


def events_page(ctx, rows: list[tuple[str, dict]], limit: int, offset: int) -> dict:
    return {"total_events": len(rows), "events": [flow_event(ctx, i, e) for i, e in rows[offset:offset + limit]]}


def analytics(start: str, end: str, rows: list[dict]) -> dict:
    return {"period": {"start_date": start, "end_date": end}, "metrics": rows}

