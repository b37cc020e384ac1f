"""Leadterra webhooks: the four events, the ``{event, timestamp, data}`` envelope, X-Leadterra-Signature, retries."""

from __future__ import annotations

from typing import Any

from sim.core.webhooks import WebhookProfile

EVENTS = ("campaign.started", "message.sent", "message.bounced", "reply.received")


class LeadterraWebhooks(WebhookProfile):
    """Lowercase hex HMAC-SHA256 of the raw body keyed by the registration's ``signingSecret``.

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
