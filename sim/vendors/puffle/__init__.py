"""Puffle (app.puffle.ai): the outreach core mounted at /puffle/api (or /api with --vendor puffle)."""

from __future__ import annotations

from sim.core.ratelimit import Window
from sim.vendors.puffle import account, ai, campaigns, engine, launch, senders
from sim.vendors.puffle.controls import controls
from sim.vendors.puffle.errors import PuffleErrors
from sim.vendors.puffle.fixtures import seed
from sim.vendors.puffle.routes import blueprint
from sim.vendors.puffle.serializers import campaign_summaries
from sim.vendors.puffle.webhooks import PuffleWebhooks
from sim.web.spec import VendorSpec

PLACEHOLDER_KEYS = ("pk_live_YOUR_KEY", "pk_live_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")


def rate_limits(ctx) -> list[Window]:
    return [Window(int(ctx.settings.get("rate_limit", 100)), 60, "minute")]


SPEC = VendorSpec(
    name="puffle", title="Puffle", mounts=["/puffle/api"], roots=["/api"], blueprint=blueprint, errors=PuffleErrors(),
    new_key=lambda ids: ids.hex("pk_live_", 64), placeholder_keys=PLACEHOLDER_KEYS, rate_limits=rate_limits,
    webhooks=PuffleWebhooks(),
    jobs={"puffle.launch": launch.launch_task, engine.TICK_JOB: engine.tick,
          "puffle.ai_generate": campaigns.run_ai_generation, "puffle.ai_examples": ai.examples_ready,
          "puffle.domain_check": senders.domain_check, "puffle.linkedin_connect": senders.complete_connect,
          "puffle.context_ready": account.context_ready},
    seed=seed, controls=controls, openapi="openapi.json", campaigns=campaign_summaries,
    docs="Puffle outreach core: campaigns and their launch lifecycle, senders, roster, sequences, inbox, credits")
