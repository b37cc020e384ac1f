"""One rate-limit control for every vendor: ``/_sim/workspaces/{id}/{vendor}/rate-limit``.

- ``GET [?key=K]``: the windows in force (the vendor's own, with what was set here applied), and what was set.
- ``PUT {"limit": N|null, "window_seconds"?: S (default 60), "key"?: K}``: set (or, with null, drop) the
  limit of one window. ``window_seconds`` names the window: 60 the minute, 3600 the hour, 86400 the day;
  a window the vendor does not have is added. With ``key`` the limit holds for that key only (vendors that
  limit per key); without, for every key of the workspace (or its account).
- ``DELETE``: back to the vendor's own limits.

The vendor's hook is ``VendorSpec.rate_limits(ctx) -> [Window]`` (its defaults, which may depend on its own
settings, plan or ``ctx.key``; ``ctx.key`` is None for the workspace-wide view) and ``VendorSpec.rate_bucket``
("key" or "workspace"). What is set here is kept in the workspace's settings, so reset clears it and a
snapshot carries it. Counting goes on in the current window: a lowered limit can refuse at once.
"""

from __future__ import annotations

from typing import Any

from sim.core.errors import FieldError, Invalid, NotFound
from sim.core.ratelimit import OVERRIDES, effective_windows, set_override

MAX_LIMIT = 1_000_000_000
MAX_WINDOW = 31 * 86400
FIELDS = ("limit", "window_seconds", "key")


def _spec(sim, ws: str, vendor: str):
    sim.workspace_doc(ws)
    spec = sim.specs.get(vendor)
    if spec is None:
        raise NotFound(f"vendor {vendor} not found")
    return spec


def _scope(spec) -> str:
    return "key" if spec.rate_bucket == "key" else "account"


def _check_key(sim, ws: str, spec, key: Any) -> str:
    if not isinstance(key, str) or not key:
        raise Invalid("key must be a non-empty string", fields=[FieldError("key", "type", "key must be a non-empty string")])
    if _scope(spec) != "key":
        raise Invalid(f"{spec.title} limits per account, not per key; leave key out",
                      fields=[FieldError("key", "value", f"{spec.title} limits per account, not per key")])
    found = sim.authenticate(spec.name, key)
    if found is None or found[0] != ws:
        raise Invalid(f"key is not a {spec.title} key of this workspace",
                      fields=[FieldError("key", "value", f"not a {spec.title} key of this workspace")])
    return key


def _int(value: Any, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise Invalid(f"{name} must be an integer from {lo} to {hi}",
                      fields=[FieldError(name, "value", f"{name} must be an integer from {lo} to {hi}")])
    return value


def view(sim, ws: str, vendor: str, key: str | None = None) -> dict:
    spec = _spec(sim, ws, vendor)
    if key is not None:
        key = _check_key(sim, ws, spec, key)
    ctx = sim.context(ws, vendor, key)
    defaults = spec.rate_limits(ctx) if spec.rate_limits is not None else []
    overrides = ctx.settings.get(OVERRIDES) or {}
    windows = effective_windows(defaults, overrides, key)
    own = {w.seconds: w.limit for w in defaults}
    set_here = [{"key": None, "window_seconds": int(s), "limit": n}
                for s, n in sorted((overrides.get("workspace") or {}).items(), key=lambda i: int(i[0]))]
    for k, layer in sorted((overrides.get("keys") or {}).items()):
        set_here += [{"key": k, "window_seconds": int(s), "limit": n} for s, n in sorted(layer.items(), key=lambda i: int(i[0]))]
    return {"vendor": vendor, "scope": _scope(spec), "key": key,
            "windows": [{"window": w.name, "seconds": w.seconds, "limit": w.limit, "default": own.get(w.seconds)}
                        for w in windows],
            "overrides": set_here}


def put(sim, ws: str, vendor: str, body: dict) -> dict:
    spec = _spec(sim, ws, vendor)
    unknown = [name for name in body if name not in FIELDS]
    if unknown:
        raise Invalid(f"unknown field {unknown[0]}", fields=[FieldError(n, "unknown", "unknown field") for n in unknown])
    if "limit" not in body:
        raise Invalid("limit is required", fields=[FieldError("limit", "required", "limit is required (null drops it)")])
    limit = None if body["limit"] is None else _int(body["limit"], "limit", 1, MAX_LIMIT)
    seconds = _int(body.get("window_seconds", 60), "window_seconds", 1, MAX_WINDOW)
    key = _check_key(sim, ws, spec, body["key"]) if body.get("key") is not None else None
    ctx = sim.context(ws, vendor)
    ctx.set_setting(OVERRIDES, set_override(ctx.settings.get(OVERRIDES), seconds=seconds, limit=limit, key=key))
    return view(sim, ws, vendor, key)


def clear(sim, ws: str, vendor: str) -> dict:
    _spec(sim, ws, vendor)
    ctx = sim.context(ws, vendor)
    if OVERRIDES in ctx.settings:
        ctx.set_setting(OVERRIDES, None)
    return view(sim, ws, vendor)
