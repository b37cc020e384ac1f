"""Leadterra: cold-email campaigns, sender pools, replies, suppression, webhooks and the SDR hand-off API."""

from __future__ import annotations

from sim.core.ratelimit import Window
from sim.vendors.leadterra.backend import PLACEHOLDER_KEYS, TICK_JOB, seed, tick
from sim.vendors.leadterra.controls import controls
from sim.vendors.leadterra.errors import LeadterraErrors
from sim.vendors.leadterra.routes import blueprint
from sim.vendors.leadterra.serializers import campaign_summaries
from sim.vendors.leadterra.webhooks import LeadterraWebhooks
from sim.web.spec import VendorSpec


def _rate_limits(ctx) -> list[Window]:
    limit = ctx.settings.get("rateLimitPerMinute")
    return [Window(int(limit), 60, "minute")] if limit else []


SPEC = VendorSpec(
    name="leadterra",
    title="Leadterra",
    mounts=["/leadterra/v1"],
    roots=["/v1"],
    blueprint=blueprint,
    errors=LeadterraErrors(),
    new_key=lambda ids: ids.alnum("sk_live_", 32),
    placeholder_keys=PLACEHOLDER_KEYS,
    key_pattern=r"sk_(live|test)_[A-Za-z0-9_]+",
    rate_limits=_rate_limits,
    webhooks=LeadterraWebhooks(),
    jobs={TICK_JOB: tick},
    seed=seed,
    controls=controls,
    openapi="openapi.json",
    campaigns=campaign_summaries,
    docs="Leadterra cold-email API: sender pools, campaigns, bulk leads, replies, suppression, webhooks, SDR hand-off",
)
