"""LeadConduit lifecycle webhooks: event names, payloads, and the in-body ``signature`` (spec section 5).

The signature is ``sha256=<hex>`` of HMAC-SHA256 over the canonical JSON of the payload without
``signature`` (keys sorted at every level, no whitespace, raw UTF-8). The body sent is exactly those
canonical bytes with ``,"signature":"sha256=<hex>"`` spliced in before the final ``}``, so a receiver
can either re-serialize the parsed payload or strip the trailing member from the raw body.
"""

from __future__ import annotations

from typing import Any

from sim.core.signing import canonical_json, hmac_hex
from sim.core.webhooks import WebhookProfile

EVENTS = ("lead.received", "lead.accepted", "lead.rejected", "lead.delivered", "lead.failed", "lead.converted")
CONTACT_KEYS = ("first_name", "last_name", "email", "phone")


def sign(payload: dict, secret: str) -> tuple[bytes, str]:
    """The canonical bytes of ``payload`` (its ``signature`` left out) and their signature."""
    unsigned = {k: v for k, v in payload.items() if k != "signature"}
    message = canonical_json(unsigned)
    return message, "sha256=" + hmac_hex(secret, message)


def signed_body(payload: dict, secret: str) -> tuple[bytes, str]:
    message, signature = sign(payload, secret)
    return message[:-1] + b',"signature":"' + signature.encode() + b'"}', signature


class LeadConduitWebhooks(WebhookProfile):
    vendor = "leadconduit"
    events = EVENTS
    retry_delays = (1, 2)  # 3 attempts in all: after 1 s, then 2 s of simulated time
    signature_header = "X-LeadConduit-Signature"
    user_agent = "LeadConduit-Webhook/1.0"

    def encode(self, payload: dict, secret: str, *, event: str, event_id: str, delivery_id: str) -> tuple[bytes, dict]:
        body, signature = signed_body(payload, secret)
        return body, {"Content-Type": "application/json", "User-Agent": self.user_agent,
                      "X-LeadConduit-Event": event, self.signature_header: signature}


def contact(lead_data: dict) -> dict:
    """``data.lead`` of every payload: the 4-field contact subset, keys present only when known."""
    return {k: lead_data[k] for k in CONTACT_KEYS if lead_data.get(k) is not None}


def notify(ctx, flow: dict, lead_id: str, event_type: str, timestamp: str, data: dict[str, Any], secret: str) -> None:
    """Queue ``event_type`` for the flow's ``notifications.webhook_url``, in pipeline order per lead."""
    url = ((flow.get("settings") or {}).get("notifications") or {}).get("webhook_url")
    if not url:
        return
    payload = {"event_type": event_type, "timestamp": timestamp, "flow_id": flow["id"], "lead_id": lead_id,
               "data": data}
    ctx.emit(event_type, data, url=url, secret=secret, order_key=lead_id, payload=payload)
