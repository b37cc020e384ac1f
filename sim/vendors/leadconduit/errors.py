"""LeadConduit's error envelope: ``{"error": {code, message, details?, request_id}}`` (spec section 3)."""

from __future__ import annotations

from sim.core.errors import FieldError, SimError

CODE_BY_STATUS = {400: "validation_failed", 401: "unauthorized", 402: "payment_required", 403: "forbidden",
                  404: "not_found", 405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
                  422: "validation_failed", 429: "rate_limit_exceeded", 500: "internal_error",
                  503: "service_unavailable"}
CODE_BY_REASON = {"malformed_json": "invalid_json", "not_an_object": "invalid_json", "not_json": "invalid_json",
                  "empty_body": "invalid_json", "too_large": "payload_too_large"}
# neutral FieldError kinds (schema validation) -> LeadConduit detail codes; vendor codes pass through
DETAIL_CODE = {"required": "missing_required", "format": "invalid_format", "type": "invalid_format",
               "value": "invalid_value", "unknown": "invalid_value"}


def detail(field: FieldError) -> dict:
    return {"field": field.path, "code": DETAIL_CODE.get(field.kind, field.kind), "message": field.message}


class LeadConduitErrors:
    def render(self, err: SimError, request_id: str) -> tuple[dict, int, dict]:
        status = err.status
        code = err.code or CODE_BY_REASON.get(err.extra.get("reason")) or CODE_BY_STATUS.get(status, "internal_error")
        error: dict = {"code": code, "message": err.message or "Request failed"}
        if err.fields:
            error["details"] = [detail(f) for f in err.fields]
        error["request_id"] = request_id
        headers = {"X-Request-Id": request_id}
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return {"error": error}, status, headers
