"""Leadterra's error envelope: ``{"error": {"code", "message"}, "code", "message"}`` plus ``errors``/extras."""

from __future__ import annotations

from sim.core.errors import SimError

CODE_BY_KIND = {
    "bad_request": "invalid_request",
    "invalid": "validation_failed",
    "unauthorized": "authentication_failed",
    "forbidden": "forbidden",
    "payment_required": "payment_required",
    "not_found": "not_found",
    "method_not_allowed": "method_not_allowed",
    "conflict": "conflict",
    "rate_limited": "rate_limited",
    "unavailable": "service_unavailable",
    "internal": "internal_error",
}
DEFAULT_MESSAGES = {
    "authentication_failed": "Missing or invalid API key",
    "rate_limited": "Too many requests",
    "internal_error": "Internal server error",
    "not_found": "Not found",
}
# extra fields a backend may attach that belong in the body (never internal hints such as "reason")
BODY_EXTRAS = ("icpFailed", "guardrails", "retryAfter")


class LeadterraErrors:
    """Renders every neutral error; the documented codes come from the backend through ``err.code``."""

    def render(self, err: SimError, request_id: str):
        if err.status == 413:
            code = err.code or "request_too_large"
        else:
            code = err.code or CODE_BY_KIND.get(err.kind, "internal_error")
        message = err.message or DEFAULT_MESSAGES.get(code, code.replace("_", " ").capitalize())
        body: dict = {"error": {"code": code, "message": message}, "code": code, "message": message}
        if err.fields:
            errors = []
            for f in err.fields:
                entry = {"field": f.path, "message": f.message}
                if f.index is not None:
                    entry = {"index": f.index, **entry}
                errors.append(entry)
            body["errors"] = errors
        for name in BODY_EXTRAS:
            if name in err.extra:
                body[name] = err.extra[name]
        return body, err.status, {"X-Request-Id": request_id}
