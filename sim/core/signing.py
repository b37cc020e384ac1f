"""Webhook signature primitives shared by the vendors' signers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


def hmac_sha256(secret: str | bytes, body: bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, body, hashlib.sha256).digest()


def hmac_hex(secret: str | bytes, body: bytes) -> str:
    return hmac_sha256(secret, body).hex()


def hmac_base64(secret: str | bytes, body: bytes) -> str:
    return base64.b64encode(hmac_sha256(secret, body)).decode()


def verify_hex(secret: str | bytes, body: bytes, signature: str) -> bool:
    """Constant-time check of a lowercase-hex signature, with or without a ``sha256=`` prefix."""
    sig = signature.split("=", 1)[1] if signature.startswith("sha256=") else signature
    return hmac.compare_digest(hmac_hex(secret, body), sig)


def compact_json(obj: Any) -> bytes:
    """Key order as given, no whitespace, UTF-8: the bytes vendors send."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def canonical_json(obj: Any) -> bytes:
    """Keys sorted at every level, no whitespace, raw UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
