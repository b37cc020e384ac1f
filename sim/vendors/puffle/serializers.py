"""Puffle wire shapes: snake_case rows with the documented camelCase exceptions, ISO times without millis."""

from __future__ import annotations

from sim.vendors.puffle import backend as b

NODE_KEYS = ("subject", "body", "body_html", "signature", "from_name", "reply_to", "cc", "bcc", "attachments",
             "include_message", "is_reply", "delay_days", "delay_hours", "delay_minutes", "ai_node")
PROSPECT_KEYS = ("status", "email", "linkedin_url", "first_name", "last_name", "name", "company", "position",
                 "headline", "custom_fields", "source", "source_ref")


def flat_sender(acc: dict) -> dict:
    """A sender as nested in a campaign (LinkedIn fields null on email senders and vice versa)."""
    linkedin = acc["type"] == "linkedin"
    conn, msg = b.weekly_limits(acc) if linkedin else (None, None)
    return {"id": acc["id"], "type": acc["type"], "email_address": acc.get("email_address"),
            "provider_account_id": acc.get("provider_account_id"), "display_name": acc.get("display_name"),
            "first_name": acc.get("first_name"), "last_name": acc.get("last_name"), "status": acc.get("status"),
            "daily_limit": acc.get("daily_limit"), "weekly_connection_limit": conn, "weekly_message_limit": msg,
            "is_premium": acc.get("is_premium") if linkedin else None}


def campaign(ctx, camp: dict, *, node_count: bool = False, nodes: bool = False) -> dict:
    senders = ctx.table("senders")
    roster = len(b.prospects(ctx, camp["id"]))
    out = {"id": camp["id"], "user_id": camp["user_id"], "type": camp["type"], "name": camp["name"],
           "status": camp["status"], "daily_limit": camp.get("daily_limit"), "stop_on_reply": camp.get("stop_on_reply"),
           "open_tracking": camp.get("open_tracking"), "signature": camp.get("signature"),
           "skip_other_campaigns": camp.get("skip_other_campaigns"), "operating_hours": camp.get("operating_hours"),
           "stats": b.stats_of(camp, roster), "pause_reason": camp.get("pause_reason"),
           "launch_started_at": b.stamp(ctx, camp.get("launch_started_at")),
           "last_synced_at": b.stamp(ctx, camp.get("last_synced_at")),
           "created_at": ctx.iso(camp["created_at"]), "updated_at": ctx.iso(camp["updated_at"]),
           "sender_accounts": [flat_sender(s) for s in (senders.get(i) for i in camp.get("sender_ids", [])) if s]}
    if node_count:
        out["node_count"] = len(b.nodes_table(ctx, camp["id"]))
    if nodes:
        out["sequence_nodes"] = [node(ctx, n) for n in b.ordered_nodes(ctx, camp["id"])]
    return out


def node(ctx, n: dict) -> dict:
    out = {"id": n["id"], "campaign_id": n["campaign_id"], "position": n["position"], "type": n["type"]}
    for key in NODE_KEYS:
        out[key] = n.get(key)
    out["created_at"] = ctx.iso(n["created_at"])
    out["updated_at"] = ctx.iso(n["updated_at"])
    return out


def prospect(ctx, p: dict) -> dict:
    out = {"id": p["id"], "campaign_id": p["campaign_id"], "user_id": p["user_id"]}
    for key in PROSPECT_KEYS:
        out[key] = p.get(key)
    out["current_node_id"] = p.get("current_node_id")
    out["bounced_at"] = b.stamp(ctx, p.get("bounced_at"))
    out["replied_at"] = b.stamp(ctx, p.get("replied_at"))
    out["created_at"] = ctx.iso(p["created_at"])
    out["updated_at"] = ctx.iso(p["updated_at"])
    return out


def message(ctx, m: dict) -> dict:
    return {"id": m["id"], "campaign_id": m["campaign_id"], "prospect_id": m["prospect_id"], "node_id": m["node_id"],
            "subject": m.get("subject"), "body_text": m.get("body_text"), "body_html": m.get("body_html"),
            "status": m["status"], "manually_edited": bool(m.get("manually_edited")),
            "sent_at": b.stamp(ctx, m.get("sent_at")), "created_at": ctx.iso(m["created_at"])}


