"""LeadConduit simulator controls under ``/_sim/workspaces/<ws_id>/leadconduit`` (spec section 7's admin hooks).

- ``GET|PUT /settings``: rate limits (``rate_limit_hour``, ``rate_limit_minute``), ``criteria_mode``
  (lenient|strict), ``duplicate_window_days``, ``accepted_event``, ``webhook_secret``.
- ``POST /leads/<lead_id>/convert``: report a conversion (``converted`` event + ``lead.converted``).
- ``POST /flows``: create a flow shaped like the seeded one.
- ``PUT /flows/<flow_id>/status``: ``{"status": "active"|"paused"}``.
- ``PUT /flows/<flow_id>/recipients/<recipient_id>``: ``{"mode": ok|4xx|5xx|profile, "response_code", "latency_ms"}``.
"""

from __future__ import annotations

from sim.vendors.leadconduit import backend, serializers
from sim.web.control import body, control, vendor_controls


def blueprint():
    bp = vendor_controls("leadconduit")

    @control(bp, "/settings", methods=["GET"])
    def get_settings(ctx):
        return backend.vendor_settings(ctx)

    @control(bp, "/settings", methods=["PUT"])
    def put_settings(ctx):
        return backend.set_vendor_settings(ctx, body(required=True))

    @control(bp, "/leads/<lead_id>/convert", methods=["POST"])
    def convert_lead(ctx, lead_id):
        lead, events = backend.convert_lead(ctx, lead_id)
        return serializers.lead_detail(ctx, lead, events)

    @control(bp, "/flows", methods=["POST"])
    def create_flow(ctx):
        return 201, serializers.flow_detail(backend.create_flow(ctx, body(required=True)))

    @control(bp, "/flows/<flow_id>/status", methods=["PUT"])
    def set_flow_status(ctx, flow_id):
        flow = backend.set_flow_status(ctx, flow_id, body(required=True).get("status"))
        return {"id": flow["id"], "status": flow["status"]}

    @control(bp, "/flows/<flow_id>/recipients/<recipient_id>", methods=["PUT"])
    def set_recipient(ctx, flow_id, recipient_id):
        return backend.set_recipient_behaviour(ctx, flow_id, recipient_id, body(required=True))

    return bp
