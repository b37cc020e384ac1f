"""Fill a new Puffle workspace from fixtures/default/puffle.json: owner, settings, plan and credits, senders."""

from __future__ import annotations


def seed(ctx, data: dict) -> None:
    now = ctx.now_ts()
    owner = {"id": ctx.ids.uuid4("user"), "email": "owner@example.com", "first_name": "Workspace",
             "last_name": "Owner", "admin": False, **data.get("user", {})}
    account = ctx.table("account")
    account.put("user", owner)
    account.put("settings", {"timezone": None, "allow_warming_accounts": False, **data.get("settings", {})})
    account.put("billing", {"plan": None, "balance": 0, **data.get("billing", {})})
    if data.get("context"):
        account.put("context", {"context": data["context"].get("context"), "profile": data["context"].get("profile")})
    for d in data.get("domains", []):
        ctx.table("domains").put(d["id"], {"user_id": owner["id"], "agentmail_domain_id": None, "dns_records": [],
                                           "verified_at": now if d.get("status") == "verified" else None,
                                           "created_at": now, "updated_at": now, "check": 0, **d})
    for s in data.get("senders", []):
        ctx.table("senders").put(s["id"], {"user_id": owner["id"], "created_at": now, "updated_at": now,
                                           "upstream_exists": True, "provider_status": 1, **s})
