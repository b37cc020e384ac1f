"""Puffle's error envelope: ``{"error": "<message>"}``, or ``{"error": {"code", "message"}}`` for 401/403 and /api/v1/*."""

from __future__ import annotations

from flask import has_request_context, request

from sim.core.errors import SimError

MESSAGES = {"unauthorized": "Missing or invalid authentication credentials",
            "rate_limited": "Too many requests", "internal": "Internal server error",
            "method_not_allowed": "Method not allowed"}
PUBLIC_EXTRAS = ("balance", "required", "nextAvailableAt", "imported", "duplicates", "invalid", "errors", "total")
REASONS = {"malformed_json": "Invalid JSON body", "not_an_object": "Request body must be a JSON object",
           "empty_body": "Request body is required", "route": "Not found"}


class PuffleErrors:
    def render(self, err: SimError, request_id: str):
        status = err.status
        if err.kind == "invalid" and status == 422:
            status = 400  # Puffle answers bad input with 400
        message = REASONS.get(err.extra.get("reason")) or err.message or MESSAGES.get(err.kind, "Error")
        if err.kind in MESSAGES and err.extra.get("reason") in ("missing", "malformed", "invalid"):
            message = MESSAGES[err.kind]
        v1 = has_request_context() and "/api/v1/" in request.path
        if status in (401, 403) or v1:
            return {"error": {"code": err.code or err.kind, "message": message}}, status, {}
        body = {"error": message}
        if err.fields:
            body["details"] = [f.as_json() for f in err.fields]
        body.update({k: v for k, v in err.extra.items() if k in PUBLIC_EXTRAS})
        return body, status, {}
