"""Puffle's /_sim controls: change sender and upstream state, inject replies and bounces, set plan and admin."""

from __future__ import annotations

from flask import request

from sim.core.errors import FieldError, Invalid, NotFound
from sim.vendors.puffle import backend as b
from sim.vendors.puffle import engine
from sim.vendors.puffle import serializers as s
from sim.web.control import control, vendor_controls

SENDER_STATUSES = ("pending", "warming", "active", "error", "connected", "credentials_required", "disconnected")
WARMUP_STATUSES = ("not_started", "warming", "warmed", "active", "completed", "banned", "suspended")


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid("body must be a JSON object", fields=[FieldError("body", "type", "expected an object")])
    return body


def _sender(ctx, aid: str) -> dict:
    acc = ctx.table("senders").get(aid)
    if acc is None:
        raise NotFound(f"sender {aid} not found")
    return acc


def _prospect(ctx, cid: str, pid: str) -> tuple[dict, dict]:
    camp = ctx.table("campaigns").get(cid)
    p = b.prospects(ctx, cid).get(pid) if camp is not None else None
    if p is None:
        raise NotFound(f"prospect {pid} not found in campaign {cid}")
    return camp, p


def _check(body: dict, name: str, allowed) -> None:
    if name in body and body[name] not in allowed:
        raise Invalid(f"{name} is not allowed", fields=[FieldError(name, "value", f"one of {', '.join(map(str, allowed))}")])


def controls():
    bp = vendor_controls("puffle")

    @control(bp, "/senders/<aid>", methods=["PATCH"])
    def update_sender(ctx, aid):
        """Change a sender's status, warmup status, inbox, LinkedIn upstream flags or provider warmup status."""
        acc = _sender(ctx, aid)
        body = _body()
        _check(body, "status", SENDER_STATUSES)
        _check(body, "warmup_status", WARMUP_STATUSES)
        _check(body, "provider_status", (1, -1, -2, -3))
        for name in ("upstream_exists", "upstream_premium", "upstream_sales_navigator"):
            _check(body, name, (True, False))
        if "agentmail_inbox_id" in body and not (body["agentmail_inbox_id"] is None or isinstance(body["agentmail_inbox_id"], str)):
            raise Invalid("agentmail_inbox_id must be a string or null",
                          fields=[FieldError("agentmail_inbox_id", "type", "string or null")])
        keys = ("status", "warmup_status", "provider_status", "upstream_exists", "upstream_premium",
                "upstream_sales_navigator", "agentmail_inbox_id")
        changes = {k: body[k] for k in keys if k in body}
        if body.get("warmup_status") == "warming" and not acc.get("warmup_started_at"):
            changes["warmup_started_at"] = ctx.now_ts()
        doc = ctx.table("senders").update(aid, {**changes, "updated_at": ctx.now_ts()})
        engine.limits_changed(ctx)
        return s.sender(ctx, doc)

    @control(bp, "/campaigns/<cid>/prospects/<pid>/reply", methods=["POST"])
    def inject_reply(ctx, cid, pid):
        """Make a contacted lead reply now (``class``: interested, not_interested, out_of_office, unsubscribe)."""
        camp, p = _prospect(ctx, cid, pid)
        body = request.get_json(silent=True) or {}
        _check(body, "class", ("interested", "not_interested", "out_of_office", "unsubscribe", "referral"))
        if p["status"] in ("pending", "cancelled", "replied", "bounced"):
            raise Invalid(f"prospect is {p['status']}; only contacted leads can reply",
                          fields=[FieldError("status", "value", "lead has not been contacted")])
        engine.outreach(ctx).inject_reply(cid, pid, body.get("class", "interested"))
        return {"prospect": s.prospect(ctx, b.prospects(ctx, cid).get(pid))}

    @control(bp, "/campaigns/<cid>/prospects/<pid>/bounce", methods=["POST"])
    def inject_bounce(ctx, cid, pid):
        """Bounce a contacted email lead now (``hard`` defaults to true and suppresses the address)."""
        camp, p = _prospect(ctx, cid, pid)
        body = request.get_json(silent=True) or {}
        if camp["type"] != "email" or p["status"] in ("pending", "cancelled", "replied", "bounced"):
            raise Invalid("only contacted leads of email campaigns can bounce",
                          fields=[FieldError("status", "value", "lead has not been emailed")])
        engine.outreach(ctx).force_bounce(cid, pid, "hard" if body.get("hard", True) is not False else "soft",
                                          "550 5.1.1 The email account that you tried to reach does not exist")
        return {"prospect": s.prospect(ctx, b.prospects(ctx, cid).get(pid))}

    @control(bp, "/account", methods=["PATCH"])
    def update_account(ctx):
        """Set the workspace owner's admin flag, plan and credit balance (``unreachable`` makes billing fail open)."""
        body = _body()
        _check(body, "admin", (True, False))
        _check(body, "unreachable", (True, False))
        if "balance" in body and (isinstance(body["balance"], bool) or not isinstance(body["balance"], int) or body["balance"] < 0):
            raise Invalid("balance must be a non-negative integer", fields=[FieldError("balance", "value", "integer >= 0")])
        if "admin" in body:
            b.user(ctx)
            ctx.table("account").update("user", {"admin": body["admin"]})
        billing = {**b.billing(ctx), **{k: body[k] for k in ("balance", "plan", "unreachable") if k in body}}
        ctx.table("account").put("billing", billing)
        return {"user": dict(b.user(ctx)), "billing": billing}

    @control(bp, "/lists", methods=["POST"])
    def create_list(ctx):
        """A saved List with rows, to import into a campaign roster."""
        body = _body()
        leads = body.get("leads")
        if not isinstance(leads, list) or not all(isinstance(x, dict) for x in leads):
            raise Invalid("leads must be a list of objects", fields=[FieldError("leads", "type", "array of objects")])
        lid = ctx.ids.uuid4("list")
        ctx.table("lists").put(lid, {"id": lid, "name": body.get("name") or "List", "created_at": ctx.now_ts()})
        table = ctx.table(f"list_leads/{lid}")
        for lead in leads:
            rid = ctx.ids.uuid4("list_lead")
            table.put(rid, {**lead, "id": rid})
        return 201, {"id": lid, "leads": len(leads)}

    @control(bp, "/domains/<did>", methods=["PATCH"])
    def update_domain(ctx, did):
        """``dns_missing: true`` makes DNS checks keep failing until the domain ends ``failed``."""
        body = _body()
        _check(body, "dns_missing", (True, False))
        if ctx.table("domains").get(did) is None:
            raise NotFound(f"domain {did} not found")
        return s.domain(ctx, ctx.table("domains").update(did, {"dns_missing": body.get("dns_missing", False)}))

    return bp
