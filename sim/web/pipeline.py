"""The request pipeline every vendor route runs through.

Order: authenticate (vendor 401) -> fault rules -> rate limit (vendor 429 + headers) -> handler under the
store lock, in one durable batch with its journal entry -> response in the vendor's envelope.
Routes are plain functions ``view(call, **path_params)`` returning ``(status, body[, headers])``.
"""

from __future__ import annotations

import functools
import json
import logging
import random
import re
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException

from sim.core.errors import (
    KIND_BY_STATUS,
    BadRequest,
    Forbidden,
    Injected,
    Internal,
    MethodNotAllowed,
    NotFound,
    RateLimited,
    SimError,
    Unauthorized,
)
from sim.core.journal import MAX_BODY, clip
from sim.core.ratelimit import OVERRIDES, effective_windows
from sim.web.request import bearer_token, has_lone_surrogate, read_json, read_object
from sim.web.spec import VendorSpec

log = logging.getLogger("leadsim")
_UNSET = object()
# Request ids need to be unique, not secret: a PRNG seeded once from os.urandom. secrets.token_hex makes a
# getrandom() syscall per request, which drops the GIL and costs a thread switch under load (bench/README.md).
_REQUEST_IDS = random.Random()
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


class Call:
    """One authenticated vendor request: the backend context plus request parsing helpers."""

    def __init__(self, sim, spec: VendorSpec, ctx, request_id: str):
        self.sim = sim
        self.spec = spec
        self.ctx = ctx
        self.request_id = request_id
        self.request = request
        self.extra_headers: dict[str, str] = {}
        self.notes: dict[str, Any] = {}  # facts of this call the rehearsal report needs, kept in its journal entry
        self._body: Any = _UNSET

    @property
    def args(self):
        return request.args

    def json(self, required: bool = True) -> Any:
        return read_json(request, required=required)

    def body(self, required: bool = True) -> dict:
        """The JSON object body, parsed once per request."""
        if self._body is _UNSET:
            self._body = read_object(request, required=required)
        return self._body

    def validate(self, schema: str, instance: Any):
        """Field errors of ``instance`` against ``schemas/<vendor>/<schema>.json``."""
        return self.sim.schemas.errors(self.spec.name, schema, instance)


def vendor_blueprint(spec_name: str) -> Blueprint:
    return Blueprint(spec_name, __name__)


def route(bp: Blueprint, rule: str, methods: list[str] | None = None, spec: Callable[[], VendorSpec] | None = None):
    """Register ``view(call, **kw)`` on ``bp`` behind the pipeline of the vendor named like ``bp``."""

    def decorator(fn):
        @functools.wraps(fn)
        def view(**kw):
            sim = current_app.extensions["sim"]
            return run(sim, sim.specs[bp.name], fn, kw)

        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=methods or ["GET"])
        return fn

    return decorator


def new_request_id() -> str:
    return f"req_{_REQUEST_IDS.getrandbits(48):012x}"


def vendor_path(spec: VendorSpec, path: str) -> str:
    """The path as the real vendor sees it (mount prefix replaced by the real root)."""
    roots = spec.roots if len(spec.roots) == len(spec.mounts) else spec.roots[:1] * len(spec.mounts)
    for mount, root in zip(spec.mounts, roots, strict=True):
        if path == mount or path.startswith(mount + "/"):
            return root + path[len(mount):]
    return path


def render_error(spec: VendorSpec, err: SimError, request_id: str, headers: dict | None = None) -> Response:
    body, status, extra = spec.errors.render(err, request_id)
    all_headers = {**(headers or {}), **err.headers, **extra}
    return respond(spec, status, body, all_headers)


def respond(spec: VendorSpec, status: int, body: Any, headers: dict | None = None) -> Response:
    if body is None:
        return Response(status=status, headers=headers)
    data = _ENCODER.encode(body)
    response = Response(data, status=status, headers=headers, content_type=spec.content_type)
    response.journal_body = body if len(data) <= MAX_BODY else clip(data)  # the journal need not parse it back
    return response


