"""A minimal vendor used only by the platform tests: it exercises every hook a VendorSpec offers."""

from __future__ import annotations

from sim.core.errors import Conflict, NotFound, SimError
from sim.core.ratelimit import Window
from sim.core.webhooks import WebhookProfile
from sim.web.control import control, vendor_controls
from sim.web.pipeline import route, vendor_blueprint
from sim.web.spec import VendorSpec


class ToyErrors:
    def render(self, err: SimError, request_id: str):
        return {"error": {"code": err.code or err.kind, "message": err.message, "request_id": request_id,
                          "fields": [f.as_json() for f in err.fields]}}, err.status, {}


class ToyWebhooks(WebhookProfile):
    vendor = "toy"
    events = ("thing.created", "thing.pinged")
    retry_delays = (60, 300, 1800)
    disable_after = 2
    signature_header = "X-Toy-Signature"


def blueprint(name: str = "toy"):
    bp = vendor_blueprint(name)

    @route(bp, "/things", methods=["POST"])
    def create_thing(call):
        body = call.body()
        problems = call.validate("thing", body)
        if problems:
            from sim.core.errors import Invalid
            raise Invalid("invalid thing", fields=problems)
        ctx = call.ctx
        tid = ctx.ids.ulid("thing_", int(ctx.now_ts() * 1000))
        doc = ctx.table("things").put(tid, {"name": body["name"], "created": ctx.iso(), "pings": 0,
                                             "word": ctx.fake("thing", tid).word()})
        ctx.emit("thing.created", {"id": tid, **doc}, order_key=tid)
        return 201, {"id": tid, **doc}

    @route(bp, "/things/<tid>")
    def get_thing(call, tid):
        doc = call.ctx.table("things").get(tid)
        if doc is None:
            raise NotFound(f"thing {tid} not found", code="thing_not_found")
        return 200, {"id": tid, **doc}

    @route(bp, "/things/<tid>/ping-later", methods=["POST"])
    def ping_later(call, tid):
        ctx = call.ctx
        if tid not in ctx.table("things"):
            raise NotFound(f"thing {tid} not found", code="thing_not_found")
        body = call.body(required=False)
        job = ctx.schedule("toy.ping", ctx.now_ts() + float(body.get("after", 3600)), {"thing": tid})
        return 202, {"job": job}

    @route(bp, "/things/<tid>/lock", methods=["POST"])
    def lock_thing(call, tid):
        table = call.ctx.table("things")
        doc = table.get(tid)
        if doc is None:
            raise NotFound(f"thing {tid} not found", code="thing_not_found")
        if doc.get("locked"):
            raise Conflict("already locked", code="already_locked")
        table.update(tid, {"locked": True})
        return 200, {"locked": True}

    @route(bp, "/webhooks", methods=["POST"])
    def add_webhook(call):
        from sim.core.webhooks import check_target
        body = call.body()
        url = check_target(body.get("url"))
        ctx = call.ctx
        sub = ctx.subscribe(url, events=body.get("events"), secret=ctx.ids.hex("sec_", 32), sub_id=ctx.ids.hex("wh_", 10))
        return 201, {"id": sub["id"], "secret": sub["secret"]}

    return bp


def ping(ctx, args):
    table = ctx.table("things")
    doc = table.get(args["thing"])
    if doc is None:
        return
    table.update(args["thing"], {"pings": doc["pings"] + 1, "pinged_at": ctx.iso()})
    ctx.emit("thing.pinged", {"id": args["thing"], "at": ctx.iso()})


def seed(ctx, data):
    for item in data.get("things", [{"id": "thing_fixture", "name": "From fixtures"}]):
        ctx.table("things").put(item["id"], {"name": item["name"], "created": ctx.iso(), "pings": 0, "word": "fixture"})


def controls():
    bp = vendor_controls("toy")

    @control(bp, "/things/<tid>/rename", methods=["POST"])
    def rename(ctx, tid):
        from flask import request
        table = ctx.table("things")
        if tid not in table:
            raise NotFound("no such thing")
        return table.update(tid, {"name": request.get_json()["name"]})

    return bp


def rate_headers(hit):
    w, remaining, reset = hit.first()
    return {"X-RateLimit-Limit": str(w.limit), "X-RateLimit-Remaining": str(remaining)}


def toy_spec(limit: int = 1000) -> VendorSpec:
    return VendorSpec(
        name="toy", title="Toy", mounts=["/toy/v1"], roots=["/v1"], blueprint=blueprint, errors=ToyErrors(),
        new_key=lambda ids: ids.alnum("toy_live_", 20), placeholder_keys=("TOY_KEY",),
        rate_limits=lambda ctx: [Window(ctx.settings.get("rate_limit", limit), 60, "minute")],
        rate_headers=rate_headers, webhooks=ToyWebhooks(), jobs={"toy.ping": ping}, seed=seed, controls=controls)
