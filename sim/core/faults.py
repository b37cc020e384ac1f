"""Fault rules: force a status, add latency or drop the connection for matching requests or jobs."""

from __future__ import annotations

import fnmatch
from typing import Any

from sim.core.errors import FieldError, Invalid
from sim.core.ids import stream

FAULTS = "core/faults"
ACTIONS = ("status", "latency", "drop")


def validate_rule(body: Any) -> dict:
    """Normalise a rule from the control API; raises ``Invalid`` listing every problem."""
    if not isinstance(body, dict):
        raise Invalid("fault rule must be a JSON object")
    problems = []
    action = body.get("action") or ("status" if "status" in body else "latency" if "latency_ms" in body else None)
    if action not in ACTIONS:
        problems.append(FieldError("action", "value", f"action must be one of {', '.join(ACTIONS)}"))
    status = body.get("status")
    if action == "status" and (not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599):
        problems.append(FieldError("status", "value", "status must be an integer from 400 to 599"))
    latency = body.get("latency_ms", 0)
    if not isinstance(latency, (int, float)) or isinstance(latency, bool) or not 0 <= latency <= 60_000:
        problems.append(FieldError("latency_ms", "value", "latency_ms must be a number from 0 to 60000"))
    count = body.get("count")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
        problems.append(FieldError("count", "value", "count must be a positive integer"))
    prob = body.get("probability")
    if prob is not None and (not isinstance(prob, (int, float)) or isinstance(prob, bool) or not 0 <= prob <= 1):
        problems.append(FieldError("probability", "value", "probability must be between 0 and 1"))
    for name in ("vendor", "method", "path", "message", "code"):
        if body.get(name) is not None and not isinstance(body[name], str):
            problems.append(FieldError(name, "type", f"{name} must be a string"))
    retry_after = body.get("retry_after")
    if retry_after is not None and (not isinstance(retry_after, int) or isinstance(retry_after, bool) or retry_after < 0):
        problems.append(FieldError("retry_after", "value", "retry_after must be a non-negative integer"))
    if problems:
        raise Invalid("invalid fault rule", fields=problems)
    return {"vendor": body.get("vendor"), "method": (body.get("method") or "*").upper(),
            "path": body.get("path") or "*", "action": action, "status": status,
            "latency_ms": latency, "count": count, "probability": prob, "message": body.get("message"),
            "code": body.get("code"), "retry_after": retry_after, "hits": 0}


class Faults:
    def __init__(self, store):
        self.store = store

    def table(self, ws: str):
        return self.store.table(f"w/{ws}/{FAULTS}")

    def match(self, ws: str, seed: Any, vendor: str, method: str, paths: list[str]) -> dict | None:
        """The first rule that matches and fires; its count is used up. Call under the store lock."""
        table = self.table(ws)
        if not len(table):
            return None
        for rule in table:
            if rule["vendor"] and rule["vendor"] != vendor:
                continue
            if rule["method"] not in ("*", method):
                continue
            if not any(fnmatch.fnmatchcase(p, rule["path"]) for p in paths):
                continue
            hits = rule["hits"] + 1
            if rule["probability"] is not None and stream(seed, "fault", rule.doc_id, hits).random() >= rule["probability"]:
                table.update(rule.doc_id, {"hits": hits})
                continue
            fired = {"id": rule.doc_id, **rule}
            if rule["count"] is not None:
                if rule["count"] <= 1:
                    table.remove(rule.doc_id)
                else:
                    table.update(rule.doc_id, {"count": rule["count"] - 1, "hits": hits})
            else:
                table.update(rule.doc_id, {"hits": hits})
            return fired
        return None
