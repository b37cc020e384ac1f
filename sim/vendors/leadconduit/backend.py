"""LeadConduit state and rules: flows and their settings, lead lookup and search, flow events, analytics,
conversions. The lead pipeline itself lives in ``pipeline.py``, the criteria language in ``criteria.py``.

Decisions where spec/leadconduit.md leaves a choice open (or marks one as [SIM]):

- **Keys.** A generated key is 32 lowercase hex characters (the real platform's API keys look like
  this). The default workspace also accepts the seed's placeholder ``YOUR_API_KEY``. ``Bearer`` is the
  documented scheme; HTTP Basic with the key as password (the real API's scheme) is accepted too.
- **Webhook signing key.** Lifecycle webhooks are signed with the API key that submitted the lead
  (kept on the lead, so a later ``lead.converted`` is signed with the same key), unless the workspace
  sets ``webhook_secret`` through ``PUT /_sim/workspaces/{id}/leadconduit/settings``.
- **Recipients.** The seeded ``recipient_789`` always answers 200 (so the seed's example always shows
  ``delivered``); latency is drawn per lead from the behaviour profile's ``leads.delivery_time_ms``.
  A recipient can be switched to ``4xx``, ``5xx``, a fixed ``latency_ms``, or ``profile`` (success with
  the profile's ``delivery_success_rate``, else a 500) through the sim controls. A lead with several
  recipients is ``delivered`` when at least one delivery succeeded, ``failed`` otherwise. A timed-out
  delivery reports ``duration_ms`` equal to the ``timeout`` budget and ``response_code`` null.
- **Event times.** Every event of one submission carries the workspace clock's current second (the
  clock is manual by default), so timestamps are equal or increasing, never decreasing.
- **Enhancements.** ``email_validation`` and ``phone_format`` run for every lead that has the field;
  the ``email_validator`` step only configures them (``check_deliverability``, ``require_valid``).
  ``check_deliverability: false`` treats every well-formed address as valid and deliverable, with no
  disposable-domain penalty. Phone numbers outside the US keep their ``+<country>`` form and report
  ``line_type: "unknown"``, ``carrier: null``; letters in a phone number (``ext``) make it invalid.
- **Criteria.** Strings ``"false"``, ``"0"``, ``"no"``, ``"off"`` are falsy when a bare operand is tested;
  two numeric strings compare as numbers. An empty criteria string is a 422 (the grammar needs an
  expression); ``null`` clears the criteria. Expressions are limited to 2000 characters and 50 levels of
  nesting. Positions in parse errors are 0-based character offsets.
- **Duplicates.** Test leads are still checked against earlier live leads (so a test submit of a live
  email is a 409) but never become duplicate candidates themselves.
- **Conversions.** Only a ``delivered`` lead can be converted, once (the sim control answers 409
  otherwise), which keeps ``conversion_rate = converted / delivered`` a true funnel ratio.
- **Analytics.** ``start_date`` after ``end_date`` is a 400. Without ``metric`` the elements are ordered
  by group key (dates chronologically); with it, by that metric descending, then by group key. With
  ``group_by`` and no matching leads, ``metrics`` is empty; without ``group_by`` there is always exactly
  one element. Whole-number values are integers everywhere (``25``, ``1``), as section 5.3 asks.
- **Search.** ``created_after``/``created_before`` also accept a plain date (midnight UTC). The
  ``source`` and ``campaign`` filters match exactly.
- **Events.** ``GET /flows/{id}/events`` also accepts ``event_type=accepted`` (recorded only when the
  ``accepted_event`` workspace setting is on) and ``converted``.
- **Bodies.** A POST/PUT body with a non-JSON ``Content-Type`` or unparseable JSON is 400
  ``invalid_json``; an empty body counts as ``{}`` (so a submit without a body reports ``lead`` as
  ``missing_required``). ``null`` for any optional field counts as absent. A string escaping an unpaired
  surrogate (``"\\ud800"``) is ``invalid_json`` too: it is no character and cannot be stored or sent.
- **Batch items.** A batch's ``options`` apply to every item (``test_mode``; the single-submit defaults
  for ``async`` and ``timeout``); an ``options`` member inside an item is ignored, not validated.
- **Query parameters.** Integers are ASCII digits (``limit=1.5`` or non-ASCII digits are ``invalid_format``,
  out of range ``invalid_value``); date bounds work up to ``9999-12-31``.
- **Settings.** ``volume_cap: null`` clears both limits; ``volume_cap`` is echoed as
  ``{"daily_limit", "hourly_limit"}`` once set, ``null`` before. ``notifications.webhook_url`` must be
  https, or http on loopback (the platform-wide webhook rule).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sim.core.clock import parse_iso
from sim.core.errors import Conflict, FieldError, Invalid, NotFound
from sim.core.webhooks import check_target
from sim.vendors.leadconduit.criteria import CriteriaError, parse
from sim.vendors.leadconduit.enhancements import cents, normalize_email, number
from sim.vendors.leadconduit.pipeline import ACCEPTED_STATUSES, EVENTS, LEADS, source_step
from sim.vendors.leadconduit.validation import FORMAT, from_schema, problem
from sim.vendors.leadconduit.webhooks import contact, notify

FLOWS = "flows"
LIFECYCLE = ("received", "accepted", "rejected", "delivered", "failed")
EVENT_TYPES = ("received", "enhanced", "accepted", "rejected", "delivered", "failed", "converted")
OUTCOMES = ("success", "failure", "error", "skip")
METRICS = ("total_leads", "accepted_leads", "delivered_leads", "acceptance_rate", "delivery_rate",
           "conversion_rate", "average_quality")
GROUP_BY = ("source", "campaign", "flow_id", "date")
FLOW_STATUSES = ("active", "paused")
SETTING_ORDER = ("settings.acceptance_criteria", "settings.quality_threshold", "settings.volume_cap",
                 "settings.volume_cap.daily_limit", "settings.volume_cap.hourly_limit", "settings.notifications",
                 "settings.notifications.email", "settings.notifications.webhook_url")


# --- flows -------------------------------------------------------------------------------------------

def seed(ctx, data: dict) -> None:
    """Fill a new workspace with the fixture's flows (``flow_789xyz``)."""
    flows = ctx.table(FLOWS)
    now = ctx.now_ts()
    for f in data.get("flows", []):
        flows.put(f["id"], {
            "name": f["name"], "status": f.get("status", "active"), "description": f.get("description", ""),
            "created_at": parse_iso(f["created_at"]).timestamp() if f.get("created_at") else now,
            "updated_at": parse_iso(f["updated_at"]).timestamp() if f.get("updated_at") else now,
            "steps": f.get("steps", []),
            "settings": {"quality_threshold": None, "volume_cap": None, "notifications": None, **f.get("settings", {})},
            "recipients": f.get("recipients", []), "pricing": f.get("pricing", {"amount": 0, "currency": "USD"})})


