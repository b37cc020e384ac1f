"""What the outreach engine talks in: events, recipient outcomes, counters, item ranks and time units."""

from __future__ import annotations

from dataclasses import dataclass

DAY = 86400.0

# heap ranks: at one instant bounces, opens, replies, acceptances and expiries are applied before the sends
BOUNCE, OPEN, REPLY, ACCEPT, EXPIRE, SEND = 0, 1, 2, 3, 4, 5
WEEK = 7 * DAY
USAGE_DAYS = 31  # per-day usage kept this many days

COUNTERS = ("enrolled", "sent", "delivered", "bounced", "hard_bounced", "soft_bounced", "opened", "replied",
            "replies", "unsubscribed", "out_of_office", "skipped", "completed")


@dataclass(slots=True)
class OutreachEvent:
    """One thing that happened to one message or lead, at simulated time ``at``."""

    kind: str                    # sent | delivered | bounced | opened | replied | skipped | completed | accepted | expired
    campaign: str
    lead: str
    email: str
    step: int                    # 0-based index of the sequence step
    at: float
    message_id: str | None = None   # None on "opened", "skipped" (use engine.message_id(campaign, lead, step))
    sender: str | None = None
    pool: str | None = None
    bounce: str | None = None    # hard | soft
    reason: str | None = None
    reply: dict | None = None    # {"id", ...the stored reply document}


@dataclass(slots=True)
class Outcome:
    """What a recipient does with one message (delays in seconds after the send; None: it does not happen).

    A ``draw`` hook returns one (``sim.core.recipients.EmailOutcome`` has the same fields but ``accept_after``).
    ``accept_after`` only matters for invitation steps (``"invite": True``): when the invitation is accepted.
    """

    bounce: str | None = None
    bounce_reason: str | None = None
    bounce_after: float | None = None
    open_after: float | None = None
    reply_after: float | None = None
    reply_class: str | None = None
    accept_after: float | None = None


def normalize_email(email: str | None) -> str:
    return (email or "").strip().lower()

