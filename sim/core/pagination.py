"""Pagination helpers: page/perPage, limit/offset and opaque id cursors."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sim.core.errors import BadRequest


def int_param(value: Any, name: str, default: int, minimum: int = 0, maximum: int | None = None,
              clamp: bool = False, error=BadRequest) -> int:
    """Parse a query integer; out-of-range values are clamped or rejected with ``error``."""
    if value is None or value == "":
        return default
    try:
        n = int(str(value).strip())
    except ValueError:
        raise error(f"{name} must be an integer", extra={"field": name}) from None
    if n < minimum or (maximum is not None and n > maximum):
        if clamp:
            return max(minimum, min(n, maximum if maximum is not None else n))
        limit = f" and {maximum}" if maximum is not None else ""
        raise error(f"{name} must be between {minimum}{limit}" if maximum is not None
                    else f"{name} must be at least {minimum}", extra={"field": name})
    return n


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def page_count(self) -> int:
        return math.ceil(self.total / self.per_page) if self.per_page else 0


def paginate(items: Sequence, page: int, per_page: int) -> Page:
    start = (page - 1) * per_page
    return Page(list(items[start:start + per_page]), len(items), page, per_page)


def offset_slice(items: Sequence, offset: int, limit: int) -> tuple[list, bool]:
    chunk = list(items[offset:offset + limit])
    return chunk, offset + len(chunk) < len(items)


def encode_cursor(payload: dict) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict:
    """Decode base64url JSON with or without padding; ValueError if it is not an object."""
    text = str(cursor).strip()
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("cursor is not an object")
    return value