def get_flow(ctx, flow_id: str) -> dict:
    doc = ctx.table(FLOWS).get(flow_id)
    if doc is None:
        raise NotFound("Flow not found")
    return {"id": flow_id, **doc}


def require_active(flow: dict) -> None:
    if flow["status"] != "active":
        raise Conflict(f"Flow is {flow['status']} and does not accept leads", code="flow_inactive")


def list_flows(ctx) -> list[tuple[dict, dict]]:
    """Every flow (oldest first) with its live statistics."""
    totals: dict[str, list] = defaultdict(lambda: [0, 0, Decimal(0)])
    for lead in ctx.table(LEADS).all():
        if lead["test"]:
            continue
        t = totals[lead["flow_id"]]
        t[0] += 1
        t[1] += lead["status"] in ACCEPTED_STATUSES
        t[2] += Decimal(str(lead["quality_metrics"]["overall_score"]))
    out = []
    for doc in sorted(ctx.table(FLOWS).all(), key=lambda d: (d["created_at"], d.doc_id)):
        total, accepted, quality_sum = totals[doc.doc_id]
        stats = {"total_leads": total, "acceptance_rate": ratio(accepted, total),
                 "average_quality": number(cents(quality_sum / total)) if total else 0}
        out.append(({"id": doc.doc_id, **doc}, stats))
    return out


