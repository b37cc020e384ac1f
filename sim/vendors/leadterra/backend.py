"""Leadterra state and rules (sender pools, campaigns, leads, replies, suppression, webhooks) on the outreach engine.

Decisions where spec/leadterra.md leaves a choice open (the spec's own §7 decisions are followed as written):

- Keys: ``sk_live_`` or ``sk_test_`` + ``[A-Za-z0-9_]+``; anything else is 401 ``authentication_failed``. The
  placeholder keys ``sk_live_YOUR_KEY`` and ``sk_live_your_key`` (and their ``sk_test_`` twins) belong to the
  default workspace. Test keys behave like live keys (issue one with ``POST /_sim/workspaces/{id}/keys`` or the
  Leadterra ``keys`` control). The reserved key ``sk_live_workspace_not_found`` answers every call with 404
  ``workspace_not_found``; the settings control switches the same 404 (``workspaceNotFound``) or a suspended
  workspace (403 ``workspace_suspended``, ``suspended``) on for any workspace.
- Seed: the default workspace's pool ``pool_abc123`` "Primary Outbound" has ``dailyCapacity`` 500 and 88 sends
  already used on the workspace's first simulated day, so ``remainingToday`` is 412 as in the Quickstart. The
  first campaign created in the default workspace gets the Quickstart's id ``camp_123`` (fixture
  ``reservedCampaignIds``), so the Quickstart's four curl calls run verbatim; later ones get ``camp_<ULID>``.
- Capacity: per pool and per simulated UTC day (renewed at midnight UTC). A campaign sends through every pool of
  the workspace in order; a pool sends only through its ``active`` accounts (round-robin); ``warming`` and
  ``paused`` accounts never send. ``remainingToday`` and ``remainingVolume`` carry the same number. There is no
  rolling-24-hour mode (spec §7 #24 makes it optional).
- Sending: 24/7 by default; a sending window can be set per workspace (settings ``sendingWindow``). Step 1 is
  due when the campaign starts (or when a lead joins a running campaign) plus its ``delayDays``; step N+1 is due
  ``delayDays`` after step N was sent. Sends happen when the clock is advanced past their due time.
- Outcomes come from the workspace behaviour profile, drawn once per message; bounces, opens and replies land
  on five-minute marks of the simulated clock (the engine's resolution). ``delivered`` counts messages
  accepted (sent and not bounced), ``bounced`` hard + soft messages, ``replied`` leads with at least one
  reply; ``openRate`` = opened
  messages / delivered messages, ``replyRate`` = replied leads / delivered messages (0 when nothing was
  delivered), rounded to 4 decimals. ``queued`` counts leads whose next step is due but not sent (held while
  paused, over capacity, outside the window). Any reply (out-of-office included) stops the lead's sequence;
  an ``unsubscribe`` reply and a hard bounce add the address to the suppression list; a soft bounce does not
  stop the sequence.
- Webhook data: ``sequenceStep`` is 1-based. ``message.sent`` = ``{messageId, campaignId, email, sequenceStep,
  senderAccountId, sentAt}``; ``message.bounced`` adds ``bounceType``, ``bounceReason``, ``bouncedAt``;
  ``reply.received`` = ``{"reply": <reply object>}``; ``campaign.started`` = ``{campaignId, status, startedAt}``
  (first draft -> running only). ``timestamp`` is the simulated time of the event. Signatures are lowercase hex
  without a prefix by default; the settings ``signatureEncoding`` (``hex``/``base64``) and ``signaturePrefix``
  (``""``/``"sha256="``) switch them (spec §7 #16). A webhook keeps the format in force when it was registered.
- Bulk leads: 1 to 10,000 leads per request (setting ``bulkLeadsMax``); a missing/empty/oversized ``leads`` is
  400 ``invalid_request``; any invalid lead (not an object, missing or malformed ``email``, a non-scalar field)
  is 422 ``validation_failed`` with ``errors[{index, field, message}]`` and nothing is written. Response 200.
- Suppression: 200 with the superset body; 1 to 1,000 addresses (setting ``suppressionBatchMax``).
- Replies: ``page`` (>= 1) and ``perPage`` (1..100, default 50); other values are 400 ``invalid_request``;
  an extra ``classification`` filter is accepted. Envelope per setting ``repliesEnvelope``
  (``replies`` default, ``array``, ``data``).
- Envelopes: ``poolsEnvelope`` (``senderPools`` default, ``array``, ``pools``), ``accountsEnvelope`` (``array``
  default, ``data``), ``createCampaignStatus`` (201 default, or 200).
- Webhook registration: ``https://`` URLs, plus plain ``http://`` on loopback (for local receivers); a port
  outside 1..65535 is 400 ``invalid_request``; events deduplicated in the order given; 201
  ``{"webhook": {..., "signingSecret"}}``.
- Undocumented operations (spec §2d) are 404 ``not_found`` like unknown routes, before any key check: listing,
  updating or deleting campaigns or webhooks (``GET|PUT|PATCH|DELETE /v1/campaigns``, ``/v1/webhooks``,
  ``/v1/webhooks/{id}``), and reading or removing suppressed addresses (``GET|DELETE /v1/suppression-list``).
  A wrong method on a documented action (``GET /v1/campaigns/{id}/start``) stays 405 ``method_not_allowed``.
- Rate limits: off; settings ``rateLimitPerMinute`` turns on 429 ``rate_limited`` with ``Retry-After``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from sim.core.errors import BadRequest, FieldError, Forbidden, Invalid, NotFound
from sim.core.outreach import Outreach, normalize_email
from sim.core.webhooks import check_target
from sim.vendors.leadterra.sdr import seed_sdr
from sim.vendors.leadterra.webhooks import EVENTS, SIGNATURE_ENCODINGS, SIGNATURE_PREFIXES

TICK_JOB = "leadterra.outreach_tick"
MISSING_WORKSPACE_KEY = "sk_live_workspace_not_found"  # the reserved key of spec §1: 404 workspace_not_found
PLACEHOLDER_KEYS = ("sk_live_YOUR_KEY", "sk_live_your_key", "sk_test_YOUR_KEY", "sk_test_your_key",
                    MISSING_WORKSPACE_KEY)
CLASSIFICATIONS = ("interested", "not_interested", "out_of_office", "bounce", "unsubscribe")
LEAD_FIELDS = ("firstName", "lastName", "company", "jobTitle")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SNIPPET_CHARS = 240

SETTINGS = {
    "poolsEnvelope": ("senderPools", "array", "pools"),
    "accountsEnvelope": ("array", "data"),
    "repliesEnvelope": ("replies", "array", "data"),
    "createCampaignStatus": (201, 200),
    "signatureEncoding": SIGNATURE_ENCODINGS,
    "signaturePrefix": SIGNATURE_PREFIXES,
}
DEFAULTS = {"poolsEnvelope": "senderPools", "accountsEnvelope": "array", "repliesEnvelope": "replies",
            "createCampaignStatus": 201, "bulkLeadsMax": 10000, "suppressionBatchMax": 1000,
            "rateLimitPerMinute": None, "sendingWindow": None, "workspaceNotFound": False, "suspended": False,
            "signatureEncoding": "hex", "signaturePrefix": ""}


def campaign_not_found(cid: str) -> NotFound:
    return NotFound(f"No campaign {cid} in this workspace", code="campaign_not_found")


def invalid_request(message: str, field: str | None = None) -> BadRequest:
    fields = [FieldError(field, "value", message)] if field else None
    return BadRequest(message, code="invalid_request", fields=fields)


class Leadterra:
    """One workspace's Leadterra: wraps the outreach engine with Leadterra's objects and rules."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.engine = Outreach(ctx, job_kind=TICK_JOB, on_events=emit_events, wants=wanted_kinds,
                               reply_prefix="rpl_", message_prefix="msg_")
        self.leads = ctx.table("leads")
        self.meta = ctx.table("meta")

    # --- settings and workspace gates -----------------------------------------------------------------
    def setting(self, name: str) -> Any:
        value = self.ctx.settings.get(name)
        return DEFAULTS.get(name) if value is None else value

    def check_workspace(self) -> None:
        if self.setting("workspaceNotFound") or self.ctx.key == MISSING_WORKSPACE_KEY:
            raise NotFound("Workspace not found", code="workspace_not_found")
        if self.setting("suspended"):
            raise Forbidden("This workspace is suspended", code="workspace_suspended")

    # --- pools and accounts -----------------------------------------------------------------------------
    def sender_pools(self) -> list[dict]:
        out = []
        for pool in self.engine.pools():
            senders = self.engine.senders(pool.doc_id)
            out.append({"id": pool.doc_id, "name": pool["name"], "dailyCapacity": pool["daily_capacity"],
                        "remaining": self.engine.remaining_today(pool), "senderAccountIds": [s.doc_id for s in senders]})
        return out

    def sender_accounts(self) -> list[dict]:
        return [{"id": s.doc_id, "email": s["email"], "name": s["name"], "status": s["status"], "poolId": s["pool"]}
                for s in self.engine.senders()]

    # --- campaigns ----------------------------------------------------------------------------------------
    def create_campaign(self, name: str, steps: list[dict]) -> dict:
        ctx = self.ctx
        cid = self._reserved_campaign_id() or ctx.ids.ulid("camp_", int(ctx.now_ts() * 1000))
        seq = [{"delay": int(s.get("delayDays", 0)) * 86400, "subject": s["subject"], "bodyHtml": s["bodyHtml"],
                "delayDays": int(s.get("delayDays", 0))} for s in steps]
        return self.engine.create_campaign(cid, steps=seq, window=self.setting("sendingWindow"), name=name)

    def _reserved_campaign_id(self) -> str | None:
        doc = self.meta.get("reserved")
        if doc is None:
            return None
        ids = [c for c in doc["campaignIds"] if self.engine.campaign(c) is None]
        if not ids:
            return None
        self.meta.update("reserved", {"campaignIds": ids[1:]})
        return ids[0]

    def campaign(self, cid: str):
        doc = self.engine.campaign(cid)
        if doc is None:
            raise campaign_not_found(cid)
        return doc

    def start(self, cid: str):
        camp = self.campaign(cid)
        if camp["status"] == "running":
            return camp
        if self.engine.enrolled_count(cid) == 0:
            raise BadRequest("The campaign has no enrolled leads; add leads before starting it",
                             code="no_leads_enrolled")
        if not camp["steps"]:
            raise BadRequest("The campaign has no sequence steps; add at least one step before starting it",
                             code="no_sequence_steps")
        change = self.engine.start(cid)
        camp = self.engine.campaign(cid)
        if change == "started":
            self.ctx.emit("campaign.started", {"campaignId": cid, "status": "running",
                                               "startedAt": self.ctx.iso(camp["started_at"])})
        return camp

    def pause(self, cid: str):
        self.campaign(cid)
        self.engine.pause(cid)
        return self.engine.campaign(cid)

    def stats(self, cid: str) -> dict:
        camp = self.campaign(cid)
        return {"campaign": camp, **self.engine.stats(cid)}

    # --- leads --------------------------------------------------------------------------------------------
    def check_leads_envelope(self, body: dict) -> list:
        leads = body.get("leads")
        if "leads" not in body:
            raise invalid_request("leads is required", "leads")
        if not isinstance(leads, list):
            raise invalid_request("leads must be an array of lead objects", "leads")
        if not leads:
            raise invalid_request("leads must contain at least one lead", "leads")
        limit = int(self.setting("bulkLeadsMax"))
        if len(leads) > limit:
            raise invalid_request(f"leads may contain at most {limit} leads per request", "leads")
        return leads

    def enroll_leads(self, cid: str, leads: list[dict]) -> dict:
        """Upsert by email (case-insensitive) and enrol; ``leads`` are already validated."""
        self.campaign(cid)
        merged: dict[str, dict] = {}
        for lead in leads:
            email = normalize_email(lead["email"])
            fields = merged.setdefault(email, {})
            for k, v in lead.items():
                if k == "customFields":
                    fields.setdefault("customFields", {}).update(v)
                else:
                    fields[k] = v
        engine = self.engine
        now = self.ctx.now_ts()
        enrolled = updated = skipped = 0
        to_enrol = []
        table = self.leads
        for email, fields in merged.items():
            if engine.is_suppressed(email):
                skipped += 1
                continue
            custom = dict(fields.pop("customFields", None) or {})
            for k in list(fields):
                if k not in LEAD_FIELDS and k != "email":
                    custom[k] = fields.pop(k)
            old = table.get(email)
            if old is None:
                enrolled += 1
                doc = {"email": fields["email"].strip(), "firstName": None, "lastName": None, "company": None,
                       "jobTitle": None, "custom": custom, "createdAt": now, "updatedAt": now}
                doc.update({k: fields[k] for k in LEAD_FIELDS if k in fields})
            else:
                updated += 1
                doc = dict(old)
                doc.update({k: fields[k] for k in LEAD_FIELDS if k in fields})
                if custom:
                    doc["custom"] = {**old["custom"], **custom}
                doc["updatedAt"] = now
            table.put(email, doc)
            to_enrol.append((email, email))
        engine.enroll(cid, to_enrol)
        return {"enrolled": enrolled, "updated": updated, "skipped": skipped, "total": enrolled + updated}

    def lead(self, email: str):
        return self.leads.get(normalize_email(email))

    # --- replies --------------------------------------------------------------------------------------------
    def replies(self, campaign_id: str | None, classification: str | None) -> list:
        if campaign_id is not None:
            self.campaign(campaign_id)
        docs = self.engine.replies(campaign_id)
        if classification is not None:
            docs = [d for d in docs if d["classification"] == classification]
        return docs

    def reply(self, reply_id: str):
        doc = self.engine.reply(reply_id)
        if doc is None:
            raise NotFound(f"No reply {reply_id} in this workspace", code="reply_not_found")
        return doc

    # --- suppression ------------------------------------------------------------------------------------------
    def suppress(self, body: dict) -> dict:
        emails = body.get("emails")
        if "emails" not in body:
            raise invalid_request("emails is required", "emails")
        if not isinstance(emails, list):
            raise invalid_request("emails must be an array of email addresses", "emails")
        if not emails:
            raise invalid_request("emails must contain at least one address", "emails")
        limit = int(self.setting("suppressionBatchMax"))
        if len(emails) > limit:
            raise invalid_request(f"emails may contain at most {limit} addresses per request", "emails")
        problems = [FieldError("emails", "format", f"{e!r} is not a valid email address", i)
                    for i, e in enumerate(emails) if not valid_email(e)]
        if problems:
            raise Invalid("One or more email addresses are invalid", code="validation_failed", fields=problems)
        added, already = self.engine.suppress(emails, reason="api")
        return {"suppressed": added, "alreadySuppressed": already, "total": added + already}

    # --- webhooks -------------------------------------------------------------------------------------------
    def register_webhook(self, body: dict) -> dict:
        try:
            url = check_target(body.get("url"))
        except Invalid as err:
            raise BadRequest(err.message, code="invalid_request", fields=err.fields) from None
        try:
            port = urlsplit(url).port
        except ValueError:
            port = -1
        if port is not None and not 0 < port < 65536:
            raise invalid_request("url has an invalid port", "url")
        events = body.get("events")
        if not isinstance(events, list) or not events:
            raise invalid_request("events must be a non-empty array of event names", "events")
        unknown = [e for e in events if e not in EVENTS]
        if unknown:
            raise invalid_request(f"Unknown event {unknown[0]!r}; use {', '.join(EVENTS)}", "events")
        ctx = self.ctx
        ids = ctx.ids
        events = list(dict.fromkeys(events))
        signature = {"signatureEncoding": self.setting("signatureEncoding"),
                     "signaturePrefix": self.setting("signaturePrefix")}
        sub = ctx.subscribe(url, events=events, secret=ids.hex("whsec_", 48),
                            sub_id=ids.ulid("wh_", int(ctx.now_ts() * 1000)), meta=signature)
        return sub

    def webhooks(self) -> list[dict]:
        return self.ctx.subscriptions()


