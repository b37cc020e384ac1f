"""application/problem+json responses for the simulator's own errors (the /_sim control plane)."""

from __future__ import annotations

import json

from flask import Response

from sim.core.errors import SimError

TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
          409: "Conflict", 413: "Payload Too Large", 422: "Unprocessable Content", 500: "Internal Server Error"}


def problem(status: int, detail: str, *, errors: list | None = None, headers: dict | None = None) -> Response:
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return Response(json.dumps(body), status=status, mimetype="application/problem+json", headers=headers)


def from_error(err: SimError) -> Response:
    return problem(err.status, err.message or TITLES.get(err.status, "Error"),
                   errors=[f.as_json() for f in err.fields] or None, headers=err.headers)


def json_response(body, status: int = 200, headers: dict | None = None, mimetype: str = "application/json") -> Response:
    data = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return Response(data, status=status, headers=headers, content_type=mimetype)
