"""/_sim routes: a thin HTTP layer over the Simulator's operations, with problem+json errors."""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, request

from sim.control import rate_limits
from sim.core.errors import FieldError, Invalid, NotFound, SimError
from sim.core.pagination import int_param
from sim.web.control import body, control_call
from sim.web.problem import from_error, json_response, problem

bp = Blueprint("sim_control", __name__)


def require_admin_token():
    """Registered by create_app for every path under /_sim (vendor control blueprints included)."""
    token = current_app.extensions["sim"].config.admin_token
    if not token:
        return None
    sent = request.headers.get("Authorization", "")
    if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return problem(401, "the control API needs Authorization: Bearer <admin token>",
                       headers={"WWW-Authenticate": "Bearer"})
    return None


def _limit():
    return int_param(request.args.get("limit"), "limit", default=0, minimum=0, maximum=1_000_000, error=Invalid) or None


@bp.get("/health")
def health():
    return control_call(lambda sim: sim.health())


@bp.get("/")
def index():
    def run(sim):
        vendors = [{"name": s.name, "title": s.title, "mounts": s.mounts, "roots": s.roots,
                    "openapi": f"/{s.name}/openapi.json" if s.openapi else None} for s in sim.specs.values()]
        return {"version": sim.version, "vendors": vendors,
            "routes": sorted(str(r) for r in current_app.url_map.iter_rules() if str(r).startswith("/_sim"))}
    return control_call(run)


@bp.post("/reset")
def reset_all():
    def run(sim):
        sim.reset()
        return {"reset": True, "workspaces": sim.list_workspaces()}
    return control_call(run)


@bp.post("/workspaces")
def create_workspace():
    def run(sim):
        b = body()
        return 201, sim.create_workspace(name=b.get("name"), seed=b.get("seed"), start=b.get("start"),
                                         fixtures=b.get("fixtures"), profile=b.get("profile"), clock=b.get("clock"))
    return control_call(run)


@bp.get("/workspaces")
def list_workspaces():
    return control_call(lambda sim: {"workspaces": sim.list_workspaces()})


@bp.get("/workspaces/<ws>")
def get_workspace(ws):
    return control_call(lambda sim: sim.get_workspace(ws))


@bp.delete("/workspaces/<ws>")
def delete_workspace(ws):
    return control_call(lambda sim: (204, sim.delete_workspace(ws)))


@bp.get("/workspaces/<ws>/clock")
def get_clock(ws):
    def run(sim):
        sim.workspace_doc(ws)
        return sim.clock(ws).as_json()
    return control_call(run)


@bp.post("/workspaces/<ws>/clock/advance")
def advance(ws):
    def run(sim):
        sim.workspace_doc(ws)
        b = body(required=True)
        return sim.advance(ws, seconds=b.get("seconds"), to=b.get("to"))
    # advance releases the lock while webhooks are in flight, so it runs outside control_call's batch
    sim = current_app.extensions["sim"]
    return _unlocked(sim, run)


@bp.put("/workspaces/<ws>/clock")
def set_clock(ws):
    def run(sim):
        sim.workspace_doc(ws)
        b = body(required=True)
        if "mode" not in b:
            raise Invalid("mode is required", fields=[FieldError("mode", "required", "mode is required")])
        return sim.set_clock_mode(ws, b["mode"])
    return control_call(run)


@bp.post("/workspaces/<ws>/reset")
def reset_workspace(ws):
    return _unlocked(current_app.extensions["sim"], lambda sim: sim.reset(ws))


@bp.get("/workspaces/<ws>/snapshot")
def get_snapshot(ws):
    return control_call(lambda sim: sim.snapshot(ws))


@bp.put("/workspaces/<ws>/snapshot")
def put_snapshot(ws):
    return _unlocked(current_app.extensions["sim"], lambda sim: sim.restore(_known(sim, ws), body(required=True)))


@bp.get("/workspaces/<ws>/profile")
def get_profile(ws):
    return control_call(lambda sim: sim.workspace_doc(ws)["profile"])


@bp.put("/workspaces/<ws>/profile")
def put_profile(ws):
    return control_call(lambda sim: sim.set_profile(_known(sim, ws), body(required=True)))


@bp.get("/workspaces/<ws>/journal")
def journal(ws):
    return control_call(lambda sim: {"entries": sim.journal_entries(ws, request.args.get("vendor") or None, _limit())})


@bp.get("/workspaces/<ws>/report")
def report(ws):
    return control_call(lambda sim: sim.report(ws, request.args.get("vendor") or None))