def sender(ctx, acc: dict) -> dict:
    """The full sender row of ``/api/senders`` and the email/LinkedIn account endpoints."""
    linkedin = acc["type"] == "linkedin"
    conn, msg = b.weekly_limits(acc) if linkedin else (None, None)
    domain = ctx.table("domains").get(acc["domain_id"]) if acc.get("domain_id") else None
    return {"id": acc["id"], "user_id": acc["user_id"], "type": acc["type"], "display_name": acc.get("display_name"),
            "status": acc["status"], "created_at": ctx.iso(acc["created_at"]), "updated_at": ctx.iso(acc["updated_at"]),
            "provider_account_id": acc.get("provider_account_id"), "profile_url": acc.get("profile_url"),
            "is_premium": acc.get("is_premium") if linkedin else None,
            "has_sales_navigator": acc.get("has_sales_navigator") if linkedin else None,
            "weekly_connection_limit": conn, "weekly_message_limit": msg,
            "email_address": acc.get("email_address"), "domain_id": acc.get("domain_id"),
            "agentmail_inbox_id": acc.get("agentmail_inbox_id"), "instantly_account_id": acc.get("instantly_account_id"),
            "warmup_status": acc.get("warmup_status"), "first_name": acc.get("first_name"),
            "last_name": acc.get("last_name"), "signature": acc.get("signature"), "daily_limit": acc.get("daily_limit"),
            "instantly_tag_id": acc.get("instantly_tag_id"), "instantly_warmup_tag_id": acc.get("instantly_warmup_tag_id"),
            "email_domains": {"id": domain["id"], "domain": domain["domain"], "status": domain["status"]} if domain else None}


def domain(ctx, d: dict) -> dict:
    return {"id": d["id"], "user_id": d["user_id"], "domain": d["domain"], "agentmail_domain_id": d.get("agentmail_domain_id"),
            "status": d["status"], "dns_records": d.get("dns_records", []), "verified_at": b.stamp(ctx, d.get("verified_at")),
            "created_at": ctx.iso(d["created_at"]), "updated_at": ctx.iso(d["updated_at"])}


def conversation(ctx, c: dict) -> dict:
    return {"id": c["id"], "user_id": c["user_id"], "account_id": c["account_id"], "channel": c["channel"],
            "status": c.get("status", "active"), "external_id": c["external_id"],
            "participant_name": c.get("participant_name"), "participant_email": c.get("participant_email"),
            "participant_linkedin_url": c.get("participant_linkedin_url"),
            "last_message_at": b.stamp(ctx, c.get("last_message_at")), "unread_count": c.get("unread_count", 0),
            "created_at": ctx.iso(c["created_at"]), "updated_at": ctx.iso(c["updated_at"]),
            "last_message_snippet": c.get("last_message_snippet"), "last_message_direction": c.get("last_message_direction"),
            "participant_company": c.get("participant_company")}


def conversation_message(ctx, m: dict) -> dict:
    return {"id": m["id"], "user_id": m["user_id"], "conversation_id": m["conversation_id"],
            "campaign_id": m.get("campaign_id"), "direction": m["direction"], "message_type": "message",
            "subject": m.get("subject"), "body_text": m.get("body_text"), "body_html": m.get("body_html"),
            "sender_name": m.get("sender_name"), "sender_identifier": m.get("sender_identifier"),
            "external_id": m.get("external_id"), "sent_at": ctx.iso(m["sent_at"]), "created_at": ctx.iso(m["created_at"])}


# --- the dashboard's view (VendorSpec.campaigns; contract in sim.web.spec.CAMPAIGNS_HOOK) -----------------------
def campaign_summaries(ctx) -> list[dict]:
    """Every campaign with the ``stats`` of ``GET /api/campaigns/{id}``, built by the same serializer.

    ``sent`` is ``stats.contacted`` (prospects written to so far): Puffle's own ``stats.sent`` counts only the
    prospects still in status ``sent``, which falls as they reply or complete."""
    from sim.vendors.puffle import campaigns, engine

    out = []
    sending = engine.outreach(ctx)
    for camp in campaigns.list_campaigns(ctx):
        stats = campaign(ctx, camp)["stats"]
        got = stats or {}
        total = got.get("total")
        out.append({"id": camp["id"], "name": camp["name"], "status": camp["status"], "kind": "campaign",
                    "total": total, "sent": got.get("contacted"), "bounced": got.get("bounced"), "opened": None,
                    "replied": got.get("replied"), "stats": stats, "source": f"GET /campaigns/{camp['id']}",
                    "progress": got.get("contacted", 0) / total if total else 0.0, "daily": sending.daily(camp["id"])})
    return out
