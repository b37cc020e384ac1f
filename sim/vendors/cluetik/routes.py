"""Cluetik HTTP routes: parse the request, call the backend, shape the response."""

from __future__ import annotations

from sim.core.errors import Invalid
from sim.vendors.cluetik import serializers as ser
from sim.vendors.cluetik.backend import Cluetik
from sim.web.pipeline import route, vendor_blueprint


def _int(call, name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    raw = call.args.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise Invalid(f"{name} is invalid", code="validation_error")
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        raise Invalid(f"{name} is invalid", code="validation_error")
    return value


def _listing(call, items: list, render) -> dict:
    limit = _int(call, "limit", 20, 1, 100)
    page = _int(call, "page", 1, 1)
    if call.args.get("offset") not in (None, ""):
        offset = _int(call, "offset", 0, 0)
        page = offset // limit + 1
    else:
        offset = (page - 1) * limit
    return ser.page_body(items, render, page, limit, offset)


def _filter(call, name: str) -> str | None:
    value = call.args.get(name)
    return value if value not in (None, "") else None


def _body(call) -> dict:
    return call.body()


def blueprint():
    bp = vendor_blueprint("cluetik")

    # --- leads ----------------------------------------------------------------------------------------------
    @route(bp, "/leads")
    def list_leads(call):
        ct = Cluetik(call.ctx)
        items = ct.list_leads(status=_filter(call, "status"), campaign_id=_filter(call, "campaign_id"),
                              email=_filter(call, "email"))
        return 200, _listing(call, items, ser.lead_json)

    @route(bp, "/leads", methods=["POST"])
    def create_lead(call):
        return 201, ser.lead_json(Cluetik(call.ctx).create_lead(_body(call)))

    @route(bp, "/leads/<lid>")
    def get_lead(call, lid):
        return 200, ser.lead_json(Cluetik(call.ctx).lead(lid))

    @route(bp, "/leads/<lid>", methods=["PATCH", "PUT"])
    def update_lead(call, lid):
        ct = Cluetik(call.ctx)
        ct.lead(lid)
        return 200, ser.lead_json(ct.update_lead(lid, _body(call)))

    @route(bp, "/leads/<lid>", methods=["DELETE"])
    def delete_lead(call, lid):
        Cluetik(call.ctx).delete_lead(lid)
        return 204, None

    # --- campaigns ------------------------------------------------------------------------------------------
    @route(bp, "/campaigns")
    def list_campaigns(call):
        ct = Cluetik(call.ctx)
        return 200, _listing(call, ct.list_campaigns(status=_filter(call, "status")), ct.campaign_json)

    @route(bp, "/campaigns", methods=["POST"])
    def create_campaign(call):
        ct = Cluetik(call.ctx)
        return 201, ct.campaign_json(ct.create_campaign(_body(call)))

    @route(bp, "/campaigns/<cid>")
    def get_campaign(call, cid):
        ct = Cluetik(call.ctx)
        return 200, ct.campaign_json(ct.campaign(cid))

    @route(bp, "/campaigns/<cid>", methods=["PATCH", "PUT"])
    def update_campaign(call, cid):
        ct = Cluetik(call.ctx)
        ct.campaign(cid)
        return 200, ct.campaign_json(ct.update_campaign(cid, _body(call)))

    @route(bp, "/campaigns/<cid>", methods=["DELETE"])
    def delete_campaign(call, cid):
        Cluetik(call.ctx).delete_campaign(cid)
        return 204, None

    @route(bp, "/campaigns/<cid>/start", methods=["POST"])
    def start_campaign(call, cid):
        ct = Cluetik(call.ctx)
        return 200, ct.campaign_json(ct.start(cid))

    @route(bp, "/campaigns/<cid>/resume", methods=["POST"])
    def resume_campaign(call, cid):
        ct = Cluetik(call.ctx)
        return 200, ct.campaign_json(ct.start(cid))

    @route(bp, "/campaigns/<cid>/pause", methods=["POST"])
    def pause_campaign(call, cid):
        ct = Cluetik(call.ctx)
        return 200, ct.campaign_json(ct.pause(cid))

    @route(bp, "/campaigns/<cid>/complete", methods=["POST"])
    def complete_campaign(call, cid):
        ct = Cluetik(call.ctx)
        return 200, ct.campaign_json(ct.complete(cid))

    @route(bp, "/campaigns/<cid>/stop", methods=["POST"])
    def stop_campaign(call, cid):
        ct = Cluetik(call.ctx)
        return 200, ct.campaign_json(ct.complete(cid))

    @route(bp, "/campaigns/<cid>/leads", methods=["POST"])
    def enroll_leads(call, cid):
        ct = Cluetik(call.ctx)
        ct.campaign(cid)
        return 200, ct.campaign_json(ct.enroll_leads(cid, _body(call)))

    # --- agents and calls -----------------------------------------------------------------------------------
    @route(bp, "/agents")
    def list_agents(call):
        ct = Cluetik(call.ctx)
        return 200, _listing(call, ct.list_agents(_filter(call, "status"), _filter(call, "type")), ser.agent_json)

    @route(bp, "/agents/<aid>")
    def get_agent(call, aid):
        return 200, ser.agent_json(Cluetik(call.ctx).agent(aid))

    @route(bp, "/agents/<aid>/trigger", methods=["POST"])
    def trigger_agent(call, aid):
        ct = Cluetik(call.ctx)
        ct.agent(aid)
        return 202, ser.call_json(ct.trigger(aid, _body(call)))

    @route(bp, "/calls")
    def list_calls(call):
        ct = Cluetik(call.ctx)
        items = ct.list_calls(lead_id=_filter(call, "lead_id"), agent_id=_filter(call, "agent_id"),
                              campaign_id=_filter(call, "campaign_id"), status=_filter(call, "status"))
        return 200, _listing(call, items, ser.call_json)

    @route(bp, "/calls/<call_id>")
    def get_call(call, call_id):
        return 200, ser.call_json(Cluetik(call.ctx).call(call_id))

    # --- emails ---------------------------------------------------------------------------------------------
    @route(bp, "/emails")
    def list_emails(call):
        ct = Cluetik(call.ctx)
        items = ct.list_emails(lead_id=_filter(call, "lead_id"), campaign_id=_filter(call, "campaign_id"),
                               status=_filter(call, "status"))
        return 200, _listing(call, items, ser.email_json)

    @route(bp, "/emails/<eid>")
    def get_email(call, eid):
        return 200, ser.email_json(Cluetik(call.ctx).email(eid))

    return bp
