"""VendorSpec: what one vendor plugs into the simulator (no Flask here; blueprints come from factories)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sim.core.ratelimit import Window
from sim.core.webhooks import WebhookProfile

CAMPAIGNS_HOOK = """VendorSpec.campaigns(ctx) -> list[dict], one dict per campaign (or workflow) of ctx's workspace:

    id        str          the id as the vendor's API shows it (str() of an integer id)
    name      str
    status    str          the vendor's own status word, exactly as its API returns it
    kind      str          "campaign" or "workflow"
    total, sent, bounced, opened, replied
              int | None   the very numbers the vendor's API reports for this campaign, computed by the same
                           code as that endpoint (call its serializer; never recompute differently); None where
                           the vendor's API reports no such number
    stats     dict | None  the vendor API's own stats object for this campaign, verbatim as it serializes it
    source    str          the request a client makes to read those numbers, relative to the vendor's mount,
                           e.g. "GET /campaigns/camp_123/stats"
    progress  float | None optional: 0..1, how far the campaign is, in the vendor's own terms (the progress bar)
    daily     dict         optional: events per simulated UTC day for the timeline,
                           {"2026-01-05": {"sent": n, "bounced": n, "opened": n, "replied": n}};
                           ``Outreach.daily(cid)`` gives it for campaigns on the shared outreach engine

It runs under the store lock (like a control or a job) and must not change any state.
"""


@dataclass
class VendorSpec:
    name: str                                  # "leadterra"
    title: str                                 # "Leadterra"
    mounts: list[str]                          # prefixes on the shared port: ["/leadterra/v1"]
    roots: list[str]                           # prefixes in --vendor mode: ["/v1"]
    blueprint: Callable[[], Any]               # -> flask.Blueprint with routes relative to a prefix
    errors: Any                                # ErrorRenderer: render(err, request_id) -> (body, status, headers)
    new_key: Callable[[Any], str]              # IdSource -> a fresh key in the vendor's format
    placeholder_keys: tuple[str, ...] = ()     # keys printed in the vendor's docs (default workspace)
    key_pattern: str | None = None             # a regex a key must match (checked before lookup)
    rate_limits: Callable[[Any], list[Window]] | None = None  # VendorContext -> windows
    rate_bucket: str = "key"                   # "key" or "workspace" (per account)
    rate_headers: Callable[[Any], dict] | None = None          # Hit -> headers on authenticated responses
    webhooks: WebhookProfile | None = None
    jobs: dict[str, Callable] = field(default_factory=dict)    # "<vendor>.<kind>" -> handler(ctx, args)
    seed: Callable[[Any, dict], None] | None = None            # fill a new workspace: (ctx, fixture data)
    controls: Callable[[], Any] | None = None  # -> Blueprint mounted at /_sim/workspaces/<ws_id>/<vendor>
    openapi: str | None = None                 # file under schemas/<vendor>/, served at /<vendor>/openapi.json
    content_type: str = "application/json"
    auth_schemes: tuple[str, ...] = ("bearer",)  # "bearer", "basic" (key as password)
    docs: str = ""                             # one line for the README / /_sim listing
    # VendorContext -> the vendor's campaigns (or workflows) as the dashboard shows them; contract in CAMPAIGNS_HOOK
    campaigns: Callable[[Any], list[dict]] | None = None

    def job_kinds(self) -> list[str]:
        return sorted(self.jobs)
