"""Scenarios: scripted vendor API calls from ``fixtures/<name>/scenario.json`` played into a workspace.

``POST /_sim/workspaces/{id}/scenarios/{name}`` plays every step through the app itself, with the workspace's
own keys, exactly as a client would call the vendor APIs (so the journal shows them). A step is
``{"vendor": V, "method": M, "path": P, "body"?: B, "save"?: {"var": "dotted.path.in.response"}}`` (``P``
relative to the vendor's mount) or ``{"sim": M, "path": P, "body"?: B}`` (relative to
``/_sim/workspaces/{id}``). ``${var}`` in a path or a string is a saved value; ``{"$people": {"count": N,
"fields": {"name in body": "first_name" | "last_name" | "company" | "job" | "email"}}}`` is a list of N
Faker-made people (seeded by the workspace seed). Steps of a vendor that is not served are skipped.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, current_app

from sim.core.errors import Conflict, FieldError, Invalid, NotFound, SimError
from sim.core.resources import data_dir, load_json
from sim.web.problem import from_error, json_response

bp = Blueprint("sim_scenarios", __name__)
VAR = re.compile(r"\$\{(\w+)\}")
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def scenario_names() -> list[str]:
    return sorted(p.parent.name for p in data_dir("fixtures").glob("*/scenario.json"))


def load(name: str) -> dict:
    if not isinstance(name, str) or not NAME.match(name) or name not in scenario_names():
        raise Invalid(f"unknown scenario {name!r}", fields=[FieldError("name", "value", f"one of {', '.join(scenario_names())}")])
    return load_json("fixtures", f"{name}/scenario.json")


def play(app, ws: str, name: str) -> dict:
    """Play scenario ``name`` into workspace ``ws``; returns what ran. Call without holding the store lock."""
    sim = app.extensions["sim"]
    script = load(name)
    with sim.lock:
        if not sim.exists(ws):
            raise NotFound(f"workspace {ws} not found")
        keys = sim.keys(ws)
        seed = sim.workspace_doc(ws)["seed"]
    served = {n: (s.roots if sim.config.vendor else s.mounts)[0] for n, s in sim.specs.items()
              if sim.config.vendor in (None, n)}
    auth = script.get("auth", {})
    admin = {"Authorization": f"Bearer {sim.config.admin_token}"} if sim.config.admin_token else {}
    client = app.test_client()
    saved: dict[str, Any] = {"ws": ws}
    ran, skipped = 0, []
    for i, step in enumerate(script["steps"]):
        vendor = step.get("vendor")
        if vendor is not None and vendor not in served:
            skipped.append(i)
            continue
        body = _expand(step.get("body"), saved, sim, seed, name, i)
        path = _subst(step["path"], saved)
        if vendor is None:
            method, url, headers = step["sim"], f"/_sim/workspaces/{ws}{path}", admin
        else:
            scheme = auth.get(vendor, "Bearer {key}")
            method, url = step["method"], served[vendor] + path
            headers = {"Authorization": scheme.replace("{key}", keys[vendor])}
        r = client.open(url, method=method, json=body, headers=headers)
        if not 200 <= r.status_code < 300:
            raise Conflict(f"scenario {name} step {i + 1} ({method} {url}) answered {r.status_code}: "
                           f"{r.get_data(as_text=True)[:200]}")
        for var, dotted in (step.get("save") or {}).items():
            saved[var] = _dig(r.get_json(), dotted)
        ran += 1
    return {"scenario": name, "workspace": ws, "description": script.get("description", ""), "steps": ran,
            "skipped": len(skipped), "dashboard": f"/_sim/ui/workspaces/{ws}"}


def _dig(doc: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def _subst(text: str, saved: dict) -> str:
    return VAR.sub(lambda m: str(saved.get(m.group(1), m.group(0))), text)


def _expand(value: Any, saved: dict, sim, seed: Any, name: str, step: int) -> Any:
    if isinstance(value, str):
        whole = VAR.fullmatch(value)
        return saved[whole.group(1)] if whole and whole.group(1) in saved else _subst(value, saved)
    if isinstance(value, list):
        return [_expand(v, saved, sim, seed, name, step) for v in value]
    if isinstance(value, dict):
        if set(value) == {"$people"}:
            return _people(sim, seed, name, step, value["$people"])
        return {k: _expand(v, saved, sim, seed, name, step) for k, v in value.items()}
    return value


def _people(sim, seed: Any, name: str, step: int, spec: dict) -> list[dict]:
    with sim.lock:  # the shared Faker is reseeded per use
        fake = sim.fakedata.seeded(seed, "scenario", name, step)
        out = []
        for i in range(int(spec["count"])):
            first, last, company = fake.first_name(), fake.last_name(), fake.company()
            domain = re.sub(r"[^a-z0-9]+", "", company.lower().split(",")[0].split(" and ")[0])[:24] or "example"
            person = {"first_name": first, "last_name": last, "company": company, "job": fake.job(),
                      "email": f"{first}.{last}.{i}@{domain}.example.com".lower().replace("'", "")}
            out.append({field: person[kind] for field, kind in spec["fields"].items()})
        return out


@bp.post("/workspaces/<ws>/scenarios/<name>")
def load_scenario(ws, name):
    try:
        return json_response(play(current_app, ws, name), 200)
    except SimError as err:
        return from_error(err)
