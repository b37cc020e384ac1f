"""Leadterra test controls under ``/_sim/workspaces/<id>/leadterra/...`` (spec §8 item 11).

- ``GET|PUT /settings``: compat envelopes, limits, rate limit, sending window, workspace gates, linked SDR,
  signature format of webhooks registered afterwards (``signatureEncoding`` hex|base64, ``signaturePrefix`` ""|"sha256=")
- ``POST /replies`` ``{campaignId, email, classification, text?}``: inject an inbound reply now (the five
  documented classifications, or ``referral``)
- ``POST /bounces`` ``{campaignId, email, type: hard|soft, reason?}``: bounce the lead's latest message now
- ``PUT /sender-pools/<id>`` ``{dailyCapacity?, remainingToday?}``: set a pool's capacity
- ``PUT /sender-accounts/<id>`` ``{status: active|paused|warming}``: flip a sender
- ``GET /webhooks``: registered webhooks with their signing secrets and signature formats
- ``PUT /sdrs/<id>/gmail`` ``{healthState?, connected?, lastSyncError?}``: the SDR's Gmail connection
- ``POST /keys`` ``{mode: live|test}``: issue another key for this workspace (``sk_test_...`` for test)
- ``GET /campaigns/<id>``: the engine's view of a campaign (status, counters, next tick)
- ``GET /campaigns/<id>/leads/<email>``: one lead's place in the sequence (status, next step, sends)
- ``GET /suppression``: the suppression list with reasons
"""

from __future__ import annotations

import secrets

from sim.core.errors import FieldError, Invalid, NotFound
from sim.core.outreach import normalize_email
from sim.vendors.leadterra import serializers as ser
from sim.vendors.leadterra.backend import CLASSIFICATIONS, DEFAULTS, SETTINGS, Leadterra, reply_json
from sim.vendors.leadterra.sdr import HEALTH_STATES, SDRDesk
from sim.web.control import body, control, vendor_controls

SENDER_STATUSES = ("active", "paused", "warming")
# the documented five plus the guide's truncated "refe..." value (spec §7 #9), which the replies filter also accepts
INJECTABLE_CLASSIFICATIONS = (*CLASSIFICATIONS, "referral")


def _int(value, name: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise Invalid(f"{name} must be an integer >= {minimum}",
                      fields=[FieldError(name, "value", f"{name} must be an integer >= {minimum}")])
    return value


def _window(value):
    if value is None:
        return None
    ok = isinstance(value, dict)
    if ok:
        days = value.get("days", list(range(7)))
        ok = (isinstance(days, list) and all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in days)
              and all(isinstance(value.get(k, 0), int) and not isinstance(value.get(k, 0), bool)
                      for k in ("start", "end", "utc_offset"))
              and 0 <= value.get("start", 0) < value.get("end", 1440) <= 1440
              and -840 <= value.get("utc_offset", 0) <= 840)
    if not ok:
        raise Invalid("sendingWindow must be null or {days: [0..6], start: minute, end: minute, utc_offset: minutes}",
                      fields=[FieldError("sendingWindow", "value", "invalid sending window")])
    return {"days": value.get("days", list(range(7))), "start": value.get("start", 0), "end": value.get("end", 1440),
            "utc_offset": value.get("utc_offset", 0)}


def _settings_view(lt: Leadterra) -> dict:
    out = {name: lt.setting(name) for name in DEFAULTS}
    out["sdrId"] = lt.ctx.settings.get("sdrId") or SDRDesk(lt).current().doc_id
    return out


