"""Helpers for /_sim routes: problem+json errors, one durable batch per call, workspace lookup."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException

from sim.core.errors import Internal, NotFound, SimError
from sim.web.problem import from_error, json_response
from sim.web.request import read_object

log = logging.getLogger("leadsim")


def control_call(fn: Callable, *args, **kw) -> Response:
    sim = current_app.extensions["sim"]
    try:
        with sim.store.batch():
            result = fn(sim, *args, **kw)
    except SimError as err:
        return from_error(err)
    except HTTPException:
        raise  # 400/413 from werkzeug (bad JSON via request.get_json, body too large): the app renders problem+json
    except Exception:
        log.exception("control error in %s %s", request.method, request.path)
        return from_error(Internal("internal error"))
    if isinstance(result, Response):
        return result
    status, body = result if isinstance(result, tuple) else (200, result)
    if body is None:
        return Response(status=status)
    return json_response(body, status)


def body(required: bool = False) -> dict:
    return read_object(request, required=required)


def vendor_controls(vendor: str) -> Blueprint:
    """A blueprint mounted at ``/_sim/workspaces/<ws_id>/<vendor>``; see ``control``."""
    return Blueprint(f"{vendor}_controls", __name__)


def control(bp: Blueprint, rule: str, methods: list[str] | None = None):
    """Register ``view(ctx, **kw)`` where ctx is the VendorContext of the workspace in the URL."""
    vendor = bp.name[: -len("_controls")]

    def decorator(fn):
        @functools.wraps(fn)
        def view(ws_id: str, **kw):
            def call(sim):
                if not sim.exists(ws_id):
                    raise NotFound(f"workspace {ws_id} not found")
                ctx = sim.context(ws_id, vendor)
                result = fn(ctx, **kw)
                sim.persist(ws_id)
                return result
            return control_call(call)

        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=methods or ["POST"])
        return fn

    return decorator
