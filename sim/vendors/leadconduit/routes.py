"""LeadConduit HTTP routes (spec section 2): parse the request, call the backend, serialize the result."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sim.core.clock import parse_iso
from sim.core.errors import BadRequest, Invalid
from sim.vendors.leadconduit import backend, pipeline, serializers
from sim.vendors.leadconduit.validation import FORMAT, VALUE, problem
from sim.web.pipeline import route, vendor_blueprint

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INT = re.compile(r"[+-]?[0-9]+")


def endpoint(bp, rule: str, methods: list[str] | None = None):
    """``route`` plus the ``X-Request-Id`` header that every LeadConduit response carries."""

    def decorator(fn):
        def view(call, **kw):
            call.extra_headers["X-Request-Id"] = call.request_id
            return fn(call, **kw)

        view.__name__ = fn.__name__
        route(bp, rule, methods=methods)(view)
        return fn

    return decorator


def json_body(call) -> dict:
    """The JSON object body; an empty body is ``{}``; a non-JSON Content-Type or bad JSON is ``invalid_json``."""
    req = call.request
    if req.get_data(cache=True).strip() and req.mimetype and not (
            req.mimetype == "application/json" or req.mimetype.endswith("+json")):
        raise BadRequest("Content-Type must be application/json", extra={"reason": "not_json"})
    return call.body(required=False)


class Query:
    """Query parameters with every problem collected into one 400 ``validation_failed``."""

    def __init__(self, args):
        self.args = args
        self.problems = []

    def text(self, name: str) -> str | None:
        value = self.args.get(name)
        return value if value not in (None, "") else None

    def integer(self, name: str, default: int, low: int, high: int | None = None) -> int:
        raw = self.text(name)
        if raw is None:
            return default
        rule = f"{name} must be an integer " + (f"between {low} and {high}" if high is not None else f"of at least {low}")
        text = raw.strip()
        if not _INT.fullmatch(text):  # ASCII digits only: int() would also take "1_000" or non-ASCII digits
            self.problems.append(problem(name, FORMAT, rule))
            return default
        if len(text) > 1000:  # beyond any real value, and int() refuses more than 4300 digits
            self.problems.append(problem(name, VALUE, rule))
            return default
        value = int(text)
        if value < low or (high is not None and value > high):
            self.problems.append(problem(name, VALUE, rule))
            return default
        return value

    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        value = self.text(name)
        if value is not None and value not in choices:
            self.problems.append(problem(name, VALUE, f"{name} must be one of {', '.join(choices)}"))
            return None
        return value

    def instant(self, name: str, end_of_day: bool = False) -> float | None:
        """A datetime, or a plain date meaning its first (or, with ``end_of_day``, last) second."""
        raw = self.text(name)
        if raw is None:
            return None
        try:
            if _DATE.fullmatch(raw.strip()):
                day = datetime.strptime(raw.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
                return day.timestamp() + 86400 - 1e-6 if end_of_day else day.timestamp()  # 9999-12-31 too
            return parse_iso(raw).timestamp()
        except (ValueError, OverflowError):
            self.problems.append(problem(name, FORMAT, f"{name} must be an ISO-8601 date or datetime"))
            return None

    def day(self, name: str) -> date | None:
        raw = self.text(name)
        if raw is None:
            return None
        try:
            if not _DATE.fullmatch(raw.strip()):
                raise ValueError(raw)
            return datetime.strptime(raw.strip(), "%Y-%m-%d").date()
        except ValueError:
            self.problems.append(problem(name, FORMAT, f"{name} must be a date in YYYY-MM-DD format"))
            return None

    def order(self, start_name: str, start, end) -> None:
        if start is not None and end is not None and start > end:
            self.problems.append(problem(start_name, VALUE, f"{start_name} must not be after end_date"))

    def done(self) -> None:
        if self.problems:
            raise Invalid("Request validation failed", status=400, fields=self.problems)


def blueprint():
    bp = vendor_blueprint("leadconduit")

    @endpoint(bp, "/flows/<flow_id>/leads", methods=["POST"])
    def submit_lead(call, flow_id):
        flow = backend.get_flow(call.ctx, flow_id)
        backend.require_active(flow)
        submitted = pipeline.submit(call.ctx, flow, json_body(call), call.validate, call.ctx.key)
        return 201, serializers.submitted(call.ctx, submitted)

    @endpoint(bp, "/flows/<flow_id>/leads/batch", methods=["POST"])
    def submit_lead_batch(call, flow_id):
        flow = backend.get_flow(call.ctx, flow_id)
        backend.require_active(flow)
        batch_id, results = pipeline.submit_batch(call.ctx, flow, json_body(call), call.validate, call.ctx.key)
        call.notes["duplicatesWithoutExternalId"] = sum(  # for the rehearsal report: the body may be cut in the journal
            1 for r in results if r.code == "duplicate_detected" and not r.external_id)
        return 207, serializers.batch(batch_id, results)

    @endpoint(bp, "/leads/<lead_id>")
    def get_lead(call, lead_id):
        lead, events = backend.get_lead(call.ctx, lead_id)
        return 200, serializers.lead_detail(call.ctx, lead, events)

    @endpoint(bp, "/leads")
    def search_leads(call):
        q = Query(call.args)
        filters = {"flow_id": q.text("flow_id"), "created_after": q.instant("created_after"),
                   "created_before": q.instant("created_before", end_of_day=True),
                   "status": q.choice("status", backend.LIFECYCLE), "source": q.text("source"),
                   "campaign": q.text("campaign")}
        limit = q.integer("limit", 100, 1, 1000)
        offset = q.integer("offset", 0, 0)
        q.done()
        rows = backend.search_leads(call.ctx, **filters)
        return 200, serializers.search_page(call.ctx, rows, limit, offset)

    @endpoint(bp, "/flows")
    def list_flows(call):
        return 200, {"flows": [serializers.flow_summary(call.ctx, f, s) for f, s in backend.list_flows(call.ctx)]}

    @endpoint(bp, "/flows/<flow_id>")
    def get_flow(call, flow_id):
        return 200, serializers.flow_detail(backend.get_flow(call.ctx, flow_id))

    @endpoint(bp, "/flows/<flow_id>/events")
    def flow_events(call, flow_id):
        flow = backend.get_flow(call.ctx, flow_id)
        q = Query(call.args)
        filters = {"event_type": q.choice("event_type", backend.EVENT_TYPES),
                   "start": q.instant("start_date"), "end": q.instant("end_date", end_of_day=True),
                   "outcome": q.choice("outcome", backend.OUTCOMES), "lead_id": q.text("lead_id")}
        q.order("start_date", filters["start"], filters["end"])
        limit = q.integer("limit", 100, 1, 1000)
        offset = q.integer("offset", 0, 0)
        q.done()
        rows = backend.flow_events(call.ctx, flow, **filters)
        return 200, serializers.events_page(call.ctx, rows, limit, offset)

    @endpoint(bp, "/analytics")
    def analytics(call):
        ctx = call.ctx
        q = Query(call.args)
        metric = q.choice("metric", backend.METRICS)
        group_by = q.choice("group_by", backend.GROUP_BY)
        start, end = q.day("start_date"), q.day("end_date")
        today = ctx.now().date()
        end = end or (today if start is None or start <= today else start)
        start = start or max(date.min + timedelta(days=29), end) - timedelta(days=29)
        q.order("start_date", start, end)
        q.done()
        rows = backend.analytics(ctx, flow_id=q.text("flow_id"), metric=metric, group_by=group_by, start=start, end=end)
        return 200, serializers.analytics(start.isoformat(), end.isoformat(), rows)

    @endpoint(bp, "/flows/<flow_id>/settings", methods=["PUT"])
    def update_flow_settings(call, flow_id):
        flow = backend.get_flow(call.ctx, flow_id)
        flow = backend.update_settings(call.ctx, flow, json_body(call), call.validate)
        return 200, serializers.flow_settings(call.ctx, flow)

    return bp