def authenticate(sim, spec: VendorSpec) -> tuple[str, dict, str]:
    key = bearer_token(request, spec.auth_schemes)
    if not key:
        raise Unauthorized("Missing API key", extra={"reason": "missing"})
    if spec.key_pattern and not re.fullmatch(spec.key_pattern, key):
        raise Unauthorized("Invalid API key", extra={"reason": "malformed"})
    found = sim.authenticate(spec.name, key)
    if found is None:
        raise Unauthorized("Invalid API key", extra={"reason": "invalid"})
    ws, keydoc = found
    if keydoc.get("forbidden"):
        raise Forbidden("This API key is not allowed to do this", extra={"reason": "forbidden"})
    return ws, keydoc, key


def run(sim, spec: VendorSpec, fn: Callable, kw: dict) -> Response:
    request_id = new_request_id()
    started = time.perf_counter()
    try:
        ws, keydoc, key = authenticate(sim, spec)
    except SimError as err:  # no workspace to charge, unless the key is a revoked key of one
        response = render_error(spec, err, request_id)
        if err.status == 401:
            _journal_revoked(sim, spec, request_id, response, started)
        return response
    ctx = sim.context(ws, spec.name, key)
    call = Call(sim, spec, ctx, request_id)
    rl_headers: dict[str, str] = {}
    req = request._get_current_object()
    paths = [req.path, vendor_path(spec, req.path)]
    with sim.lock:
        fault = sim.faults.match(ws, ctx.seed, spec.name, req.method, paths) if sim.exists(ws) else None
    if fault and fault["latency_ms"]:
        time.sleep(fault["latency_ms"] / 1000)
    if fault and fault["action"] == "drop":
        return dropped_response()
    with sim.store.batch():
        try:
            if not sim.exists(ws):
                raise Unauthorized("Invalid API key", extra={"reason": "invalid"})
            if fault and fault["action"] == "status":
                raise Injected(fault["status"], fault["message"] or "Injected fault", code=fault["code"],
                               headers={"Retry-After": str(fault["retry_after"])} if fault["retry_after"] is not None else None)
            windows = spec.rate_limits(ctx) if spec.rate_limits is not None else []
            windows = effective_windows(windows, ctx.settings.get(OVERRIDES), key if spec.rate_bucket == "key" else None)
            if windows:
                bucket = key if spec.rate_bucket == "key" else ws
                hit = sim.ratelimiter.hit(f"{ws}:{spec.name}:{bucket}", windows)
                if spec.rate_headers is not None:
                    rl_headers = spec.rate_headers(hit)
                if not hit.allowed:
                    w = hit.blocking
                    raise RateLimited(retry_after=hit.retry_after,
                                      extra={"limit": w.limit, "window": w.name, "retryAfter": hit.retry_after})
            if keydoc.get("read_only") and req.method not in ("GET", "HEAD", "OPTIONS"):
                raise Forbidden("This API key is read-only", extra={"reason": "read_only"})
            result = fn(call, **kw)
            if isinstance(result, Response):
                response = result
                response.headers.update(rl_headers)
            else:
                status, body, *rest = result
                response = respond(spec, status, body, {**rl_headers, **call.extra_headers, **(rest[0] if rest else {})})
        except SimError as err:
            response = render_error(spec, err, request_id, {**rl_headers, **call.extra_headers})
        except HTTPException as exc:  # werkzeug's own 400/404/413 raised inside a view: the vendor's envelope, not a 500
            response = render_error(spec, from_http_exception(spec, exc), request_id, {**rl_headers, **call.extra_headers})
        except Exception:
            log.exception("unhandled error in %s %s", request.method, request.path)
            response = render_error(spec, Internal("Internal server error"), request_id, rl_headers)
        _journal(sim, ws, spec, key, request_id, response, started, paths[1], call.notes)
        sim.persist(ws)
    return response


def _journal_revoked(sim, spec: VendorSpec, request_id: str, response: Response, started: float) -> None:
    """A 401 to a revoked key is answered to its workspace: the rehearsal report counts it."""
    key = bearer_token(request, spec.auth_schemes)
    ws = sim.revoked_key_owner(spec.name, key) if key else None
    if ws is None:
        return
    with sim.store.batch():
        _journal(sim, ws, spec, key, request_id, response, started, vendor_path(spec, request.path), {})


