"""Leadterra HTTP routes: parse and validate the request, call the backend, shape the response."""

from __future__ import annotations

import math

from werkzeug.exceptions import NotFound as NoRoute

from sim.core.errors import BadRequest, Invalid
from sim.core.pagination import int_param
from sim.vendors.leadterra import serializers as ser
from sim.vendors.leadterra.backend import CLASSIFICATIONS, Leadterra, invalid_request
from sim.vendors.leadterra.sdr import CATEGORIES, ORDER_BY, THREAD_STATUSES, SDRDesk
from sim.web.pipeline import route, vendor_blueprint

# Operations the docs hint at but never document (spec §2d: listing campaigns, listing/updating/deleting webhooks,
# reading or removing suppressed addresses) answer 404 like any unknown route, not 405.
UNDOCUMENTED = {"/campaigns": ["GET", "PUT", "PATCH", "DELETE"], "/webhooks": ["GET", "PUT", "PATCH", "DELETE"],
                "/suppression-list": ["GET", "PUT", "PATCH", "DELETE"]}


def _backend(call) -> Leadterra:
    lt = Leadterra(call.ctx)
    lt.check_workspace()
    return lt


def _validated(call, schema: str, body) -> dict:
    """400 ``invalid_request`` naming every problem when ``body`` breaks ``schemas/leadterra/<schema>.json``."""
    problems = call.validate(schema, body)
    if problems:
        first = problems[0]
        message = f"{first.path} is required" if first.kind == "required" else f"Invalid {first.path}: {first.message}"
        raise BadRequest(message, code="invalid_request", fields=problems)
    return body


def _query_int(call, name: str, default: int, minimum: int, maximum: int | None = None, clamp: bool = False) -> int:
    return int_param(call.args.get(name), name, default, minimum=minimum, maximum=maximum, clamp=clamp,
                     error=lambda msg, **kw: BadRequest(msg, code="invalid_request"))


def _query_bool(call, name: str) -> bool | None:
    value = call.args.get(name)
    if value is None or value == "":
        return None
    if value.lower() not in ("true", "false"):
        raise invalid_request(f"{name} must be \"true\" or \"false\"", name)
    return value.lower() == "true"


def _undocumented(**_path):
    raise NoRoute()  # rendered by the app as the vendor's 404 for an unknown route


