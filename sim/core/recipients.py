"""Simulated recipients: what happens to one outreach message, drawn from the workspace behaviour profile.

Every draw comes from a stream keyed by the caller (for example campaign, lead and step), so the same
seed gives the same outcomes whatever order messages are processed in. Reply text is Faker-written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from sim.core.errors import FieldError

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


_PROBABILITIES = {"hard_bounce", "soft_bounce", "open_of_delivered", "reply_of_delivered"}


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def profile_errors(override, base: dict, path: str = "") -> list[FieldError]:
    """Problems of a profile ``override`` merged over ``base``: a known key keeps its type and range.

    Rates (``*_rate`` and the email probabilities) lie in [0, 1]; other numbers are >= 0; ``[low, high]``
    bounds stay two ordered numbers; weight tables keep a positive total. Unknown keys are allowed.
    """
    out: list[FieldError] = []
    for key, value in override.items():
        where = f"{path}.{key}" if path else str(key)
        if key not in base:
            continue
        known = base[key]
        if isinstance(known, dict):
            if not isinstance(value, dict):
                out.append(FieldError(where, "type", f"{where} must be an object"))
            else:
                out.extend(profile_errors(value, known, where))
                if known and all(_number(v) for v in known.values()):
                    merged = {**known, **value}
                    if all(_number(v) for v in merged.values()) and sum(merged.values()) <= 0:
                        out.append(FieldError(where, "value", f"the weights in {where} must not all be zero"))
        elif isinstance(known, list):
            if (not isinstance(value, list) or len(value) != len(known) or not all(_number(v) and v >= 0 for v in value)
                    or value != sorted(value)):
                out.append(FieldError(where, "value", f"{where} must be [low, high] with 0 <= low <= high"))
        elif _number(known):
            rate = key in _PROBABILITIES or str(key).endswith("_rate")
            if not _number(value) or value < 0 or (rate and value > 1):
                out.append(FieldError(where, "value", f"{where} must be a number from 0 to 1" if rate
                                      else f"{where} must be a non-negative number"))
        elif isinstance(known, str) and not isinstance(value, str):
            out.append(FieldError(where, "type", f"{where} must be a string"))
    if path == "email" and isinstance(override, dict):
        merged = {**base, **override}
        bounces = (merged.get("hard_bounce"), merged.get("soft_bounce"))
        if all(_number(b) and 0 <= b <= 1 for b in bounces) and sum(bounces) > 1:
            out.append(FieldError("email", "value", "hard_bounce + soft_bounce must not exceed 1"))
    return out


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
    # A reply implies an open, so replies are drawn first and the remaining opens fill the open rate:
    # P(opened) = open_of_delivered and P(replied) = reply_of_delivered, as the profile states.
    replied = rng.random() < p["reply_of_delivered"]
    reply, open_ = p["reply_of_delivered"], p["open_of_delivered"]
    extra_open = (open_ - reply) / (1 - reply) if reply < 1 and open_ > reply else 0.0
    opened = rng.random() < extra_open
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
    """A short Faker-written reply of the given class, deterministic for ``key`` (dates follow the workspace clock)."""
    fake = ctx.fake("reply", *key)
    templates = _REPLIES.get(reply_class, _REPLIES["interested"])
    template = templates[fake.random_int(0, len(templates) - 1)]
    return template.format(
        sender=sender or fake.first_name(), sentence=fake.sentence(nb_words=10), day=fake.day_of_week(),
        company=company or fake.company(), colleague=fake.name(),
        date=(ctx.now() + timedelta(days=fake.random_int(3, 20))).strftime("%B %d"))
