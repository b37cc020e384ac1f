"""The dashboard at /_sim/ui: server-rendered pages (Jinja templates and two static files, no build step).

Reads go through the same Simulator operations as the JSON control API; the two forms (advance the clock,
set its mode) post ``application/x-www-form-urlencoded`` with the per-server token of ``sim.control.forms``
and answer 303 back to the workspace page. ``--admin-token`` applies here as on every /_sim path.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from sim.control import dashboard as view
from sim.control.forms import FIELD, form_token, form_token_ok
from sim.core.clock import parse_mode
from sim.core.errors import SimError
from sim.web.problem import from_error, problem

bp = Blueprint("sim_ui", __name__, template_folder="templates", static_folder="static", static_url_path="/static")

ADVANCE = (("1 h", 3600), ("1 d", 86400), ("1 w", 7 * 86400))
MODES = ("manual", "realtime", "60x", "600x", "3600x", "86400x")
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def _sim():
    return current_app.extensions["sim"]


@bp.after_request
def headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.context_processor
def helpers() -> dict:
    return {"form_field": FIELD, "form_token": form_token, "dumps": view.dumps, "version": _sim().version}


def _page(template: str, status: int = 200, **context) -> Response:
    return Response(render_template(template, **context), status=status, mimetype="text/html")


def _missing(what: str) -> Response:
    return _page("error.html", 404, title="Not found", message=what)


@bp.get("/")
def index():
    sim = _sim()
    with sim.lock:
        workspaces = sim.list_workspaces()
    workspaces.reverse()  # newest first; "default" is the oldest
    return _page("index.html", workspaces=workspaces[:200], hidden=max(0, len(workspaces) - 200))


@bp.get("/workspaces/<ws>")
def workspace(ws):
    sim = _sim()
    with sim.lock:
        if not sim.exists(ws):
            return _missing(f"There is no workspace {ws}.")
        info = sim.describe(ws)
        now = sim.clock(ws).now_ts()
        rows = view.campaigns(sim, ws)
        deliveries, states = view.deliveries(sim, ws)
        journal, journal_count = view.journal(sim, ws)
    vendors = [s for s in sim.specs.values() if s.campaigns is not None]
    return _page("workspace.html", ws=info, now=now, campaigns=rows, totals=view.totals(rows),
                 timeline=view.timeline(rows, now), deliveries=deliveries, states=states, journal=journal,
                 journal_count=journal_count, advance=ADVANCE, modes=MODES, vendors=vendors, ago=view.ago,
                 notice=_notice(), live=info["clock"]["mode"] != "manual")


def _notice() -> str | None:
    args = request.args
    if "advanced" in args:
        label = next((name for name, secs in ADVANCE if str(secs) == args["advanced"]), f"{args['advanced']} s")
        return f"Advanced {label}: {args.get('jobs', '0')} jobs run, {args.get('webhooks', '0')} webhook attempts."
    if "mode" in args:
        return f"Clock mode is now {args['mode']}."
    return None


def _form_guard(ws: str):
    sim = _sim()
    if not form_token_ok():
        return problem(403, "this form needs the dashboard's token; reload the dashboard and try again")
    if not sim.exists(ws):
        return _missing(f"There is no workspace {ws}.")
    return None


@bp.post("/workspaces/<ws>/advance")
def advance(ws):
    refused = _form_guard(ws)
    if refused is not None:
        return refused
    seconds = request.form.get("seconds", "")
    if seconds not in {str(s) for _, s in ADVANCE}:
        return problem(422, "seconds must be one of 3600, 86400, 604800")
    try:
        result = _sim().advance(ws, seconds=int(seconds))
    except SimError as err:
        return from_error(err)
    return redirect(url_for("sim_ui.workspace", ws=ws, advanced=seconds, jobs=result.get("jobs_run", 0),
                            webhooks=result.get("webhooks_attempted", 0)), 303)


@bp.post("/workspaces/<ws>/mode")
def mode(ws):
    refused = _form_guard(ws)
    if refused is not None:
        return refused
    value = request.form.get("mode", "")
    try:
        parse_mode(value)
    except ValueError as exc:
        return problem(422, str(exc))
    try:
        clock = _sim().set_clock_mode(ws, value)
    except SimError as err:
        return from_error(err)
    return redirect(url_for("sim_ui.workspace", ws=ws, mode=clock["mode"]), 303)


@bp.get("/workspaces/<ws>/deliveries")
def deliveries(ws):
    sim = _sim()
    with sim.lock:
        if not sim.exists(ws):
            return _missing(f"There is no workspace {ws}.")
        info = sim.describe(ws)
        rows, states = view.deliveries(sim, ws, limit=1000)
        now = sim.clock(ws).now_ts()
    return _page("deliveries.html", ws=info, deliveries=rows, states=states, now=now, ago=view.ago)


@bp.get("/workspaces/<ws>/deliveries/<delivery_id>")
def delivery(ws, delivery_id):
    sim = _sim()
    with sim.lock:
        if not sim.exists(ws):
            return _missing(f"There is no workspace {ws}.")
        info = sim.describe(ws)
        doc = view.delivery(sim, ws, delivery_id)
    if doc is None:
        return _missing(f"There is no delivery {delivery_id} in workspace {ws}.")
    return _page("delivery.html", ws=info, d=doc)


@bp.get("/workspaces/<ws>/deliveries/<delivery_id>/body")
def delivery_body(ws, delivery_id):
    """The exact bytes that were (or would be) posted, as an attachment-free plain download."""
    sim = _sim()
    with sim.lock:
        doc = sim.dispatcher.body_of(ws, delivery_id) if sim.exists(ws) else None
    if doc is None:
        return _missing(f"There is no delivery {delivery_id} in workspace {ws}.")
    return Response(doc["body"].encode(), mimetype="application/octet-stream",
                    headers={"Content-Disposition": f'inline; filename="{delivery_id}.json"'})


@bp.get("/workspaces/<ws>/journal")
def journal(ws):
    sim = _sim()
    vendor = request.args.get("vendor") or None
    if vendor is not None and vendor not in sim.specs:
        vendor = None
    with sim.lock:
        if not sim.exists(ws):
            return _missing(f"There is no workspace {ws}.")
        info = sim.describe(ws)
        rows, count = view.journal(sim, ws, vendor, limit=500)
    return _page("journal.html", ws=info, journal=rows, journal_count=count, vendor=vendor, vendors=list(sim.specs))
