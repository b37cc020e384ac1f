"""The lead pipeline (spec 4.1): validate, de-duplicate, create, enhance, score, accept or reject, deliver.

A ``FlowRun`` reads a flow once per request (criteria, caps, recipients, webhook target) and then
processes one lead (single submit) or many (batch) against it. Each lead is validated and
de-duplicated before anything is written, so a refused lead leaves no trace; an accepted lead's
record, events and webhooks are written in pipeline order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sim.core.errors import Conflict, FieldError, Invalid
from sim.vendors.leadconduit import criteria as criteria_lang
from sim.vendors.leadconduit.enhancements import (
    is_disposable,
    normalize_email,
    normalize_phone,
    present,
    quality,
    validate_email,
    validate_phone,
)
from sim.vendors.leadconduit.validation import DUPLICATE, FORMAT, MISSING, from_schema, problem
from sim.vendors.leadconduit.webhooks import contact, notify

SchemaErrors = Callable[[str, Any], list[FieldError]]

LEADS, EVENTS, CAPS = "leads", "events", "caps"
ACCEPTED_STATUSES = ("accepted", "delivered", "failed")
DEFAULT_TIMEOUT_MS = 30000
DEFAULT_DUPLICATE_WINDOW_DAYS = 30
FORMAT_CHECKED = ("email", "phone")
NORMALIZERS = {"email": normalize_email, "phone": normalize_phone}

REASON_EMAIL = "Email validation failed"
REASON_CRITERIA = "Acceptance criteria not met"
REASON_THRESHOLD = "Quality score below threshold"
REASON_CAP = "Cap reached"


@dataclass
class Item:
    """One validated lead submission, its fields already normalized."""

    lead_data: dict
    email: str | None
    phone: str | None
    external_id: str | None
    trusted_form_cert_url: str | None
    test_mode: bool
    async_: bool
    timeout: int


@dataclass
class SubmittedLead:
    lead_id: str
    lead: dict
    events: list[tuple[str, dict]]


def source_step(flow: dict) -> dict:
    return next((s for s in flow["steps"] if s.get("type") == "source"), {"settings": {}})


def email_step_settings(flow: dict) -> dict:
    step = next((s for s in flow["steps"] if s.get("type") == "enhancement" and s.get("service") == "email_validator"),
                None)
    settings = (step or {}).get("settings") or {}
    return {"check_deliverability": settings.get("check_deliverability", True) is not False,
            "require_valid": bool(settings.get("require_valid", False))}


def valid_tf_url(value: str) -> bool:
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value.strip()


class FlowRun:
    """One request's view of a flow; ``flush`` writes the volume-cap counters it advanced."""

    def __init__(self, ctx, flow: dict, signing_key: str | None):
        self.ctx = ctx
        self.flow = flow
        self.flow_id = flow["id"]
        source = source_step(flow)["settings"] or {}
        self.required = [f for f in source.get("required_fields") or [] if isinstance(f, str)]
        text = source.get("acceptance_criteria")
        self.criteria = criteria_lang.compiled(text) if isinstance(text, str) and text.strip() else None
        conf = ctx.settings
        self.strict = conf.get("criteria_mode") == "strict"
        self.accepted_event = bool(conf.get("accepted_event"))
        self.window = float(conf.get("duplicate_window_days", DEFAULT_DUPLICATE_WINDOW_DAYS)) * 86400
        self.secret = conf.get("webhook_secret") or signing_key or ""
        self.signing_key = signing_key
        email = email_step_settings(flow)
        self.check_deliverability = email["check_deliverability"]
        self.require_valid = email["require_valid"]
        settings = flow.get("settings") or {}
        self.threshold = settings.get("quality_threshold")
        cap = settings.get("volume_cap") or {}
        self.daily_limit = cap.get("daily_limit")
        self.hourly_limit = cap.get("hourly_limit")
        self.recipients = flow.get("recipients") or []
        self.pricing = flow.get("pricing") or {"amount": 0, "currency": "USD"}
        self.delivery_profile = ctx.profile.get("leads", {})
        self.now = ctx.now_ts()
        self.iso = ctx.iso(self.now)
        self.leads = ctx.table(LEADS)
        self.events = ctx.table(EVENTS)
        self.caps = ctx.table(CAPS)
        hour = int(self.now // 3600) * 3600
        self.cap_keys = {"hour": f"{self.flow_id}|hour|{hour}", "day": f"{self.flow_id}|day|{hour // 86400 * 86400}"}
        self.cap_counts = {k: (self.caps.get(key) or {}).get("count", 0) for k, key in self.cap_keys.items()}
        self.cap_dirty = False

    # --- validation ------------------------------------------------------------------------------
    def check(self, raw: Any, schema: str, schema_errors: SchemaErrors, batch_options: dict | None = None
              ) -> tuple[Item | None, list[FieldError]]:
        """The normalized item, or every problem with it: lead fields first (required fields in order,
        then email and phone formats), then the TrustedForm URL, then the envelope and options.

        A single submit carries its own ``options``; a batch item (``batch_options`` given) takes the
        batch's ``test_mode`` and the defaults, and an ``options`` member inside the item is ignored."""
        if not isinstance(raw, dict):
            return None, [problem("lead", MISSING)]
        envelope = from_schema(schema_errors(schema, raw), ranges=FORMAT)
        problems = []
        if any(p.path == "lead" for p in envelope):  # absent or not an object
            problems.append(problem("lead", MISSING))
        lead = raw.get("lead")
        if isinstance(lead, dict):
            problems += self.lead_problems(lead)
        tf_url = raw.get("trusted_form_cert_url")
        if isinstance(tf_url, str) and not valid_tf_url(tf_url):
            problems.append(problem("trusted_form_cert_url", FORMAT))
        problems += [p for p in envelope if p.path != "lead"]
        if problems:
            return None, problems
        options = (raw.get("options") or {}) if batch_options is None else batch_options
        data = dict(lead)
        email = normalize_email(lead["email"]) if present(lead.get("email")) else None
        phone = normalize_phone(lead["phone"]) if present(lead.get("phone")) else None
        if email is not None:
            data["email"] = email
        if phone is not None:
            data["phone"] = phone
        if isinstance(data.get("state"), str):
            data["state"] = data["state"].strip().upper()
        timeout = options.get("timeout")
        return Item(lead_data=data, email=email, phone=phone, external_id=raw.get("external_id"),
                    trusted_form_cert_url=tf_url.strip() if isinstance(tf_url, str) and tf_url.strip() else None,
                    test_mode=bool(options.get("test_mode")),
                    async_=bool(options.get("async")),
                    timeout=int(timeout) if timeout is not None else DEFAULT_TIMEOUT_MS), []

    def lead_problems(self, lead: dict) -> list[FieldError]:
        out, reported = [], set()
        for name in self.required:
            value = lead.get(name)
            if not present(value):
                out.append(problem(name, MISSING))
            elif name in NORMALIZERS and NORMALIZERS[name](value) is None:
                out.append(problem(name, FORMAT))
            else:
                continue
            reported.add(name)
        for name in FORMAT_CHECKED:
            value = lead.get(name)
            if name not in reported and present(value) and NORMALIZERS[name](value) is None:
                out.append(problem(name, FORMAT))
        return out

    def duplicate_of(self, item: Item) -> str | None:
        """The field that matches an earlier live lead of this flow inside the window, if any."""
        since = self.now - self.window
        keys = []
        if item.email:
            keys.append(("email", "dup_email", f"{self.flow_id}|{item.email}"))
        if item.external_id:
            keys.append(("external_id", "dup_external_id", f"{self.flow_id}|{item.external_id}"))
        for name, index, key in keys:
            doc = self.leads.get_by(index, key)
            if doc is not None and doc["created_at"] >= since:
                return name
        return None

    # --- processing --------------------------------------------------------------------------------
    def event(self, lead_id: str, kind: str, outcome: str, test: bool, **extra: Any) -> tuple[str, dict]:
        event_id = self.ctx.ids.hex("event_", 12)
        doc = {"flow_id": self.flow_id, "lead_id": lead_id, "type": kind, "ts": self.now, "outcome": outcome,
               "test": test, **extra}
        self.events.put(event_id, doc)
        return event_id, doc

    def notify(self, lead_id: str, event_type: str, data: dict) -> None:
        notify(self.ctx, self.flow, lead_id, event_type, self.iso, data, self.secret)

    def process(self, item: Item) -> SubmittedLead:
        """Create the lead and run it through the flow. Call only after ``check`` and ``duplicate_of``."""
        ctx = self.ctx
        lead_id = ctx.ids.hex("lead_", 12)
        test = item.test_mode
        person = contact(item.lead_data)
        events = [self.event(lead_id, "received", "success", test)]
        self.notify(lead_id, "lead.received", {"lead": person})

        enhancements: dict[str, dict] = {}
        names = []
        if item.email is not None:
            enhancements["email_validation"] = validate_email(item.email, self.check_deliverability)
            names.append("email_validation")
        if item.phone is not None:
            enhancements["phone_validation"] = validate_phone(item.phone)
            names.append("phone_format")
        events.append(self.event(lead_id, "enhanced", "success" if names else "skip", test, enhancements=names))
        email_result = enhancements.get("email_validation")
        disposable = item.email is not None and self.check_deliverability and is_disposable(item.email)
        metrics = quality(item.lead_data, email_result, enhancements.get("phone_validation"), disposable)
        score = metrics["overall_score"]

        reason = self.rejection(item, email_result, score)
        if reason is not None:
            status = "rejected"
            pricing = {"amount": 0, "currency": self.pricing.get("currency", "USD")}
            events.append(self.event(lead_id, "rejected", "failure", test, reason=reason))
            self.notify(lead_id, "lead.rejected", {"lead": person, "quality_score": score, "reason": reason})
        else:
            status = "accepted"
            pricing = {"amount": self.pricing.get("amount", 0), "currency": self.pricing.get("currency", "USD")}
            if self.accepted_event:
                events.append(self.event(lead_id, "accepted", "success", test))
            self.notify(lead_id, "lead.accepted", {"lead": person, "quality_score": score, "pricing": pricing})
            if not test:
                self.count_cap()
                status = self.deliver_all(lead_id, item, person, score, events) or status

        doc = {"flow_id": self.flow_id, "created_at": self.now, "updated_at": self.now, "status": status,
               "decision": "rejected" if reason else "accepted", "reason": reason, "lead_data": item.lead_data,
               "enhancements": enhancements, "quality_metrics": metrics, "pricing": pricing,
               "events": [e[0] for e in events], "test": test, "async": item.async_, "timeout": item.timeout,
               "external_id": item.external_id, "trusted_form_cert_url": item.trusted_form_cert_url,
               "signing_key": self.signing_key, "converted_at": None}
        if not test and status in ACCEPTED_STATUSES:
            if item.email:
                doc["dup_email"] = f"{self.flow_id}|{item.email}"
            if item.external_id:
                doc["dup_external_id"] = f"{self.flow_id}|{item.external_id}"
        self.leads.put(lead_id, doc)
        return SubmittedLead(lead_id, doc, events)

    def rejection(self, item: Item, email_result: dict | None, score: float) -> str | None:
        """The first acceptance check that fails: require_valid, criteria, threshold, caps."""
        if self.require_valid and email_result is not None and not email_result["deliverable"]:
            return REASON_EMAIL
        if self.criteria is not None and not self.criteria.passes(item.lead_data, self.strict):
            return REASON_CRITERIA
        if self.threshold is not None and score < self.threshold:
            return REASON_THRESHOLD
        if self.daily_limit is not None and self.cap_counts["day"] >= self.daily_limit:
            return REASON_CAP
        if self.hourly_limit is not None and self.cap_counts["hour"] >= self.hourly_limit:
            return REASON_CAP
        return None

    def count_cap(self) -> None:
        self.cap_counts["hour"] += 1
        self.cap_counts["day"] += 1
        self.cap_dirty = True

    def flush(self) -> None:
        if self.cap_dirty:
            for name, key in self.cap_keys.items():
                self.caps.put(key, {"flow_id": self.flow_id, "window": name, "count": self.cap_counts[name]})
            self.cap_dirty = False

    # --- delivery ----------------------------------------------------------------------------------
    def deliver_all(self, lead_id: str, item: Item, person: dict, score: float,
                    events: list[tuple[str, dict]]) -> str | None:
        """Deliver to every recipient; the lead is ``delivered`` if any delivery succeeded."""
        if not self.recipients:
            return None
        delivered = False
        for recipient in self.recipients:
            code, duration, outcome, reason = self.simulate(lead_id, recipient, item.timeout)
            ref = {k: recipient.get(k) for k in ("id", "name", "type", "slug")}
            pair = {"id": recipient.get("id"), "name": recipient.get("name")}
            if outcome == "success":
                delivered = True
                events.append(self.event(lead_id, "delivered", "success", False, recipient=ref,
                                         duration_ms=duration, response_code=code))
                self.notify(lead_id, "lead.delivered", {"lead": person, "recipient": pair, "quality_score": score,
                                                        "delivery_time_ms": duration})
            else:
                events.append(self.event(lead_id, "failed", outcome, False, recipient=ref, duration_ms=duration,
                                         response_code=code, reason=reason))
                self.notify(lead_id, "lead.failed", {"lead": person, "recipient": pair, "quality_score": score,
                                                     "delivery_time_ms": duration, "response_code": code,
                                                     "reason": reason})
        return "delivered" if delivered else "failed"

    def simulate(self, lead_id: str, recipient: dict, timeout: int) -> tuple[int | None, int, str, str | None]:
        """(response_code, duration_ms, outcome, reason) of one simulated delivery."""
        behaviour = recipient.get("behaviour") or {}
        rng = self.ctx.rng("delivery", lead_id, recipient.get("id"))
        low, high = self.delivery_profile.get("delivery_time_ms", [80, 900])
        latency = behaviour.get("latency_ms")
        if latency is None:
            latency = rng.randint(int(low), int(high))
        mode = behaviour.get("mode", "ok")
        code = behaviour.get("response_code")
        if mode == "profile":
            ok = rng.random() < float(self.delivery_profile.get("delivery_success_rate", 1.0))
            mode, code = ("ok", 200) if ok else ("5xx", 500)
        if latency > timeout:
            return None, timeout, "error", f"Recipient did not respond within {timeout} ms"
        if mode == "4xx":
            code = code or 400
            return code, latency, "failure", f"Recipient responded with HTTP {code}"
        if mode == "5xx":
            code = code or 500
            return code, latency, "error", f"Recipient responded with HTTP {code}"
        return code or 200, latency, "success", None


# --- the two submit operations --------------------------------------------------------------------------

def submit(ctx, flow: dict, body: dict, schema_errors: SchemaErrors, signing_key: str | None) -> SubmittedLead:
    """POST /flows/{id}/leads: 400 on invalid fields, 409 on a duplicate, otherwise the processed lead."""
    run = FlowRun(ctx, flow, signing_key)
    item, problems = run.check(body, "submit", schema_errors)
    if problems:
        raise Invalid("Lead validation failed", status=400, fields=problems)
    field = run.duplicate_of(item)
    if field is not None:
        raise Conflict("Lead matches existing record", code=DUPLICATE,
                       fields=[problem(field, DUPLICATE, f"A lead with this {field.replace('_', ' ')} was already "
                                                         "submitted to this flow")])
    submitted = run.process(item)
    run.flush()
    return submitted


@dataclass
class BatchResult:
    external_id: Any
    lead: SubmittedLead | None = None
    code: str | None = None
    message: str | None = None
    details: list[FieldError] | None = None


def submit_batch(ctx, flow: dict, body: dict, schema_errors: SchemaErrors, signing_key: str | None
                 ) -> tuple[str, list[BatchResult]]:
    """POST /flows/{id}/leads/batch: every item in input order, as a success or an item error."""
    problems = from_schema(schema_errors("batch", body))
    if problems:
        raise Invalid("Request validation failed", status=400, fields=problems)
    options = body.get("options") or {}
    continue_on_error = options.get("continue_on_error") is not False
    test_mode = bool(options.get("test_mode"))
    run = FlowRun(ctx, flow, signing_key)
    batch_id = ctx.ids.hex("batch_", 12)
    results: list[BatchResult] = []
    stopped = False
    for raw in body["leads"]:
        external_id = raw.get("external_id") if isinstance(raw, dict) and isinstance(raw.get("external_id"), str) else None
        if stopped:
            results.append(BatchResult(external_id, code="not_processed",
                                       message="Not processed because an earlier lead in the batch failed"))
            continue
        result = _batch_item(run, raw, schema_errors, test_mode, external_id)
        results.append(result)
        if result.code is not None and not continue_on_error:
            stopped = True
    run.flush()
    return batch_id, results


def _batch_item(run: FlowRun, raw: Any, schema_errors: SchemaErrors, test_mode: bool, external_id: Any) -> BatchResult:
    item, problems = run.check(raw, "batch_item", schema_errors, batch_options={"test_mode": test_mode})
    if problems:
        return BatchResult(external_id, code="validation_failed", message="Lead validation failed", details=problems)
    if run.duplicate_of(item) is not None:
        return BatchResult(external_id, code=DUPLICATE, message="Lead matches existing record")
    submitted = run.process(item)
    if submitted.lead["decision"] == "rejected":
        return BatchResult(external_id, submitted, code="lead_rejected", message=submitted.lead["reason"])
    return BatchResult(external_id, submitted)
