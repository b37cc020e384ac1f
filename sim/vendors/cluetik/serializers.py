"""Cluetik wire shapes: bare objects, lists as ``{data, page, limit, total, has_more}`` (spec 2.3)."""

from __future__ import annotations

from sim.vendors.cluetik.backend import Cluetik, call_public

LEAD_KEYS = ("id", "email", "first_name", "last_name", "company", "title", "phone", "status", "campaign_id",
             "custom_fields", "created_at", "updated_at")
EMAIL_KEYS = ("id", "lead_id", "campaign_id", "to", "subject", "step", "status", "sent_at", "opened_at", "replied_at")
AGENT_KEYS = ("id", "name", "type", "status", "created_at")


def lead_json(doc) -> dict:
    return {k: doc.get(k) for k in LEAD_KEYS}


def email_json(doc) -> dict:
    return {k: doc.get(k) for k in EMAIL_KEYS}


def agent_json(doc) -> dict:
    return {k: doc.get(k) for k in AGENT_KEYS}


def call_json(doc) -> dict:
    return call_public(doc)


def page_body(items: list, render, page: int, limit: int, offset: int) -> dict:
    chunk = items[offset:offset + limit]
    return {"data": [render(d) for d in chunk], "page": page, "limit": limit, "total": len(items),
            "has_more": offset + len(chunk) < len(items)}


def campaign_summaries(ctx) -> list[dict]:
    """The dashboard's view of Cluetik campaigns: the numbers ``GET /campaigns/{id}`` and ``GET /emails`` show."""
    ct = Cluetik(ctx)
    out = []
    for camp in ct.list_campaigns():
        emails = ct.list_emails(campaign_id=camp.doc_id)
        body = ct.campaign_json(camp)
        out.append({"id": camp.doc_id, "name": camp["name"], "status": body["status"], "kind": "campaign",
                    "total": body["lead_count"], "sent": len(emails),
                    "bounced": sum(1 for e in emails if e["status"] == "bounced"),
                    "opened": sum(1 for e in emails if e["opened_at"] is not None),
                    "replied": sum(1 for e in emails if e["replied_at"] is not None),
                    "stats": None, "source": f"GET /emails?campaign_id={camp.doc_id}",
                    "daily": ct.engine.daily(camp.doc_id)})
    return out