def ratio(part: int, whole: int) -> int | float:
    return number(cents(Decimal(part) / Decimal(whole))) if whole else 0


def update_settings(ctx, flow: dict, body: dict, schema_errors) -> dict:
    """PUT /flows/{id}/settings: merge per key (volume_cap per sub-key), null clears; 422 on bad values."""
    flow_id = flow["id"]
    settings = body.get("settings")
    if not isinstance(settings, dict):
        code = "missing_required" if settings is None else FORMAT
        raise Invalid("Request validation failed", status=400, fields=[problem("settings", code)])
    problems = from_schema(schema_errors("settings", body))
    problems += _semantic_problems(settings, {p.path for p in problems})
    if problems:
        problems.sort(key=lambda p: SETTING_ORDER.index(p.path) if p.path in SETTING_ORDER else len(SETTING_ORDER))
        raise Invalid("Request validation failed", status=422, fields=problems)

    stored = dict(flow["settings"])
    steps = [dict(s) for s in flow["steps"]]
    if "acceptance_criteria" in settings:
        source = next((s for s in steps if s.get("type") == "source"), None)
        if source is not None:
            source["settings"] = {**(source.get("settings") or {}), "acceptance_criteria": settings["acceptance_criteria"]}
    if "quality_threshold" in settings:
        value = settings["quality_threshold"]
        stored["quality_threshold"] = None if value is None else number(value)
    if "volume_cap" in settings:
        cap = settings["volume_cap"]
        if cap is None:
            stored["volume_cap"] = None
        else:
            merged = dict(stored.get("volume_cap") or {"daily_limit": None, "hourly_limit": None})
            for name in ("daily_limit", "hourly_limit"):
                if name in cap:
                    merged[name] = None if cap[name] is None else int(cap[name])
            stored["volume_cap"] = merged
    if "notifications" in settings:
        notes = settings["notifications"]
        stored["notifications"] = None if notes is None else {
            "email": normalize_email(notes["email"]) if notes.get("email") else None,
            "webhook_url": notes["webhook_url"].strip() if notes.get("webhook_url") else None}
    now = ctx.now_ts()
    doc = ctx.table(FLOWS).update(flow_id, {"settings": stored, "steps": steps, "updated_at": now})
    return {"id": flow_id, **doc}


def _semantic_problems(settings: dict, already: set[str]) -> list[FieldError]:
    out = []
    text = settings.get("acceptance_criteria")
    if isinstance(text, str) and "settings.acceptance_criteria" not in already:
        try:
            parse(text)
        except CriteriaError as err:
            out.append(problem("settings.acceptance_criteria", FORMAT, f"Acceptance criteria is invalid: {err}"))
    notes = settings.get("notifications")
    if isinstance(notes, dict):
        email = notes.get("email")
        if isinstance(email, str) and email.strip() and normalize_email(email) is None \
                and "settings.notifications.email" not in already:
            out.append(problem("settings.notifications.email", FORMAT))
        url = notes.get("webhook_url")
        if isinstance(url, str) and url.strip() and "settings.notifications.webhook_url" not in already:
            try:
                check_target(url, "Webhook URL")
            except Invalid as err:
                out.append(problem("settings.notifications.webhook_url", FORMAT, err.fields[0].message))
    return out


def criteria_of(flow: dict) -> str | None:
    return (source_step(flow).get("settings") or {}).get("acceptance_criteria")


# --- leads -------------------------------------------------------------------------------------------

def get_lead(ctx, lead_id: str) -> tuple[dict, list[tuple[str, dict]]]:
    doc = ctx.table(LEADS).get(lead_id)
    if doc is None:
        raise NotFound("Lead not found")
    return {"id": lead_id, **doc}, lead_events(ctx, doc)


