"""Parsing request bodies and query strings into plain values, raising neutral errors."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Request

from sim.core.errors import BadRequest

_MISSING = object()
_SAFE_INT = 2**53
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _number(text: str) -> int | float:
    """JSON numbers as a JavaScript server sees them: ``35.0`` and ``1e3`` are the integers 35 and 1000."""
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("number out of range")
    return int(value) if value.is_integer() and abs(value) <= _SAFE_INT else value


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_float=_number, parse_constant=_no_constants)


def read_json(req: Request, *, required: bool = True, default: Any = _MISSING) -> Any:
    """The parsed JSON body. Empty body -> ``default`` (or BadRequest when required); bad JSON -> BadRequest."""
    raw = req.get_data(cache=True)
    if not raw.strip():
        if default is not _MISSING:
            return default
        if required:
            raise BadRequest("Request body is required", code=None, extra={"reason": "empty_body"})
        return None
    try:
        value = _DECODER.decode(raw.decode(json.detect_encoding(raw)))
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nesting deeper than the parser allows
        raise BadRequest("Request body is not valid JSON", extra={"reason": "malformed_json"}) from None
    if has_lone_surrogate(raw, value):
        raise BadRequest("Request body is not valid JSON: it escapes an unpaired surrogate",
                         extra={"reason": "malformed_json"})
    return value


def has_lone_surrogate(raw: bytes, value: Any) -> bool:
    """True when ``value`` (parsed from ``raw``) holds a ``\\ud800``-style unpaired surrogate: JSON's grammar
    lets it through, but it is no character, so it can be neither stored nor sent as UTF-8."""
    if not _SURROGATE_ESCAPE.search(raw):
        return False
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except (UnicodeEncodeError, RecursionError):
        return True
    return False


def read_object(req: Request, *, required: bool = True) -> dict:
    """The JSON body, which must be an object. An absent body is ``{}`` unless ``required``."""
    body = read_json(req, required=required, default=_MISSING if required else {})
    if not isinstance(body, dict):
        raise BadRequest("Request body must be a JSON object", extra={"reason": "not_an_object"})
    return body


def bearer_token(req: Request, schemes: tuple[str, ...] = ("bearer",)) -> str | None:
    """The credential from ``Authorization: Bearer <key>`` (or Basic with the key as password)."""
    header = req.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and "bearer" in schemes:
        return value or None
    if scheme.lower() == "basic" and "basic" in schemes and req.authorization is not None:
        return req.authorization.password or None
    return None
