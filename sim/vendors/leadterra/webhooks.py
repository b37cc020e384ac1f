"""Leadterra webhooks: the four events, the ``{event, timestamp, data}`` envelope, X-Leadterra-Signature, retries."""

from __future__ import annotations

from typing import Any

from sim.core.signing import compact_json, hmac_base64, hmac_hex
from sim.core.webhooks import WebhookProfile

EVENTS = ("campaign.started", "message.sent", "message.bounced", "reply.received")
SIGNATURE_ENCODINGS = ("hex", "base64")
SIGNATURE_PREFIXES = ("", "sha256=")


class LeadterraWebhooks(WebhookProfile):
    """HMAC-SHA256 of the raw body keyed by the registration's ``signingSecret``: lowercase hex without a prefix by
    default; base64 and/or a ``sha256=`` prefix when the webhook was registered under those settings.

    Retries 1 m, 5 m, 30 m, 2 h, 8 h after each failure (6 attempts); then the event is dropped and the
    webhook stays active.
    """

    vendor = "leadterra"
    events = EVENTS
    retry_delays = (60, 300, 1800, 7200, 28800)
    disable_after = None
    signature_header = "X-Leadterra-Signature"
    user_agent = "Leadterra-Webhooks/1.0"

    def envelope(self, *, event: str, event_id: str, data: Any, now_iso: str) -> dict:
        return {"event": event, "timestamp": now_iso, "data": data}

    def encode_for(self, subscription: dict | None, payload: dict, secret: str, *, event: str, event_id: str,
                   delivery_id: str) -> tuple[bytes, dict]:
        meta = (subscription or {}).get("meta") or {}
        body = compact_json(payload)
        digest = hmac_base64(secret, body) if meta.get("signatureEncoding") == "base64" else hmac_hex(secret, body)
        headers = {"Content-Type": "application/json", "User-Agent": self.user_agent,
                   self.signature_header: (meta.get("signaturePrefix") or "") + digest}
        return body, headers
