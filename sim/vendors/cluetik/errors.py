"""Cluetik's error envelope: a flat ``{"code", "message"}`` object (spec section 4), lowercase messages."""

from __future__ import annotations

from sim.core.errors import SimError

CODE_BY_KIND = {
    "bad_request": "bad_request",
    "invalid": "validation_error",
    "unauthorized": "unauthorized",
    "forbidden": "forbidden",
    "not_found": "not_found",
    "method_not_allowed": "method_not_allowed",
    "rate_limited": "rate_limit_exceeded",
    "internal": "internal_error",
}
DEFAULT_MESSAGES = {
    "unauthorized": "invalid or missing api key",
    "forbidden": "this api key is not allowed to do this",
    "not_found": "not found",
    "method_not_allowed": "method not allowed",
    "rate_limit_exceeded": "rate limit exceeded",
    "internal_error": "internal server error",
    "bad_request": "request body is not valid json",
}


class CluetikErrors:
    """Every neutral error as Cluetik's flat body; a backend's own ``code`` wins over the kind's code."""

    def render(self, err: SimError, request_id: str):
        code = err.code or CODE_BY_KIND.get(err.kind)
        if code is None:  # statuses outside Cluetik's table (413, 503, injected 402...) keep the status
            code = "bad_request" if 400 <= err.status < 500 else "internal_error"
        message = err.message if code == "validation_error" and err.message else DEFAULT_MESSAGES.get(code, code)
        if code in ("unauthorized", "bad_request") and err.message:
            message = err.message.lower()
        return {"code": code, "message": message}, err.status, {}
