"""Puffle outreach core: shared state helpers (no Flask). Resources live in campaigns, launch, engine, senders,
inbox and billing; this module holds what they share and records the simulator's decisions.

Decisions where the spec leaves a choice open (they go to the README):

- Error body: ``{"error": "<message>"}`` on every route except 401/403 and ``/api/v1/*``, which use
  ``{"error": {"code", "message"}}`` (spec 10.1). Request-body validation failures are 400 with the first
  problem as the message and every problem in ``details``. A problem never echoes an oversized value
  (``prospects: value is too long``) and quotes values as JSON (``null``, ``true``).
- Creates answer 201 (campaign, email account, domain); everything else 200.
- A path id that is not a UUID is 404, like an id that does not exist or belongs to another workspace. UUIDs
  (in paths, query strings and bodies) match case-insensitively, as Postgres' ``uuid`` type does; responses
  always carry the lower-case form.
- ``page``/``limit`` that are not integers or fall outside their range (roster: limit 1-200, conversations and
  their messages: 1-200) are 400 naming the bound, not clamped.
- ``POST /api/credits/preview`` takes ``count`` in the spec's integer range 0 to 2^53-1 (0 costs nothing).
- ``import-from-list`` answering 422 (nothing new) carries ``error`` plus the counts.
- ``POST /api/campaigns/{id}/senders`` is not implemented (405): senders change through PATCH
  ``sender_account_ids`` (spec 10.4).
- Launch checks run in this order and the first failing one is the 400: status, senders, pending leads,
  sendable nodes, the sequence ending with ``end``, empty content (positions listed), delay totals, email
  sender readiness (``active`` + inbox, or ``warming`` with ``allow_warming_accounts``), LinkedIn accounts
  upstream, then dedup. Validate keeps counting ``warming`` as ready (the documented trap, spec 10.3).
- Dedup at launch: LinkedIn campaigns with ``skip_other_campaigns`` skip leads whose LinkedIn URL is in
  another launched campaign; every campaign skips leads on the workspace suppression list (hard bounces
  and unsubscribe replies). Skipped leads become ``cancelled`` and are excluded from ``stats.total``.
- The launch background task runs ``launch_delay_seconds`` (default 60 simulated seconds) after the
  launch. The fault ``{"method": "JOB", "path": "puffle.launch"}`` makes it fail and roll back to draft;
  ``puffle.dispatch`` makes the synchronous dispatch fail (500, nothing written); ``puffle.linkedin_verify``
  makes a LinkedIn launch answer 503 with ``Retry-After: 30``.
- A launch stuck in ``launching`` for 2 minutes or more is rolled back on the next launch, which then runs.
- ``stats`` is null for a never-launched draft without leads, ``{"total": <roster size>}`` for a draft
  with leads, and after launch every counter (current prospect statuses, plus ``contacted`` = leads that
  left ``pending``) with ``total`` fixed at launch.
- Sending runs on the shared outreach engine (``sim.core.outreach``; see ``engine.py``). It is staggered: one
  sender sends at most one message every 2-6 minutes (drawn per send, across all its campaigns), senders take
  turns round-robin, and a lead's follow-ups come from the sender that first wrote to it. The first sends
  of a campaign start 2-6 minutes after it goes active. Sends are bounded by operating hours, the campaign
  daily limit (email), the per-account daily limit (campaign override, else the account's, else 30) shared
  across campaigns, and LinkedIn weekly caps over a rolling 7 days (free 80/100, premium 100/150, account
  overrides; emails count toward ``weekly_messages_sent``). A sender that is not ready (email: ``active``, or
  ``warming`` with ``allow_warming_accounts``, plus an inbox; LinkedIn: ``connected`` and upstream) holds its
  sends, re-checked hourly and whenever settings or senders change. Days are UTC days.
- A delay node before ``end`` does not hold a lead back: it is ``completed`` when its last message is sent.
  Consecutive delay nodes add up (each at least one minute). Recipient outcomes land on whole simulated
  minutes. Leads are sent in due-time order (leads due at the same time in id order), not roster order.
- A soft bounce is terminal like a hard one (``bounced``); only a hard bounce and an ``unsubscribe`` reply
  add the address to the suppression list. A lead already on it when its send comes due is ``cancelled``.
- ``operating_hours`` is echoed as given. It is enforced when it maps weekday names (``monday`` or ``mon``)
  to ``{"start": "HH:MM", "end": "HH:MM"}`` (optionally ``"enabled": false``) or to null/false for a day
  off, in the ``timezone`` key of the object or else the workspace timezone.
- LinkedIn outcomes come from the behaviour profile (``linkedin.connection_accept_rate``, accept delay,
  ``message_reply_rate``); a connection request not accepted within 14 days times out. Email outcomes
  come from ``sim.core.recipients``. A reply stops the lead (``replied`` is terminal) and opens a
  conversation in the inbox.
- The sync-stats bounce guard pauses an active email campaign with ``pause_reason: "high_bounce_rate"``
  when bounced / contacted >= 5 % with at least 100 contacted.
- Billing: the fixture workspace has the Pro plan with 900 credits; ``generate_ai`` charges
  ``AI_MESSAGE_GENERATION`` per prospect; 402 bodies carry ``balance`` and ``required``.
- Keys are ``pk_live_`` + 64 hex. The default workspace also accepts ``pk_live_YOUR_KEY`` and the docs'
  example ``pk_live_0123456789abcdef...`` key. Rate limit: 100 requests per minute per key (a workspace
  setting ``rate_limit`` lowers it), 429 with ``Retry-After``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sim.core.errors import BadRequest, NotFound

UUID_RE = re.compile(
    r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}"
    r"|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LINKEDIN_RE = re.compile(r"^(https?://)?([a-z0-9-]+\.)?linkedin\.com/(in|sales/lead|sales/people|pub)/[^/?#\s]+", re.I)

SENDABLE = ("connection_request", "message", "email", "ai")
NODE_TYPES = ("connection_request", "message", "email", "delay", "ai", "end")
PROSPECT_STATUSES = ("pending", "sent", "connection_sent", "connected", "message_sent",
                     "replied", "bounced", "completed", "timed_out", "cancelled")
TERMINAL = frozenset(("replied", "bounced", "completed", "timed_out", "cancelled"))
STAT_KEYS = ("sent", "replied", "bounced", "completed", "timed_out", "connection_sent", "connected", "message_sent")
LAUNCH_WINDOW = 120.0
DEFAULT_DAILY_LIMIT = 30
WEEKLY_LIMITS = {False: (80, 100), True: (100, 150)}  # is_premium -> (connections, messages)
MAX_CONNECTION_LIMIT = 150
MAX_MESSAGE_LIMIT = 150
CREDIT_DOLLARS = 0.05


# --- time ------------------------------------------------------------------------------------------
def day_of(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def stamp(ctx, ts: float | None) -> str | None:
    return None if ts is None else ctx.iso(ts)


# --- lookups -----------------------------------------------------------------------------------------
def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(UUID_RE.match(value))


def lookup(table, value: Any) -> dict | None:
    """The row with this UUID, matched case-insensitively like Postgres' uuid type; None for a non-UUID."""
    return table.get(value.lower()) if is_uuid(value) else None


