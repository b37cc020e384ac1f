"""LeadConduit (ActiveProspect): lead flows, the lead pipeline, search, events, analytics, settings, webhooks."""

from __future__ import annotations

from sim.core.ratelimit import Hit, Window
from sim.vendors.leadconduit import backend, controls, routes
from sim.vendors.leadconduit.errors import LeadConduitErrors
from sim.vendors.leadconduit.webhooks import LeadConduitWebhooks
from sim.web.spec import VendorSpec


def rate_limits(ctx) -> list[Window]:
    """1,000 requests per hour with a burst of 100 per minute, per key; the hour window comes first."""
    conf = ctx.settings
    return [Window(conf.get("rate_limit_hour", 1000), 3600, "hour"), Window(conf.get("rate_limit_minute", 100), 60, "minute")]


def rate_headers(hit: Hit) -> dict[str, str]:
    """The hourly bucket: limit, remaining after this request, and the next top of the hour."""
    window, remaining, reset = hit.first()
    return {"X-RateLimit-Limit": str(window.limit), "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(int(reset))}


SPEC = VendorSpec(
    name="leadconduit",
    title="LeadConduit",
    mounts=["/leadconduit/api/v1"],
    roots=["/api/v1"],
    blueprint=routes.blueprint,
    errors=LeadConduitErrors(),
    new_key=lambda ids: ids.hex("", 32),
    placeholder_keys=("YOUR_API_KEY",),
    rate_limits=rate_limits,
    rate_bucket="key",
    rate_headers=rate_headers,
    webhooks=LeadConduitWebhooks(),
    seed=backend.seed,
    controls=controls.blueprint,
    openapi="openapi.json",
    content_type="application/json; charset=utf-8",
    auth_schemes=("bearer", "basic"),
    docs="Lead flows: submit (single and batch), search, events, analytics, settings; signed lifecycle webhooks.",
)