@bp.get("/workspaces/<ws>/deliveries")
def deliveries(ws):
    def run(sim):
        rows = sim.deliveries(ws, request.args.get("vendor") or None)
        limit = _limit()
        return {"deliveries": rows[-limit:] if limit else rows}
    return control_call(run)


@bp.get("/workspaces/<ws>/deliveries/<delivery_id>")
def delivery(ws, delivery_id):
    return control_call(lambda sim: sim.delivery(ws, delivery_id))


@bp.get("/workspaces/<ws>/notices")
def notices(ws):
    return control_call(lambda sim: {"notices": sim.notices(ws)})


@bp.post("/workspaces/<ws>/webhooks")
def add_webhook(ws):
    return control_call(lambda sim: (201, sim.register_webhook(_known(sim, ws), body(required=True))))


@bp.get("/workspaces/<ws>/webhooks")
def list_webhooks(ws):
    return control_call(lambda sim: {"webhooks": sim.subscriptions(ws)})


@bp.post("/workspaces/<ws>/webhooks/<sub_id>/enable")
def enable_webhook(ws, sub_id):
    return control_call(lambda sim: sim.set_subscription_status(ws, sub_id, "active"))


@bp.post("/workspaces/<ws>/webhooks/<sub_id>/disable")
def disable_webhook(ws, sub_id):
    return control_call(lambda sim: sim.set_subscription_status(ws, sub_id, "disabled"))


@bp.post("/workspaces/<ws>/faults")
def add_fault(ws):
    return control_call(lambda sim: (201, sim.add_fault(_known(sim, ws), body(required=True))))


@bp.get("/workspaces/<ws>/faults")
def list_faults(ws):
    return control_call(lambda sim: {"faults": sim.list_faults(ws)})


@bp.delete("/workspaces/<ws>/faults")
def clear_faults(ws):
    return control_call(lambda sim: (204, sim.delete_fault(ws)))


@bp.delete("/workspaces/<ws>/faults/<fid>")
def delete_fault(ws, fid):
    return control_call(lambda sim: (204, sim.delete_fault(ws, fid)))


@bp.post("/workspaces/<ws>/keys")
def add_key(ws):
    def run(sim):
        sim.workspace_doc(ws)
        b = body(required=True)
        vendor = b.get("vendor")
        if not isinstance(vendor, str) or vendor not in sim.specs:
            raise Invalid("vendor is required", fields=[FieldError("vendor", "value", f"one of {', '.join(sim.specs)}")])
        for flag in ("read_only", "forbidden"):
            if b.get(flag) is not None and not isinstance(b[flag], bool):
                raise Invalid(f"{flag} must be a boolean", fields=[FieldError(flag, "type", f"{flag} must be a boolean")])
        meta = {k: b[k] for k in ("read_only", "forbidden") if isinstance(b.get(k), bool)}
        if b.get("key") is not None and (not isinstance(b["key"], str) or not b["key"] or any(c.isspace() for c in b["key"])):
            raise Invalid("key must be a non-empty string without spaces",
                          fields=[FieldError("key", "value", "key must be a non-empty string without spaces")])
        doc = sim.add_key(ws, vendor, b.get("key"), **meta)
        return 201, {k: v for k, v in doc.items() if k != "ws"} | {"workspace": ws}
    return control_call(run)


@bp.post("/workspaces/<ws>/keys/<vendor>/<key>/revoke")
def revoke_key(ws, vendor, key):
    def run(sim):
        sim.workspace_doc(ws)
        if sim.update_key(vendor, key, ws=ws, revoked=True) is None:
            raise NotFound("key not found")
        return {"vendor": vendor, "key": key, "revoked": True}
    return control_call(run)


@bp.get("/workspaces/<ws>/<vendor>/rate-limit")
def get_rate_limit(ws, vendor):
    return control_call(lambda sim: rate_limits.view(sim, ws, vendor, request.args.get("key")))


@bp.put("/workspaces/<ws>/<vendor>/rate-limit")
def put_rate_limit(ws, vendor):
    return control_call(lambda sim: rate_limits.put(sim, _known(sim, ws), vendor, body(required=True)))


@bp.delete("/workspaces/<ws>/<vendor>/rate-limit")
def clear_rate_limit(ws, vendor):
    return control_call(lambda sim: rate_limits.clear(sim, ws, vendor))


def _known(sim, ws: str) -> str:
    """``ws`` if the workspace exists (NotFound otherwise): an unknown workspace is a 404 whatever the body."""
    sim.workspace_doc(ws)
    return ws


def _unlocked(sim, fn):
    """Like control_call, but without holding the store lock for the whole call."""
    try:
        result = fn(sim)
    except SimError as err:
        return from_error(err)
    return json_response(result, 200)
