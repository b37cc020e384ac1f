"""Puffle webhooks: delivered through Svix (``svix-id``, ``svix-timestamp``, ``svix-signature: v1,<base64>``).

Only ``signal.detected``, ``research.complete`` and ``research.failed`` exist (spec section 9); the outreach
core emits none of them, and there are no campaign or reply webhooks: clients poll.
"""

from __future__ import annotations

import base64
from typing import Any

from sim.core.clock import parse_iso
from sim.core.signing import compact_json, hmac_base64
from sim.core.webhooks import WebhookProfile


class PuffleWebhooks(WebhookProfile):
    vendor = "puffle"
    events = ("signal.detected", "research.complete", "research.failed")
    retry_delays = (5, 300, 1800, 7200, 18000, 36000)
    signature_header = "svix-signature"

    def envelope(self, *, event: str, event_id: str, data: Any, now_iso: str) -> dict:
        return {"type": event, "timestamp": now_iso, "data": data}

    def encode(self, payload: dict, secret: str, *, event: str, event_id: str, delivery_id: str) -> tuple[bytes, dict]:
        body = compact_json(payload)
        msg_id = "msg_" + event_id
        ts = str(int(_epoch(payload.get("timestamp"))))
        key = secret.removeprefix("whsec_")
        try:
            raw_key = base64.b64decode(key, validate=True)
        except ValueError:
            raw_key = key.encode()
        signed = f"{msg_id}.{ts}.".encode() + body
        sig = hmac_base64(raw_key, signed)
        return body, {"Content-Type": "application/json", "User-Agent": self.user_agent, "svix-id": msg_id,
                      "svix-timestamp": ts, "svix-signature": f"v1,{sig}"}


def _epoch(value: Any) -> float:
    try:
        return parse_iso(value).timestamp()
    except (ValueError, TypeError):
        return 0.0