def user(ctx) -> dict:
    doc = ctx.table("account").get("user")
    if doc is None:  # a workspace seeded without the Puffle fixture still has an owner
        doc = ctx.table("account").put("user", {"id": ctx.ids.uuid4("user"), "email": "owner@example.com",
                                                "first_name": "Workspace", "last_name": "Owner", "admin": False})
    return doc


def campaign(ctx, cid: str) -> dict:
    doc = lookup(ctx.table("campaigns"), cid)
    if doc is None:
        raise NotFound("Campaign not found")
    return doc


def sender(ctx, aid: str, message: str = "Sender account not found") -> dict:
    doc = lookup(ctx.table("senders"), aid)
    if doc is None:
        raise NotFound(message)
    return doc


def prospects(ctx, cid: str):
    return ctx.table(f"prospects/{cid}")


def nodes_table(ctx, cid: str):
    return ctx.table(f"nodes/{cid}")


def messages(ctx, cid: str):
    return ctx.table(f"messages/{cid}")


def ordered_nodes(ctx, cid: str) -> list[dict]:
    return sorted(nodes_table(ctx, cid).all(), key=lambda n: n["position"])


def setting(ctx, name: str, default: Any) -> Any:
    return ctx.settings.get(name, default)


# --- shared rules -------------------------------------------------------------------------------------
def normalise_email(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip().lower()
    return value if EMAIL_RE.match(value) else None


def normalise_linkedin(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not LINKEDIN_RE.match(value):
        return None
    value = re.split(r"[?#]", value, maxsplit=1)[0].rstrip("/")
    if not value.lower().startswith("http"):
        value = "https://" + value
    return value


def identity(kind: str, row: dict) -> str | None:
    """The dedup key of a roster row: lowercased email, or LinkedIn URL without query and trailing slash."""
    if kind == "email":
        return normalise_email(row.get("email"))
    url = normalise_linkedin(row.get("linkedin_url"))
    return url.lower() if url else None


def weekly_limits(acc: dict) -> tuple[int, int]:
    conn, msg = WEEKLY_LIMITS[bool(acc.get("is_premium"))]
    return (acc.get("weekly_connection_limit") or conn, acc.get("weekly_message_limit") or msg)


def account_daily_limit(acc: dict, camp: dict | None = None) -> int:
    if camp is not None:
        override = (camp.get("account_limits") or {}).get(acc["id"])
        if override:
            return override
    return acc.get("daily_limit") or DEFAULT_DAILY_LIMIT


def email_ready_for_launch(ctx, acc: dict) -> bool:
    allowed = ("active", "warming") if allow_warming(ctx) else ("active",)
    return acc.get("status") in allowed and bool(acc.get("agentmail_inbox_id"))


def sender_ready(ctx, acc: dict) -> bool:
    """Can this account send right now (the engine's rule, same as launch's)."""
    if acc["type"] == "email":
        return email_ready_for_launch(ctx, acc)
    return acc.get("status") == "connected" and acc.get("upstream_exists", True)


def allow_warming(ctx) -> bool:
    doc = ctx.table("account").get("settings") or {}
    return bool(doc.get("allow_warming_accounts"))


def require_draft(camp: dict, what: str) -> None:
    if camp["status"] != "draft":
        raise BadRequest(f"Campaign is {camp['status']} — {what} can only be changed while the campaign is a draft")


def touch(ctx, camp: dict, **changes: Any) -> dict:
    changes["updated_at"] = ctx.now_ts()
    return ctx.table("campaigns").update(camp["id"], changes)


# --- stats -----------------------------------------------------------------------------------------------
def count_statuses(ctx, cid: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in prospects(ctx, cid):
        counts[p["status"]] = counts.get(p["status"], 0) + 1
    return counts


def stats_of(camp: dict, roster_size: int) -> dict | None:
    counts = camp.get("counts") or {}
    if camp.get("total") is None:
        return {"total": roster_size} if roster_size else None
    out = {"total": camp["total"]}
    for key in STAT_KEYS:
        out[key] = counts.get(key, 0)
    out["contacted"] = sum(n for s, n in counts.items() if s not in ("pending", "cancelled"))
    return out


def by_status(counts: dict[str, int]) -> dict[str, int]:
    return {s: counts[s] for s in PROSPECT_STATUSES if counts.get(s)}


def set_prospect_status(ctx, camp: dict, p: dict, status: str, **changes: Any) -> tuple[dict, dict]:
    """Move one prospect and keep the campaign's status counters in step."""
    now = ctx.now_ts()
    old = p["status"]
    pdoc = prospects(ctx, camp["id"]).update(p["id"], {"status": status, "updated_at": now, **changes})
    if old != status:
        counts = dict(camp.get("counts") or {})
        counts[old] = counts.get(old, 0) - 1
        if not counts[old]:
            del counts[old]
        counts[status] = counts.get(status, 0) + 1
        camp = ctx.table("campaigns").update(camp["id"], {"counts": counts})
    return camp, pdoc


def billing(ctx) -> dict:
    return ctx.table("account").get("billing") or {"plan": None, "balance": 0}
