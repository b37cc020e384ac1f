"""Cluetik test controls under ``/_sim/workspaces/<id>/cluetik/...`` (spec section 9, adapted to /_sim):

- ``POST /emails/{id}/open``: the recipient opens the email (``email.opened`` unless open tracking is off)
- ``POST /emails/{id}/reply`` ``{"classification"?}``: the recipient replies (``email.replied``, lead -> replied)
- ``POST /campaigns/{id}/send``: every lead's next due step of an active campaign is sent now
- ``POST /calls/{id}/complete`` ``{"outcome"?, "duration"?}``: end a queued or running call with this outcome
- ``GET /agents``, ``POST /agents`` ``{"id"?, "name", "type"?, "status"?}``: the seeded agents; add one
"""

from __future__ import annotations

from sim.core.errors import FieldError, Invalid
from sim.vendors.cluetik import serializers as ser
from sim.vendors.cluetik.backend import OUTCOMES, Cluetik
from sim.web.control import body, control, vendor_controls

CLASSIFICATIONS = ("interested", "not_interested", "out_of_office", "unsubscribe")


def _bad(field: str, message: str) -> Invalid:
    return Invalid(message, fields=[FieldError(field, "value", message)])


def controls():
    bp = vendor_controls("cluetik")

    @control(bp, "/emails/<eid>/open", methods=["POST"])
    def open_email(ctx, eid):
        return ser.email_json(Cluetik(ctx).mark_opened(eid))

    @control(bp, "/emails/<eid>/reply", methods=["POST"])
    def reply_email(ctx, eid):
        data = body()
        classification = data.get("classification") or "interested"
        if classification not in CLASSIFICATIONS:
            raise _bad("classification", f"classification must be one of {', '.join(CLASSIFICATIONS)}")
        ct = Cluetik(ctx)
        email = ct.email(eid)
        if email["replied_at"] is None:
            camp = ct.engine.campaign(email["campaign_id"])
            if camp is not None and ct.engine.enrollment(camp.doc_id, email["lead_id"]) is not None:
                ct.engine.inject_reply(camp.doc_id, email["lead_id"], classification)
            ct.mark_replied(eid)
        return ser.email_json(ct.email(eid))

    @control(bp, "/campaigns/<cid>/send", methods=["POST"])
    def send_now(ctx, cid):
        ct = Cluetik(ctx)
        camp = ct.campaign(cid)
        if camp["cluetik_status"] != "active":
            raise _bad("campaign", "campaign is not active")
        table = ctx.table("outreach/enrollments")
        now = ctx.now_ts()
        moved = 0
        for doc in ct.engine.enrollments(cid):
            if doc["status"] == "active" and doc["due"] is not None and doc["due"] > now:
                table.update(doc.doc_id, {"due": now})
                moved += 1
        ct.engine.wake(cid)
        ct.engine.tick({"campaign": cid})
        return {"campaign_id": cid, "sent": len(ct.list_emails(campaign_id=cid)), "moved": moved}

    @control(bp, "/calls/<call_id>/complete", methods=["POST"])
    def complete_call(ctx, call_id):
        data = body()
        ct = Cluetik(ctx)
        call = ct.call(call_id)
        outcome = data.get("outcome") or "interested"
        if outcome not in OUTCOMES:
            raise _bad("outcome", f"outcome must be one of {', '.join(OUTCOMES)}")
        duration = data.get("duration", 120)
        if isinstance(duration, bool) or not isinstance(duration, int) or not 0 <= duration <= 86400:
            raise _bad("duration", "duration must be an integer number of seconds, 0..86400")
        if call["status"] in ("completed", "failed"):
            raise _bad("call", "call has already ended")
        return ser.call_json(ct.end_call(call_id, outcome, duration))

    @control(bp, "/agents")
    def list_agents(ctx):
        return {"agents": [ser.agent_json(a) for a in Cluetik(ctx).list_agents()]}

    @control(bp, "/agents", methods=["POST"])
    def add_agent(ctx):
        data = body(required=True)
        ct = Cluetik(ctx)
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _bad("name", "name is required")
        kind = data.get("type") or "voice"
        status = data.get("status") or "active"
        if kind not in ("voice", "email"):
            raise _bad("type", "type must be voice or email")
        if status not in ("active", "inactive"):
            raise _bad("status", "status must be active or inactive")
        aid = data.get("id") or ctx.ids.hex("agent_", 16)
        if not isinstance(aid, str) or not aid.startswith("agent_") or ct.agents.get(aid) is not None:
            raise _bad("id", "id must be a new id starting with agent_")
        doc = {"id": aid, "name": name, "type": kind, "status": status, "created_at": ctx.iso()}
        ct.agents.put(aid, doc)
        return 201, ser.agent_json(doc)

    return bp