def lead_events(ctx, lead: dict) -> list[tuple[str, dict]]:
    events = ctx.table(EVENTS)
    return [(eid, doc) for eid in lead["events"] if (doc := events.get(eid)) is not None]


def search_leads(ctx, *, flow_id: str | None = None, created_after: float | None = None,
                 created_before: float | None = None, status: str | None = None, source: str | None = None,
                 campaign: str | None = None) -> list[tuple[str, dict]]:
    """Matching leads, newest first (ties: id descending). Test leads are included."""
    rows = []
    for doc in ctx.table(LEADS).all():
        if flow_id is not None and doc["flow_id"] != flow_id:
            continue
        if status is not None and doc["status"] != status:
            continue
        if created_after is not None and doc["created_at"] < created_after:
            continue
        if created_before is not None and doc["created_at"] > created_before:
            continue
        data = doc["lead_data"]
        if source is not None and data.get("source") != source:
            continue
        if campaign is not None and data.get("campaign") != campaign:
            continue
        rows.append((doc.doc_id, doc))
    rows.sort(key=lambda r: (r[1]["created_at"], r[0]), reverse=True)
    return rows


def flow_events(ctx, flow: dict, *, event_type: str | None = None, start: float | None = None,
                end: float | None = None, outcome: str | None = None, lead_id: str | None = None
                ) -> list[tuple[str, dict]]:
    """A flow's events, newest first (ties: id descending)."""
    flow_id = flow["id"]
    rows = []
    for doc in ctx.table(EVENTS).all():
        if doc["flow_id"] != flow_id:
            continue
        if event_type is not None and doc["type"] != event_type:
            continue
        if outcome is not None and doc["outcome"] != outcome:
            continue
        if lead_id is not None and doc["lead_id"] != lead_id:
            continue
        if start is not None and doc["ts"] < start:
            continue
        if end is not None and doc["ts"] > end:
            continue
        rows.append((doc.doc_id, doc))
    rows.sort(key=lambda r: (r[1]["ts"], r[0]), reverse=True)
    return rows


def convert_lead(ctx, lead_id: str) -> tuple[dict, list[tuple[str, dict]]]:
    """Report a conversion: appends a ``converted`` event and fires ``lead.converted``."""
    leads = ctx.table(LEADS)
    lead = leads.get(lead_id)
    if lead is None:
        raise NotFound(f"Lead {lead_id} not found")
    if lead["status"] != "delivered":
        raise Conflict(f"only a delivered lead can be converted; lead {lead_id} is {lead['status']}")
    if lead.get("converted_at") is not None:
        raise Conflict(f"lead {lead_id} is already converted")
    flow = get_flow(ctx, lead["flow_id"])
    now = ctx.now_ts()
    event_id = ctx.ids.hex("event_", 12)
    ctx.table(EVENTS).put(event_id, {"flow_id": lead["flow_id"], "lead_id": lead_id, "type": "converted", "ts": now,
                                     "outcome": "success", "test": lead["test"]})
    doc = leads.update(lead_id, {"events": [*lead["events"], event_id], "converted_at": now, "updated_at": now})
    secret = ctx.settings.get("webhook_secret") or doc.get("signing_key") or ""
    notify(ctx, flow, lead_id, "lead.converted", ctx.iso(now),
           {"lead": contact(doc["lead_data"]), "quality_score": doc["quality_metrics"]["overall_score"]}, secret)
    return {"id": lead_id, **doc}, lead_events(ctx, doc)


# --- analytics ---------------------------------------------------------------------------------------

def funnel(total: int, accepted: int, delivered: int, converted: int, quality_sum: Decimal) -> dict:
    """The metrics of one group: counts and 2-decimal funnel ratios (0 when the denominator is 0)."""
    return {"total_leads": total, "accepted_leads": accepted, "delivered_leads": delivered,
            "acceptance_rate": ratio(accepted, total), "delivery_rate": ratio(delivered, accepted),
            "conversion_rate": ratio(converted, delivered),
            "average_quality": number(cents(quality_sum / total)) if total else 0}