@functools.lru_cache(maxsize=4096)
def route_template(mounts: tuple[str, ...], roots: tuple[str, ...], rule: str) -> str:
    """``/puffle/api/campaigns/<cid>`` -> ``/api/campaigns/{cid}``: the route as the vendor documents it."""
    for mount, root in zip(mounts, roots if len(roots) == len(mounts) else roots[:1] * len(mounts), strict=True):
        if rule == mount or rule.startswith(mount + "/"):
            rule = root + rule[len(mount):]
            break
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _journal(sim, ws: str, spec: VendorSpec, key: str, request_id: str, response: Response, started: float,
             route_path: str, notes: dict) -> None:
    if not sim.exists(ws):
        return
    req = request._get_current_object()  # one proxy lookup instead of one per attribute
    try:
        raw = req.get_data(cache=True)
    except HTTPException:  # a body over the size limit is never read
        raw = b"[body too large]"
    try:
        req_body = json.loads(raw) if raw and len(raw) <= MAX_BODY else clip(raw) if raw else None
    except (ValueError, RecursionError):  # RecursionError: a small body nested deeper than the parser allows
        req_body = clip(raw)
    if raw and has_lone_surrogate(raw, req_body):  # "\ud800" parses but cannot be stored as UTF-8: keep the raw text
        req_body = clip(raw)
    resp_body = getattr(response, "journal_body", _UNSET)
    if resp_body is _UNSET:
        resp_raw = response.get_data() if not response.is_streamed else b""
        try:
            resp_body = json.loads(resp_raw) if resp_raw and len(resp_raw) <= MAX_BODY else clip(resp_raw) if resp_raw else None
        except ValueError:
            resp_body = clip(resp_raw)
    clock = sim.clock(ws)
    rule = req.url_rule
    entry = {
        "at": sim.iso(clock.now_ts()), "real_at": sim.wall(), "vendor": spec.name, "method": req.method,
        "path": req.path, "route": route_path, "query": req.query_string.decode("latin-1"),
        "template": route_template(tuple(spec.mounts), tuple(spec.roots), rule.rule) if rule is not None else route_path,
        "status": response.status_code, "request_id": request_id, "key": key[-4:],
        "retry_after": response.headers.get("Retry-After"), "request": req_body, "response": resp_body,
        "duration_ms": round((time.perf_counter() - started) * 1000, 3)}
    if notes:
        entry["notes"] = notes
    sim.journal.record(ws, entry)


def dropped_response() -> Response:
    """A response whose body raises before the first byte: waitress then closes the socket unanswered."""
    from waitress.channel import ClientDisconnected

    def body():
        raise ClientDisconnected("connection dropped by a leadsim fault rule")
        yield b""  # pragma: no cover

    return Response(body(), status=200)


def from_http_exception(spec: VendorSpec, exc: HTTPException) -> SimError:
    """The neutral error matching a werkzeug exception, so a vendor renders it in its own envelope."""
    status = exc.code or 500
    if status == 413:
        return BadRequest("Request body is too large", status=413, extra={"reason": "too_large"})
    if status == 400 and _caused_by_bad_json(exc):
        return BadRequest("Request body is not valid JSON", extra={"reason": "malformed_json"})
    if status == 404:
        return NotFound("Not found")
    if status == 405:
        return MethodNotAllowed(f"Method {request.method} is not allowed on {vendor_path(spec, request.path)}")
    if status >= 500:
        return Internal("Internal server error")
    err = SimError(exc.description or "Bad request", status=status)
    err.kind = KIND_BY_STATUS.get(status, "bad_request")
    return err


def _caused_by_bad_json(exc: BaseException) -> bool:
    seen = exc.__cause__ or exc.__context__
    while seen is not None:
        if isinstance(seen, ValueError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def spec_for_path(sim, path: str) -> VendorSpec | None:
    for spec in sim.specs.values():
        prefixes = spec.roots if sim.config.vendor == spec.name else ([] if sim.config.vendor else spec.mounts)
        for prefix in prefixes:
            if path == prefix or path.startswith(prefix + "/"):
                return spec
    return None


def unmatched(sim, spec: VendorSpec, status: int) -> Response:
    """A 404/405/413 inside a vendor's prefix, in the vendor's envelope."""
    err: SimError
    if status == 405:
        err = MethodNotAllowed(f"Method {request.method} is not allowed on {vendor_path(spec, request.path)}")
    elif status == 413:
        err = BadRequest("Request body is too large", status=413, extra={"reason": "too_large"})
    else:
        err = NotFound(f"No route {request.method} {vendor_path(spec, request.path)}", extra={"reason": "route"})
    return render_error(spec, err, new_request_id())
