"""Vendor-neutral errors raised by core and backends; each vendor renders its own envelope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

QUOTE_LIMIT = 200  # an error quotes at most this many characters of an offending value


def clip(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters (marked with "..."), so an answer stays small whatever was sent."""
    return text if len(text) <= limit else text[:limit] + "..."


def quoted(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)`` for an error message, at most ``limit`` characters of it."""
    if isinstance(value, str) and len(value) > limit:
        value = value[:limit]  # cut before repr: repr of a 10 MB string is another 10 MB
        return repr(value) + "..."
    text = repr(value) if not isinstance(value, (dict, list)) or len(str(value)) <= limit * 4 else f"<{type(value).__name__}>"
    return clip(text, limit)


@dataclass
class FieldError:
    """One invalid input: ``path`` like ``leads[3].email``; ``kind`` is required|format|type|value|unknown."""

    path: str
    kind: str
    message: str
    index: int | None = None

    def as_json(self) -> dict:
        out = {"field": self.path, "kind": self.kind, "message": self.message}
        if self.index is not None:
            out["index"] = self.index
        return out


class SimError(Exception):
    """Base of every error that becomes an HTTP response.

    ``code`` is a vendor code when the backend knows it (``campaign_not_found``); vendors may map
    the neutral ``kind`` to their own codes when ``code`` is None.
    """

    status = 500
    kind = "internal"

    def __init__(self, message: str = "", *, code: str | None = None, status: int | None = None,
                 fields: list[FieldError] | None = None, extra: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        if status is not None:
            self.status = status
        self.fields = fields or []
        self.extra = extra or {}
        self.headers = headers or {}


class BadRequest(SimError):
    """Malformed request: unparseable JSON, a body that is not an object, a bad query value."""

    status = 400
    kind = "bad_request"


class Invalid(SimError):
    """Well-formed but invalid input; ``fields`` lists every problem."""

    status = 422
    kind = "invalid"


class Unauthorized(SimError):
    status = 401
    kind = "unauthorized"


class Forbidden(SimError):
    status = 403
    kind = "forbidden"


class PaymentRequired(SimError):
    status = 402
    kind = "payment_required"


class NotFound(SimError):
    status = 404
    kind = "not_found"


class MethodNotAllowed(SimError):
    status = 405
    kind = "method_not_allowed"


class Conflict(SimError):
    status = 409
    kind = "conflict"


class RateLimited(SimError):
    status = 429
    kind = "rate_limited"

    def __init__(self, message: str = "Rate limit exceeded", *, retry_after: int = 1, **kw: Any):
        super().__init__(message, **kw)
        self.retry_after = max(1, int(retry_after))
        self.headers.setdefault("Retry-After", str(self.retry_after))


class Unavailable(SimError):
    status = 503
    kind = "unavailable"


class Internal(SimError):
    status = 500
    kind = "internal"


class Injected(SimError):
    """A status forced by a fault rule; its kind follows the status."""

    def __init__(self, status: int, message: str = "Injected fault", **kw: Any):
        super().__init__(message, status=status, **kw)
        self.kind = KIND_BY_STATUS.get(status, "internal")
        if status == 429:
            self.headers.setdefault("Retry-After", "1")
            self.retry_after = int(self.headers["Retry-After"])  # the rule's retry_after, so body and header agree


KIND_BY_STATUS = {400: "bad_request", 401: "unauthorized", 402: "payment_required", 403: "forbidden",
                  404: "not_found", 405: "method_not_allowed", 409: "conflict", 422: "invalid",
                  429: "rate_limited", 503: "unavailable"}