def analytics(ctx, *, flow_id: str | None, metric: str | None, group_by: str | None, start: date, end: date
              ) -> list[dict]:
    if flow_id is not None:
        get_flow(ctx, flow_id)
    groups: dict[Any, list] = defaultdict(lambda: [0, 0, 0, 0, Decimal(0)])
    for lead in ctx.table(LEADS).all():
        if lead["test"] or (flow_id is not None and lead["flow_id"] != flow_id):
            continue
        day = datetime.fromtimestamp(lead["created_at"], UTC).date()
        if not start <= day <= end:
            continue
        if group_by is None:
            key = None
        elif group_by == "date":
            key = day.isoformat()
        elif group_by == "flow_id":
            key = lead["flow_id"]
        else:
            key = lead["lead_data"].get(group_by)
            key = key if isinstance(key, (str, int, float, bool)) or key is None else str(key)
        g = groups[key]
        g[0] += 1
        g[1] += lead["status"] in ACCEPTED_STATUSES
        g[2] += lead["status"] == "delivered"
        g[3] += lead.get("converted_at") is not None
        g[4] += Decimal(str(lead["quality_metrics"]["overall_score"]))
    if group_by is None:
        return [funnel(*groups[None])]
    rows = [{group_by: key, **funnel(*g)} for key, g in groups.items()]
    rows.sort(key=lambda r: (r[group_by] is None, str(r[group_by])))
    if metric is not None:
        rows.sort(key=lambda r: r[metric], reverse=True)
    return rows


# --- simulator controls --------------------------------------------------------------------------------

def set_flow_status(ctx, flow_id: str, status: Any) -> dict:
    get_flow(ctx, flow_id)
    if status not in FLOW_STATUSES:
        raise Invalid("status must be active or paused", fields=[FieldError("status", "value", "active or paused")])
    doc = ctx.table(FLOWS).update(flow_id, {"status": status, "updated_at": ctx.now_ts()})
    return {"id": flow_id, **doc}


RECIPIENT_MODES = {"ok": (200, 299), "4xx": (400, 499), "5xx": (500, 599), "profile": None}


def set_recipient_behaviour(ctx, flow_id: str, recipient_id: str, body: dict) -> dict:
    """How a simulated recipient answers: ``{"mode": ok|4xx|5xx|profile, "response_code"?, "latency_ms"?}``."""
    flow = get_flow(ctx, flow_id)
    recipients = [dict(r) for r in flow["recipients"]]
    target = next((r for r in recipients if r["id"] == recipient_id), None)
    if target is None:
        raise NotFound(f"recipient {recipient_id} not found in flow {flow_id}")
    mode = body.get("mode", "ok")
    problems = []
    if not isinstance(mode, str) or mode not in RECIPIENT_MODES:
        problems.append(FieldError("mode", "value", "mode must be one of ok, 4xx, 5xx, profile"))
    code = body.get("response_code")
    bounds = RECIPIENT_MODES.get(mode) if isinstance(mode, str) else None
    if code is not None and (not _is_int(code) or bounds is None or not bounds[0] <= code <= bounds[1]):
        problems.append(FieldError("response_code", "value", f"response_code must be an integer in the {mode} range"))
    latency = body.get("latency_ms")
    if latency is not None and (not _is_int(latency) or not 0 <= latency <= 600_000):
        problems.append(FieldError("latency_ms", "value", "latency_ms must be an integer from 0 to 600000, or null"))
    if problems:
        raise Invalid("invalid recipient behaviour", fields=problems)
    target["behaviour"] = {"mode": mode, "response_code": code, "latency_ms": latency}
    ctx.table(FLOWS).update(flow_id, {"recipients": recipients})
    return target


