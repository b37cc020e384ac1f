"""Simulated recipients: what happens to one outreach message, drawn from the workspace behaviour profile.

Every draw comes from a stream keyed by the caller (for example campaign, lead and step), so the same
seed gives the same outcomes whatever order messages are processed in. Reply text is Faker-written.
"""

from __future__ import annotations

from dataclasses import dataclass

HARD_BOUNCE_REASONS = (
    "550 5.1.1 The email account that you tried to reach does not exist",
    "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
    "553 5.1.3 The recipient address is not a valid RFC-5321 address",
    "550 5.7.1 Recipient domain has no MX record",
)
SOFT_BOUNCE_REASONS = (
    "452 4.2.2 The email account that you tried to reach is over quota",
    "421 4.7.0 Temporary System Problem. Try again later",
    "451 4.3.0 Mail server temporarily rejected message",
)


@dataclass(frozen=True)
class EmailOutcome:
    """The fate of one message. Delays are seconds after the send; None means it does not happen."""

    bounce: str | None            # "hard" | "soft" | None (delivered)
    bounce_reason: str | None
    bounce_after: float | None
    open_after: float | None
    reply_after: float | None
    reply_class: str | None       # a key of profile["email"]["reply_classes"]

    @property
    def delivered(self) -> bool:
        return self.bounce is None


def _between(rng, bounds, scale: float) -> float:
    low, high = bounds
    return round(rng.uniform(low, high) * scale, 3)


def _pick(rng, weights: dict[str, float]) -> str:
    total = sum(weights.values())
    x = rng.random() * total
    for name, w in weights.items():
        x -= w
        if x < 0:
            return name
    return next(reversed(weights))


def draw_email(ctx, *key) -> EmailOutcome:
    """Draw the outcome of one email from ``ctx.profile["email"]`` (rates are per delivered message)."""
    p = ctx.profile["email"]
    rng = ctx.rng("email", *key)
    x = rng.random()
    if x < p["hard_bounce"]:
        return EmailOutcome("hard", rng.choice(HARD_BOUNCE_REASONS), _between(rng, p["bounce_delay_minutes"], 60),
                            None, None, None)
    if x < p["hard_bounce"] + p["soft_bounce"]:
        return EmailOutcome("soft", rng.choice(SOFT_BOUNCE_REASONS), _between(rng, p["bounce_delay_minutes"], 60),
                            None, None, None)
    opened = rng.random() < p["open_of_delivered"]
    replied = rng.random() < p["reply_of_delivered"]
    open_after = _between(rng, p["open_delay_hours"], 3600) if opened or replied else None
    reply_after = None
    reply_class = None
    if replied:
        reply_after = max(open_after or 0, 0) + _between(rng, p["reply_delay_hours"], 3600)
        reply_class = _pick(rng, p["reply_classes"])
    return EmailOutcome(None, None, None, open_after, reply_after, reply_class)


_REPLIES = {
    "interested": (
        "Hi {sender}, thanks for reaching out. {sentence} Could we find 20 minutes next week? {day} works for me.",
        "This is timely: we are looking at exactly this for {company}. {sentence} Send me a few slots?",
        "Happy to chat. {sentence} Loop in {colleague} from my team as well.",
    ),
    "not_interested": (
        "Thanks, but we are not looking at this right now. {sentence}",
        "Not a fit for {company} at the moment. Please take me off this sequence.",
        "We already have a solution in place for this. {sentence}",
    ),
    "out_of_office": (
        "I am out of the office until {date} with limited access to email. For anything urgent contact {colleague}.",
        "Automatic reply: I'm away until {date}. {sentence}",
    ),
    "unsubscribe": (
        "Please unsubscribe me from these emails.",
        "Remove me from your list. {sentence}",
        "Stop emailing me.",
    ),
    "referral": (
        "I'm not the right person for this, but {colleague} owns it at {company}. {sentence}",
    ),
    "bounce": (
        "Delivery has failed to these recipients or groups: the mailbox is unavailable.",
    ),
}


def reply_text(ctx, reply_class: str, *key, company: str | None = None, sender: str | None = None) -> str:
    """A short Faker-written reply of the given class, deterministic for ``key``."""
    fake = ctx.fake("reply", *key)
    templates = _REPLIES.get(reply_class, _REPLIES["interested"])
    template = templates[fake.random_int(0, len(templates) - 1)]
    return template.format(
        sender=sender or fake.first_name(), sentence=fake.sentence(nb_words=10), day=fake.day_of_week(),
        company=company or fake.company(), colleague=fake.name(),
        date=fake.date_between(start_date="+3d", end_date="+20d").strftime("%B %d"))
