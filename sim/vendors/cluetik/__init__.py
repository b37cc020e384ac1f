"""Cluetik: leads, outreach campaigns, AI agents and calls, emails, signed webhooks."""

from __future__ import annotations

from sim.core.ratelimit import Hit, Window
from sim.vendors.cluetik.backend import CALL_JOB, PLACEHOLDER_KEYS, TICK_JOB, call_job, seed, tick
from sim.vendors.cluetik.controls import controls
from sim.vendors.cluetik.errors import CluetikErrors
from sim.vendors.cluetik.routes import blueprint
from sim.vendors.cluetik.serializers import campaign_summaries
from sim.vendors.cluetik.webhooks import CluetikWebhooks
from sim.web.spec import VendorSpec


def rate_limits(ctx) -> list[Window]:
    """100 requests per minute per key (spec 5); lower or raise it per key with the /_sim rate-limit control."""
    return [Window(100, 60, "minute")]


def rate_headers(hit: Hit) -> dict[str, str]:
    window, remaining, _reset = hit.first()
    return {"X-RateLimit-Limit": str(window.limit), "X-RateLimit-Remaining": str(remaining)}


SPEC = VendorSpec(
    name="cluetik",
    title="Cluetik",
    mounts=["/cluetik/v1"],
    roots=["/v1"],
    blueprint=blueprint,
    errors=CluetikErrors(),
    new_key=lambda ids: ids.alnum("", 40),
    placeholder_keys=PLACEHOLDER_KEYS,
    rate_limits=rate_limits,
    rate_bucket="key",
    rate_headers=rate_headers,
    webhooks=CluetikWebhooks(),
    jobs={TICK_JOB: tick, CALL_JOB: call_job},
    seed=seed,
    controls=controls,
    campaigns=campaign_summaries,
    docs="Cluetik: leads, campaigns, AI agents and calls, emails; webhooks signed X-Cluetik-Signature",
)
