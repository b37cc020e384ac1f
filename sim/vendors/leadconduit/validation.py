"""Request validation vocabulary: field labels, detail codes and messages of LeadConduit's 400/422 details.

Messages follow the seed (``Email format is invalid``, ``Phone number is required``): ``<Label> is
required`` for ``missing_required``, ``<Label> format is invalid`` for ``invalid_format``, and a stated
rule (``Quality threshold must be a number between 0 and 1``) where the field has a range.
"""

from __future__ import annotations

from sim.core.errors import FieldError

MISSING = "missing_required"
FORMAT = "invalid_format"
VALUE = "invalid_value"
DUPLICATE = "duplicate_detected"

LABELS = {
    "email": "Email", "phone": "Phone number", "first_name": "First name", "last_name": "Last name",
    "postal_code": "Postal code", "lead": "Lead", "leads": "Leads", "external_id": "External ID",
    "trusted_form_cert_url": "TrustedForm certificate URL", "options": "Options", "options.test_mode": "Test mode",
    "options.async": "Async", "options.timeout": "Timeout", "options.continue_on_error": "Continue on error",
    "options.max_concurrent": "Max concurrent", "settings": "Settings",
    "settings.acceptance_criteria": "Acceptance criteria", "settings.quality_threshold": "Quality threshold",
    "settings.volume_cap": "Volume cap", "settings.volume_cap.daily_limit": "Daily limit",
    "settings.volume_cap.hourly_limit": "Hourly limit", "settings.notifications": "Notifications",
    "settings.notifications.email": "Notification email", "settings.notifications.webhook_url": "Webhook URL",
    "created_after": "Created after", "created_before": "Created before", "start_date": "Start date",
    "end_date": "End date", "event_type": "Event type", "group_by": "Group by",
}
RULES = {
    "options.timeout": "must be an integer number of milliseconds between 1 and 120000",
    "options.max_concurrent": "must be an integer between 1 and 100",
    "leads": "must contain between 1 and 1000 leads",
    "settings.quality_threshold": "must be a number between 0 and 1",
    "settings.volume_cap.daily_limit": "must be a positive integer",
    "settings.volume_cap.hourly_limit": "must be a positive integer",
}


def label(path: str) -> str:
    if path in LABELS:
        return LABELS[path]
    name = path.rsplit(".", 1)[-1]
    return name.replace("_", " ").capitalize()


def problem(path: str, code: str, message: str | None = None) -> FieldError:
    """One detail ``{field, code, message}`` as a FieldError whose kind is the LeadConduit code."""
    if message is None:
        if code == MISSING:
            message = f"{label(path)} is required"
        elif path in RULES:
            message = f"{label(path)} {RULES[path]}"
        elif code == FORMAT:
            message = f"{label(path)} format is invalid"
        else:
            message = f"{label(path)} is invalid"
    return FieldError(path, code, message)


def from_schema(errors: list[FieldError], *, ranges: str = VALUE) -> list[FieldError]:
    """JSON Schema problems as details, one per field: a missing field is ``missing_required``, a wrong
    type ``invalid_format``, an out-of-range value ``ranges`` (``invalid_value`` unless told)."""
    out, seen = [], set()
    for err in errors:
        if err.path in seen:
            continue
        seen.add(err.path)
        code = MISSING if err.kind == "required" else ranges if err.kind == "value" else FORMAT
        out.append(problem(err.path, code))
    return out