def controls():
    bp = vendor_controls("leadterra")

    @control(bp, "/settings", methods=["GET"])
    def get_settings(ctx):
        return _settings_view(Leadterra(ctx))

    @control(bp, "/settings", methods=["PUT", "PATCH"])
    def put_settings(ctx):
        lt = Leadterra(ctx)
        b = body(required=True)
        changes = {}
        for name, value in b.items():
            if name in SETTINGS:
                if value not in SETTINGS[name]:
                    raise Invalid(f"{name} must be one of {SETTINGS[name]}",
                                  fields=[FieldError(name, "value", f"one of {SETTINGS[name]}")])
            elif name in ("bulkLeadsMax", "suppressionBatchMax"):
                _int(value, name, 1)
            elif name == "rateLimitPerMinute":
                value = None if value is None else _int(value, name, 1)
            elif name in ("workspaceNotFound", "suspended"):
                if not isinstance(value, bool):
                    raise Invalid(f"{name} must be a boolean", fields=[FieldError(name, "type", "boolean")])
            elif name == "sendingWindow":
                value = _window(value)
            elif name == "sdrId":
                if value not in SDRDesk(lt).sdrs:
                    raise Invalid("sdrId must name an SDR of this workspace", fields=[FieldError(name, "value", "unknown SDR")])
            else:
                raise Invalid(f"unknown setting {name}", fields=[FieldError(name, "unknown", "unknown setting")])
            changes[name] = value
        for name, value in changes.items():
            ctx.set_setting(name, value)
            if name == "sendingWindow":
                for camp in lt.engine.campaigns():
                    lt.engine.set_window(camp.doc_id, value)
        return _settings_view(lt)

    @control(bp, "/replies", methods=["POST"])
    def inject_reply(ctx):
        lt = Leadterra(ctx)
        b = body(required=True)
        classification = b.get("classification")
        if not isinstance(classification, str) or not classification:
            raise Invalid("classification is required", fields=[FieldError("classification", "required",
                                                                           f"e.g. {', '.join(CLASSIFICATIONS)}")])
        if classification not in INJECTABLE_CLASSIFICATIONS:
            raise Invalid(f"classification must be one of {', '.join(INJECTABLE_CLASSIFICATIONS)}",
                          fields=[FieldError("classification", "value", ", ".join(INJECTABLE_CLASSIFICATIONS))])
        text = b.get("text")
        if text is not None and not isinstance(text, str):
            raise Invalid("text must be a string", fields=[FieldError("text", "type", "text must be a string")])
        cid, email = _target(lt, b)
        reply = lt.engine.inject_reply(cid, email, classification, text=text)
        return 201, reply_json(lt.engine, reply)

    @control(bp, "/bounces", methods=["POST"])
    def force_bounce(ctx):
        lt = Leadterra(ctx)
        b = body(required=True)
        kind = b.get("type", "hard")
        if kind not in ("hard", "soft"):
            raise Invalid("type must be hard or soft", fields=[FieldError("type", "value", "hard or soft")])
        reason = b.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise Invalid("reason must be a string", fields=[FieldError("reason", "type", "reason must be a string")])
        cid, email = _target(lt, b)
        ev = lt.engine.force_bounce(cid, email, kind, reason)
        return 201, {"messageId": ev.message_id, "campaignId": cid, "email": ev.email, "sequenceStep": ev.step + 1,
                     "bounceType": ev.bounce, "bounceReason": ev.reason, "bouncedAt": ctx.iso(ev.at)}

    @control(bp, "/sender-pools/<pool_id>", methods=["PUT", "PATCH"])
    def set_pool(ctx, pool_id):
        lt = Leadterra(ctx)
        b = body(required=True)
        cap = _int(b["dailyCapacity"], "dailyCapacity") if "dailyCapacity" in b else None
        remaining = _int(b["remainingToday"], "remainingToday") if "remainingToday" in b else None
        lt.engine.set_pool_capacity(pool_id, cap, remaining)
        pools = [p for p in lt.sender_pools() if p["id"] == pool_id]
        return ser.pools_body(pools, "array")[0]

    @control(bp, "/sender-accounts/<account_id>", methods=["PUT", "PATCH"])
    def set_account(ctx, account_id):
        lt = Leadterra(ctx)
        b = body(required=True)
        if b.get("status") not in SENDER_STATUSES:
            raise Invalid("status must be active, paused or warming",
                          fields=[FieldError("status", "value", "active, paused or warming")])
        lt.engine.set_sender_status(account_id, b["status"])
        return next(a for a in ser.accounts_body(lt.sender_accounts(), "array") if a["id"] == account_id)

    @control(bp, "/webhooks", methods=["GET"])
    def list_webhooks(ctx):
        out = []
        for sub in Leadterra(ctx).webhooks():
            meta = sub.get("meta") or {}
            out.append({**ser.webhook_json(ctx, sub)["webhook"],
                        "signatureEncoding": meta.get("signatureEncoding", "hex"),
                        "signaturePrefix": meta.get("signaturePrefix", "")})
        return {"webhooks": out}

    @control(bp, "/sdrs/<sdr_id>/gmail", methods=["PUT", "PATCH"])
    def set_gmail(ctx, sdr_id):
        desk = SDRDesk(Leadterra(ctx))
        b = body(required=True)
        changes = {}
        if "healthState" in b:
            if b["healthState"] not in HEALTH_STATES:
                raise Invalid("healthState is not valid", fields=[FieldError("healthState", "value", ", ".join(HEALTH_STATES))])
            changes["healthState"] = b["healthState"]
        if "connected" in b:
            if not isinstance(b["connected"], bool):
                raise Invalid("connected must be a boolean", fields=[FieldError("connected", "type", "boolean")])
            changes["gmailConnected"] = b["connected"]
        if "lastSyncError" in b:
            if b["lastSyncError"] is not None and not isinstance(b["lastSyncError"], str):
                raise Invalid("lastSyncError must be a string or null", fields=[FieldError("lastSyncError", "type", "string")])
            changes["lastSyncError"] = b["lastSyncError"]
        if sdr_id not in desk.sdrs:
            raise NotFound(f"SDR {sdr_id} not found")
        desk.set_gmail(sdr_id, changes)
        return ser.sdr_json(desk.sdrs.get(sdr_id)) | {"healthState": desk.sdrs.get(sdr_id)["healthState"]}

    @control(bp, "/keys", methods=["POST"])
    def issue_key(ctx):
        b = body()
        mode = b.get("mode", "live")
        if mode not in ("live", "test"):
            raise Invalid("mode must be live or test", fields=[FieldError("mode", "value", "live or test")])
        key = f"sk_{mode}_" + secrets.token_hex(16)
        ctx.sim.add_key(ctx.ws, "leadterra", key)
        return 201, {"key": key, "mode": mode}

    @control(bp, "/campaigns/<cid>", methods=["GET"])
    def campaign_state(ctx, cid):
        lt = Leadterra(ctx)
        camp = lt.engine.campaign(cid)
        if camp is None:
            raise NotFound(f"campaign {cid} not found")
        stats = lt.engine.stats(cid)
        due = lt.engine.next_tick(cid)
        return {"campaign": ser.campaign_json(ctx, camp), "counters": stats,
                "nextTickAt": ctx.iso(due) if due is not None else None}

    @control(bp, "/campaigns/<cid>/leads/<email>", methods=["GET"])
    def enrollment_state(ctx, cid, email):
        lt = Leadterra(ctx)
        doc = lt.engine.enrollment(cid, normalize_email(email))
        if doc is None:
            raise NotFound(f"{email} is not enrolled in campaign {cid}")
        return {"email": doc["email"], "status": doc["status"], "nextStep": doc["step"] + 1,
                "nextDueAt": ctx.iso(doc["due"]) if doc["due"] is not None else None,
                "sentAt": [ctx.iso(t) for t in doc["sent_at"]], "replied": doc["replied"],
                "suppressed": lt.engine.is_suppressed(doc["email"])}

    @control(bp, "/suppression", methods=["GET"])
    def suppression(ctx):
        return {"suppressed": [{"email": d.doc_id, "reason": d["reason"], "source": d["source"], "at": ctx.iso(d["at"])}
                               for d in Leadterra(ctx).engine.suppression()]}

    return bp


def _target(lt: Leadterra, b: dict) -> tuple[str, str]:
    cid, email = b.get("campaignId"), b.get("email")
    if not isinstance(cid, str) or not isinstance(email, str):
        raise Invalid("campaignId and email are required",
                      fields=[FieldError(n, "required", f"{n} is required") for n in ("campaignId", "email")
                              if not isinstance(b.get(n), str)])
    if lt.engine.campaign(cid) is None:
        raise NotFound(f"campaign {cid} not found")
    return cid, normalize_email(email)
