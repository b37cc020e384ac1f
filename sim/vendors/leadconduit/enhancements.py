"""Lead enhancements and scoring: email validation, phone normalization to E.164, quality metrics (spec 4.3-4.4).

Pure functions of the submitted values, so a lead's enhancements and score depend on nothing else.
Every score is rounded decimal half-up to 2 places, and integral values are ints (``1``, not ``1.0``)
so they serialize canonically in responses and signed webhooks.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

DISPOSABLE_DOMAINS = frozenset({"mailinator.com", "guerrillamail.com", "10minutemail.com", "tempmail.com"})
UNDELIVERABLE_TLDS = (".invalid", ".test")
TOLL_FREE_AREAS = frozenset({"800", "844", "855", "866", "877", "888"})
CONTACT_FIELDS = ("first_name", "last_name", "address", "city", "state", "postal_code")

_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,63}")
_NON_DIGITS = re.compile(r"[^0-9]")
_LETTERS = re.compile(r"[^\W\d_]")
_CENT = Decimal("0.01")

EMAIL_VALID = {"status": "valid", "deliverable": True, "quality_score": 0.95}
EMAIL_UNDELIVERABLE = {"status": "invalid", "deliverable": False, "quality_score": 0.4}


def number(value: Decimal | float | int) -> int | float:
    """A JSON number in shortest form: integral values become ints."""
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    return int(d) if d == d.to_integral_value() else float(d)


def cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def present(value: Any) -> bool:
    """A lead field counts as given unless it is absent, null or blank."""
    return value is not None and not (isinstance(value, str) and not value.strip())


# --- email -------------------------------------------------------------------------------------------

def normalize_email(value: Any) -> str | None:
    """Trimmed and lowercased, or None when it does not look like ``local@domain.tld``."""
    if not isinstance(value, str):
        return None
    email = value.strip().lower()
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        return None
    return email


def is_disposable(email: str) -> bool:
    domain = email.rsplit("@", 1)[1]
    return any(domain == d or domain.endswith("." + d) for d in DISPOSABLE_DOMAINS)


def validate_email(email: str, check_deliverability: bool = True) -> dict:
    """The ``email_validation`` enhancement of a normalized address."""
    if not check_deliverability:
        return dict(EMAIL_VALID)
    domain = email.rsplit("@", 1)[1]
    if domain.endswith(UNDELIVERABLE_TLDS) or is_disposable(email):
        return dict(EMAIL_UNDELIVERABLE)
    return dict(EMAIL_VALID)


# --- phone -------------------------------------------------------------------------------------------

def normalize_phone(value: Any) -> str | None:
    """E.164: 10 digits (or 11 with a leading 1) are US numbers; ``+<country><digits>`` stays as given.

    Any punctuation is accepted and stripped; letters (``ext``) are not.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 40 or _LETTERS.search(text) or text.count("+") > 1:
        return None
    digits = _NON_DIGITS.sub("", text)
    if text.startswith("+"):
        if digits.startswith("1") and len(digits) != 11:
            return None
        return "+" + digits if 8 <= len(digits) <= 15 and not digits.startswith("0") else None
    if "+" in text:
        return None
    if len(digits) == 10:
        return "+1" + digits
    if len(digits) == 11 and digits.startswith("1"):
        return "+" + digits
    return None


def validate_phone(e164: str) -> dict:
    """The ``phone_validation`` enhancement: US numbers are mobile on Verizon unless toll-free."""
    if e164.startswith("+1") and len(e164) == 12:
        if e164[2:5] in TOLL_FREE_AREAS:
            return {"status": "valid", "line_type": "landline", "carrier": "Verizon"}
        return {"status": "valid", "line_type": "mobile", "carrier": "Verizon"}
    return {"status": "valid", "line_type": "unknown", "carrier": None}


# --- quality -----------------------------------------------------------------------------------------

def quality(lead_data: dict, email_result: dict | None, phone_result: dict | None,
            disposable: bool = False) -> dict:
    """``quality_metrics`` for a lead (spec 4.3)."""
    contact = sum(1 for f in CONTACT_FIELDS if present(lead_data.get(f)))
    email_state = None if email_result is None else bool(email_result["deliverable"])
    return dict(_quality(email_state, phone_result is not None, contact, disposable))


@lru_cache(maxsize=128)
def _quality(email_state: bool | None, phone: bool, contact: int, disposable: bool) -> dict:
    core = (email_state is not None) + phone
    completeness = cents(Decimal("0.7") * core / 2 + Decimal("0.3") * contact / 6)
    parts = []
    if email_state is not None:
        parts.append(Decimal("0.95") if email_state else Decimal("0.40"))
    if phone:
        parts.append(Decimal("0.81"))
    accuracy = cents(sum(parts) / len(parts)) if parts else Decimal("0.50")
    risk = Decimal("0.05")
    if disposable:
        risk += Decimal("0.30")
    if email_state is False:
        risk += Decimal("0.20")
    risk = cents(min(risk, Decimal("0.95")))
    overall = cents((completeness + accuracy) / 2 * (1 - risk))
    return {"overall_score": number(overall), "completeness": number(completeness),
            "accuracy": number(accuracy), "fraud_risk": number(risk)}
