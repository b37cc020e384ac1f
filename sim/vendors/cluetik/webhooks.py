"""Cluetik webhooks: ten events, ``{id, event, created_at, data}``, X-Cluetik-Signature, retries 1m/5m/30m."""

from __future__ import annotations

from sim.core.webhooks import WebhookProfile

EVENTS = ("lead.created", "lead.updated", "lead.deleted", "campaign.started", "campaign.paused", "campaign.completed",
          "email.sent", "email.opened", "email.replied", "call.completed")


class CluetikWebhooks(WebhookProfile):
    """Lowercase hex HMAC-SHA256 of the raw body, keyed by the subscription's secret, without a prefix.

    One attempt plus retries 1 min, 5 min and 30 min after each failure (spec 6.5), the same bytes each time;
    a subscription is disabled after 5 consecutive events that exhausted their retries, until re-enabled.
    """

    vendor = "cluetik"
    events = EVENTS
    retry_delays = (60, 300, 1800)
    disable_after = 5
    signature_header = "X-Cluetik-Signature"
    user_agent = "Cluetik-Webhooks/1.0"