def blueprint():
    bp = vendor_blueprint("leadterra")
    for rule, methods in UNDOCUMENTED.items():
        bp.add_url_rule(rule, endpoint="undocumented" + rule.replace("/", "_").replace("-", "_"),
                        view_func=_undocumented, methods=methods)

    # --- core outbound API ------------------------------------------------------------------------------
    @route(bp, "/sender-pools")
    def list_sender_pools(call):
        lt = _backend(call)
        return 200, ser.pools_body(lt.sender_pools(), lt.setting("poolsEnvelope"))

    @route(bp, "/sender-accounts")
    def list_sender_accounts(call):
        lt = _backend(call)
        return 200, ser.accounts_body(lt.sender_accounts(), lt.setting("accountsEnvelope"))

    @route(bp, "/campaigns", methods=["POST"])
    def create_campaign(call):
        lt = _backend(call)
        body = _validated(call, "create_campaign", call.body())
        camp = lt.create_campaign(body["name"], body.get("sequenceSteps") or [])
        status = 200 if str(lt.setting("createCampaignStatus")) == "200" else 201
        return status, {"campaign": ser.campaign_json(call.ctx, camp)}

    @route(bp, "/campaigns/<cid>/leads/bulk", methods=["POST"])
    def bulk_leads(call, cid):
        lt = _backend(call)
        body = call.body()
        lt.campaign(cid)
        leads = lt.check_leads_envelope(body)
        schemas = call.sim.schemas
        if not schemas.valid("leadterra", "bulk_leads", body):
            problems = []
            for i, lead in enumerate(leads):
                if not schemas.valid("leadterra", "lead", lead):
                    for f in call.validate("lead", lead):
                        f.index = i
                        if f.path == "email" and f.kind == "format":
                            f.message = f"{lead['email']!r} is not a valid email address"
                        problems.append(f)
            if problems:
                raise Invalid(f"{len({f.index for f in problems})} lead(s) failed validation", code="validation_failed",
                              fields=problems)
            _validated(call, "bulk_leads", body)
        call.notes["remainingToday"] = sum(p["remaining"] for p in lt.sender_pools())  # for the rehearsal report
        return 200, lt.enroll_leads(cid, leads)

    @route(bp, "/campaigns/<cid>/start", methods=["POST"])
    def start_campaign(call, cid):
        lt = _backend(call)
        return 200, ser.started_json(call.ctx, lt.start(cid))

    @route(bp, "/campaigns/<cid>/pause", methods=["POST"])
    def pause_campaign(call, cid):
        lt = _backend(call)
        return 200, ser.paused_json(call.ctx, lt.pause(cid))

    @route(bp, "/campaigns/<cid>/stats")
    def campaign_stats(call, cid):
        lt = _backend(call)
        return 200, ser.stats_json(lt.stats(cid))

    @route(bp, "/replies")
    def list_replies(call):
        lt = _backend(call)
        campaign_id = call.args.get("campaignId") or None
        classification = call.args.get("classification") or None
        if classification is not None and classification not in CLASSIFICATIONS + ("referral",):
            raise invalid_request(f"classification must be one of {', '.join(CLASSIFICATIONS)}", "classification")
        page = _query_int(call, "page", 1, 1)
        per_page = _query_int(call, "perPage", 50, 1, 100)
        docs = lt.replies(campaign_id, classification)
        start = (page - 1) * per_page
        return 200, ser.replies_body(lt.engine, docs[start:start + per_page], len(docs), page, per_page,
                                     lt.setting("repliesEnvelope"))

    @route(bp, "/suppression-list", methods=["POST"])
    def add_to_suppression_list(call):
        lt = _backend(call)
        return 200, ser.suppression_json(lt.suppress(_validated(call, "suppression_list", call.body())))

    @route(bp, "/webhooks", methods=["POST"])
    def register_webhook(call):
        lt = _backend(call)
        sub = lt.register_webhook(_validated(call, "webhooks", call.body()))
        return 201, ser.webhook_json(call.ctx, sub)

    # --- SDR hand-off API -------------------------------------------------------------------------------
    @route(bp, "/sdrs")
    def list_sdrs(call):
        desk = SDRDesk(_backend(call))
        return 200, {"data": [ser.sdr_json(s) for s in desk.list_sdrs()]}

    @route(bp, "/replies/<reply_id>/assign", methods=["POST"])
    def assign_reply(call, reply_id):
        desk = SDRDesk(_backend(call))
        body = _validated(call, "assign_reply", call.body())
        return 200, {"data": desk.assign(reply_id, body)}

    @route(bp, "/sdr/inbox")
    def sdr_inbox(call):
        desk = SDRDesk(_backend(call))
        statuses = [s.strip() for v in call.args.getlist("status") for s in v.split(",") if s.strip()]
        bad = [s for s in statuses if s not in THREAD_STATUSES]
        if bad:
            raise invalid_request(f"Unknown status {bad[0]!r}; use {', '.join(THREAD_STATUSES)}", "status")
        category = call.args.get("category") or None
        if category is not None and category not in CATEGORIES:
            raise invalid_request("category must be A, B or C", "category")
        order_by = call.args.get("orderBy") or "priority"
        if order_by not in ORDER_BY:
            raise invalid_request(f"orderBy must be one of {', '.join(ORDER_BY)}", "orderBy")
        limit = _query_int(call, "limit", 50, 1, 100, clamp=True)
        offset = _query_int(call, "offset", 0, 0)
        threads, total, more = desk.inbox(statuses, category, call.args.get("search") or None,
                                          _query_bool(call, "snoozed"), limit, offset, order_by)
        return 200, {"data": {"threads": [ser.thread_json(desk, t) for t in threads], "total": total, "hasMore": more}}

    @route(bp, "/sdr/followups/due")
    def due_followups(call):
        desk = SDRDesk(_backend(call))
        limit = _query_int(call, "limit", 50, 1, 200, clamp=True)
        docs = desk.due_followups(limit, bool(_query_bool(call, "includeUpcoming")))
        return 200, {"data": [ser.followup_json(desk, f) for f in docs]}

    @route(bp, "/sdr/followups/<fid>/complete", methods=["POST"])
    def complete_followup(call, fid):
        desk = SDRDesk(_backend(call))
        return 200, {"data": ser.followup_json(desk, desk.complete_followup(fid))}

    @route(bp, "/sdr/followups/<fid>/skip", methods=["POST"])
    def skip_followup(call, fid):
        desk = SDRDesk(_backend(call))
        body = _validated(call, "followup_skip", call.body(required=False))
        return 200, {"data": ser.followup_json(desk, desk.skip_followup(fid, body.get("reason")))}

    @route(bp, "/sdr/followups/<fid>/reschedule", methods=["POST"])
    def reschedule_followup(call, fid):
        desk = SDRDesk(_backend(call))
        body = _validated(call, "followup_reschedule", call.body())
        return 200, {"data": ser.followup_json(desk, desk.reschedule_followup(fid, body["dueAt"]))}

    @route(bp, "/sdr/threads/<thread_id>/followup/schedule", methods=["POST"])
    def schedule_followup(call, thread_id):
        desk = SDRDesk(_backend(call))
        body = _validated(call, "followup_schedule", call.body(required=False))
        return 200, {"data": ser.followup_json(desk, desk.schedule_followup(thread_id, body.get("dueAt")))}

    @route(bp, "/sdr/drafts/generate", methods=["POST"])
    def generate_drafts(call):
        desk = SDRDesk(_backend(call))
        body = _validated(call, "drafts_generate", call.body())
        wanted = body.get("variantCount", 1)
        count = 1 if isinstance(wanted, float) and not math.isfinite(wanted) else max(1, min(3, int(wanted)))
        return 200, {"data": desk.generate_drafts(body["threadId"], body.get("instructions"), count)}

    @route(bp, "/sdr/drafts/<draft_id>/send", methods=["POST"])
    def send_draft(call, draft_id):
        desk = SDRDesk(_backend(call))
        body = _validated(call, "drafts_send", call.body(required=False))
        return 200, {"data": desk.send_draft(draft_id, body)}

    @route(bp, "/sdr/gmail/status")
    def gmail_status(call):
        desk = SDRDesk(_backend(call))
        return 200, {"data": desk.gmail_status()}

    return bp