def create_flow(ctx, body: dict) -> dict:
    """A flow shaped like the seeded one: a source step, an email-validation step and one recipient."""
    problems = []
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(FieldError("name", "required", "name is required"))
    required = body.get("required_fields", ["email", "phone"])
    if not isinstance(required, list) or not all(isinstance(f, str) and f for f in required):
        problems.append(FieldError("required_fields", "type", "required_fields must be a list of field names"))
    criteria = body.get("acceptance_criteria")
    if criteria is not None:
        try:
            parse(criteria)
        except CriteriaError as err:
            problems.append(FieldError("acceptance_criteria", "format", str(err)))
    price = body.get("price", 0)
    if not isinstance(price, (int, float)) or isinstance(price, bool) or price < 0:
        problems.append(FieldError("price", "value", "price must be a non-negative number"))
    flags = {k: body.get(k, d) for k, d in (("check_deliverability", True), ("require_valid", False))}
    problems += [FieldError(k, "type", f"{k} must be a boolean") for k, v in flags.items() if not isinstance(v, bool)]
    flow_id = body.get("id")
    if flow_id is not None and (not isinstance(flow_id, str) or not flow_id.startswith("flow_") or len(flow_id) > 64):
        problems.append(FieldError("id", "value", "id must be a string starting with flow_"))
    if problems:
        raise Invalid("invalid flow", fields=problems)
    flows = ctx.table(FLOWS)
    flow_id = flow_id or ctx.ids.hex("flow_", 12)
    if flow_id in flows:
        raise Conflict(f"flow {flow_id} already exists")
    ids = ctx.ids
    now = ctx.now_ts()
    recipient_id = ids.hex("recipient_", 12)
    flows.put(flow_id, {
        "name": name.strip(), "status": "active", "description": str(body.get("description") or ""),
        "created_at": now, "updated_at": now,
        "steps": [{"id": ids.hex("step_", 12), "type": "source", "name": "Source", "position": 1,
                   "settings": {"required_fields": required, "acceptance_criteria": criteria}},
                  {"id": ids.hex("step_", 12), "type": "enhancement", "name": "Email Validation", "position": 2,
                   "service": "email_validator", "settings": flags}],
        "settings": {"quality_threshold": None, "volume_cap": None, "notifications": None},
        "recipients": [{"id": recipient_id, "name": "CRM Integration", "type": "http_post", "slug": "buyer_crm_system",
                        "behaviour": {"mode": "ok", "response_code": 200, "latency_ms": None}}],
        "pricing": {"amount": number(price), "currency": "USD"}})
    return get_flow(ctx, flow_id)


VENDOR_SETTINGS = {
    "rate_limit_hour": (1000, lambda v: _is_int(v) and v >= 1, "a positive integer"),
    "rate_limit_minute": (100, lambda v: _is_int(v) and v >= 1, "a positive integer"),
    "criteria_mode": ("lenient", lambda v: v in ("lenient", "strict"), "lenient or strict"),
    "duplicate_window_days": (30, lambda v: _is_int(v) and 0 <= v <= 3650, "an integer from 0 to 3650"),
    "accepted_event": (False, lambda v: isinstance(v, bool), "a boolean"),
    "webhook_secret": (None, lambda v: v is None or (isinstance(v, str) and v != ""), "a non-empty string or null"),
}


def vendor_settings(ctx) -> dict:
    conf = ctx.settings
    return {name: conf.get(name, default) for name, (default, _, _) in VENDOR_SETTINGS.items()}


def set_vendor_settings(ctx, body: dict) -> dict:
    """Per-workspace LeadConduit knobs: rate limits, criteria mode, duplicate window, accepted event, secret."""
    problems = [FieldError(name, "value", f"{name} must be {rule}") for name, (_, ok, rule) in VENDOR_SETTINGS.items()
                if name in body and not ok(body[name])]
    problems += [FieldError(name, "unknown", f"unknown setting {name}") for name in body if name not in VENDOR_SETTINGS]
    if problems:
        raise Invalid("invalid settings", fields=problems)
    for name, value in body.items():
        ctx.set_setting(name, value)
    return vendor_settings(ctx)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)