def valid_email(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 254 and EMAIL_RE.match(value.strip()) is not None


# --- webhooks from engine events ---------------------------------------------------------------------------
ENGINE_KIND = {"message.sent": "sent", "message.bounced": "bounced", "reply.received": "replied"}


def subscribed_events(ctx) -> set[str]:
    wanted: set[str] = set()
    for sub in ctx.subscriptions():
        if sub["status"] == "active":
            wanted.update(sub["events"] or EVENTS)
    return wanted


def wanted_kinds(engine: Outreach) -> set[str]:
    """The engine events worth building: only those some active webhook turns into a delivery."""
    return {ENGINE_KIND[e] for e in subscribed_events(engine.ctx) if e in ENGINE_KIND}


def emit_events(engine: Outreach, camp: dict, events: list) -> None:
    """Turn engine events into the subscribed Leadterra webhooks (nothing is built when nobody listens)."""
    ctx = engine.ctx
    wanted = subscribed_events(ctx)
    if not wanted:
        return
    cid = camp.doc_id
    sent, bounced, replied = "message.sent" in wanted, "message.bounced" in wanted, "reply.received" in wanted
    for ev in events:
        kind = ev.kind
        if kind == "sent" and sent:
            ctx.emit("message.sent", {"messageId": ev.message_id, "campaignId": cid, "email": ev.email,
                                      "sequenceStep": ev.step + 1, "senderAccountId": ev.sender, "sentAt": ctx.iso(ev.at)})
        elif kind == "bounced" and bounced:
            ctx.emit("message.bounced", {"messageId": ev.message_id, "campaignId": cid, "email": ev.email,
                                         "sequenceStep": ev.step + 1, "bounceType": ev.bounce, "bounceReason": ev.reason,
                                         "bouncedAt": ctx.iso(ev.at)})
        elif kind == "replied" and replied:
            ctx.emit("reply.received", {"reply": reply_json(engine, ev.reply)})


def reply_json(engine: Outreach, doc: dict) -> dict:
    ctx = engine.ctx
    text = engine.reply_text(doc)
    snippet = text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS - 1].rstrip() + "…"
    rid = doc["id"] if "id" in doc else doc.doc_id
    return {"id": rid, "email": doc["email"], "campaignId": doc["campaign"], "classification": doc["classification"],
            "receivedAt": ctx.iso(doc["at"]), "threadSnippet": snippet}


# --- jobs and fixtures ---------------------------------------------------------------------------------------
def tick(ctx, args: dict) -> None:
    Leadterra(ctx).engine.tick(args)


def seed(ctx, data: dict) -> None:
    """Fill a new (or reset) workspace from ``fixtures/<set>/leadterra.json``."""
    lt = Leadterra(ctx)
    for order, pool in enumerate(data.get("senderPools", [])):
        lt.engine.put_pool(pool["id"], daily_capacity=pool["dailyCapacity"], used_today=pool.get("usedToday", 0),
                           order=order, name=pool["name"])
        for account in pool.get("senderAccounts", []):
            lt.engine.put_sender(account["id"], pool=pool["id"], status=account.get("status", "active"),
                                 email=account["email"], name=account["name"])
    reserved = data.get("reservedCampaignIds", {}).get(ctx.ws)
    if reserved:
        lt.meta.put("reserved", {"campaignIds": list(reserved)})
    seed_sdr(ctx, data.get("sdr", {}))
