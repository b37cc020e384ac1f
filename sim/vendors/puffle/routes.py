"""Puffle HTTP routes (mounted at /puffle/api or /api): parse, validate with schemas/puffle, call the backend."""

from __future__ import annotations

from sim.core.errors import BadRequest, Invalid, NotFound, Unauthorized
from sim.core.pagination import int_param, paginate
from sim.vendors.puffle import account as acct
from sim.vendors.puffle import ai, billing, campaigns, inbox, launch, senders
from sim.vendors.puffle import backend as b
from sim.vendors.puffle import serializers as s
from sim.web.pipeline import route, vendor_blueprint

MAX_MESSAGE = 200  # a problem quoting a whole oversized value (1,001 leads) is cut to its tail
SIZE_WORDS = (" is too long", " is too short", " should be non-empty", " has non-unique elements")


PY_LITERALS = {"None ": "null ", "True ": "true ", "False ": "false "}


def _short(message: str) -> str:
    for py, js in PY_LITERALS.items():  # jsonschema quotes the value in Python; the client sent JSON
        if message.startswith(py):
            message = js + message[len(py):]
    if len(message) <= MAX_MESSAGE:
        return message
    for words in SIZE_WORDS:
        if message.endswith(words):
            return "value" + words
    return message[:MAX_MESSAGE - 3] + "..."


def valid(call, schema: str, required: bool = True) -> dict:
    body = call.body(required=required)
    problems = call.validate(schema, body)
    if problems:
        for p in problems:
            p.message = _short(p.message)
        first = problems[0]
        raise Invalid(f"{first.path}: {first.message}" if first.path != "body" else first.message, fields=problems)
    return body


def page_args(call, default: int, maximum: int) -> tuple[int, int]:
    page = int_param(call.args.get("page"), "page", 1, minimum=1, maximum=10**9)
    limit = int_param(call.args.get("limit"), "limit", default, minimum=1, maximum=maximum)
    return page, limit


def campaign_body(ctx, camp: dict) -> dict:
    return {"campaign": s.campaign(ctx, camp)}


def blueprint():
    bp = vendor_blueprint("puffle")

    # --- campaigns ------------------------------------------------------------------------------------------
    @route(bp, "/campaigns")
    def list_campaigns(call):
        ctx = call.ctx
        return 200, {"campaigns": [s.campaign(ctx, c, node_count=True) for c in campaigns.list_campaigns(ctx)]}

    @route(bp, "/campaigns", methods=["POST"])
    def create_campaign(call):
        body = valid(call, "campaign_create")
        doc = campaigns.create_campaign(call.ctx, body)
        return 201, {"campaign": s.campaign(call.ctx, doc, nodes=True)}

    @route(bp, "/campaigns/settings")
    def campaign_settings(call):
        return 200, {"accounts": senders.campaign_accounts(call.ctx), "schedules": [], "weekly_stats": []}

    @route(bp, "/campaigns/<cid>")
    def get_campaign(call, cid):
        ctx = call.ctx
        camp = b.campaign(ctx, cid)
        nodes = b.ordered_nodes(ctx, camp["id"])
        by_node: dict[str, dict[str, int]] = {}
        for p in b.prospects(ctx, camp["id"]):
            bucket = "__none__" if p["status"] in b.TERMINAL or p["status"] == "pending" or not p.get("current_node_id") \
                else p["current_node_id"]
            counts = by_node.setdefault(bucket, {})
            counts[p["status"]] = counts.get(p["status"], 0) + 1
        return 200, {"campaign": s.campaign(ctx, camp), "sequence_nodes": [s.node(ctx, n) for n in nodes],
                     "prospects_by_status": b.by_status(camp.get("counts") or {}), "prospects_by_node": by_node}

    @route(bp, "/campaigns/<cid>", methods=["PATCH"])
    def update_campaign(call, cid):
        camp = b.campaign(call.ctx, cid)
        body = valid(call, "campaign_update")
        return 200, campaign_body(call.ctx, campaigns.update_campaign(call.ctx, camp, body))

    @route(bp, "/campaigns/<cid>", methods=["DELETE"])
    def delete_campaign(call, cid):
        campaigns.delete_campaign(call.ctx, b.campaign(call.ctx, cid))
        return 200, {"success": True}

    @route(bp, "/campaigns/<cid>/validate")
    def validate_campaign(call, cid):
        return 200, campaigns.validate(call.ctx, b.campaign(call.ctx, cid))

    @route(bp, "/campaigns/<cid>/launch", methods=["POST"])
    def launch_campaign(call, cid):
        return 200, launch.launch(call.ctx, b.campaign(call.ctx, cid))

    @route(bp, "/campaigns/<cid>/pause", methods=["POST"])
    def pause_campaign(call, cid):
        return 200, campaign_body(call.ctx, launch.pause(call.ctx, b.campaign(call.ctx, cid)))

    @route(bp, "/campaigns/<cid>/resume", methods=["POST"])
    def resume_campaign(call, cid):
        return 200, campaign_body(call.ctx, launch.resume(call.ctx, b.campaign(call.ctx, cid)))

    @route(bp, "/campaigns/<cid>/sync-stats", methods=["POST"])
    def sync_stats(call, cid):
        camp, counts = launch.sync_stats(call.ctx, b.campaign(call.ctx, cid))
        return 200, {"campaign": s.campaign(call.ctx, camp), "prospects_by_status": b.by_status(counts)}

    @route(bp, "/campaigns/<cid>/senders")
    def campaign_senders(call, cid):
        return 200, senders.campaign_senders(call.ctx, b.campaign(call.ctx, cid))

    @route(bp, "/campaigns/<cid>/account-usage")
    def account_usage(call, cid):
        return 200, senders.account_usage(call.ctx, b.campaign(call.ctx, cid), call.args.get("date"))

    # --- roster ---------------------------------------------------------------------------------------------
    @route(bp, "/campaigns/<cid>/leads")
    def list_leads(call, cid):
        camp = b.campaign(call.ctx, cid)
        page, limit = page_args(call, 100, 200)
        status = call.args.get("status") or None
        if status is not None and status not in b.PROSPECT_STATUSES:
            raise BadRequest(f"status must be one of {', '.join(b.PROSPECT_STATUSES)}")
        rows = paginate(campaigns.list_prospects(call.ctx, camp, status), page, limit)
        return 200, {"prospects": [s.prospect(call.ctx, p) for p in rows.items], "total": rows.total,
                     "page": page, "limit": limit}

    @route(bp, "/campaigns/<cid>/leads", methods=["POST"])
    def add_leads(call, cid):
        camp = b.campaign(call.ctx, cid)
        body = valid(call, "prospects_add")
        return 200, campaigns.add_prospects(call.ctx, camp, body["prospects"])

    @route(bp, "/campaigns/<cid>/leads", methods=["PATCH"])
    def update_lead(call, cid):
        camp = b.campaign(call.ctx, cid)
        body = valid(call, "prospect_update")
        return 200, {"prospect": s.prospect(call.ctx, campaigns.update_prospect(call.ctx, camp, body))}

    @route(bp, "/campaigns/<cid>/leads", methods=["DELETE"])
    def remove_leads(call, cid):
        camp = b.campaign(call.ctx, cid)
        body = valid(call, "prospects_remove")
        return 200, {"deleted": campaigns.remove_prospects(call.ctx, camp, body)}

    @route(bp, "/campaigns/<cid>/leads/import-from-list", methods=["POST"])
    def import_from_list(call, cid):
        camp = b.campaign(call.ctx, cid)
        body = valid(call, "import_from_list")
        status, result = campaigns.import_from_list(call.ctx, camp, body)
        return status, result

    # --- sequence -------------------------------------------------------------------------------------------
    def nodes_body(ctx, nodes):
        return {"sequence_nodes": [s.node(ctx, n) for n in nodes]}

    @route(bp, "/campaigns/<cid>/sequence/nodes", methods=["POST"])
    def add_node(call, cid):
        camp = b.campaign(call.ctx, cid)
        body = valid(call, "node_add")
        return 200, nodes_body(call.ctx, campaigns.add_node(call.ctx, camp, body))

    @route(bp, "/campaigns/<cid>/sequence/nodes", methods=["PATCH"])
    def move_node(call, cid):
        camp = b.campaign(call.ctx, cid)
        body = valid(call, "node_move")
        return 200, nodes_body(call.ctx, campaigns.move_node(call.ctx, camp, body))

    @route(bp, "/campaigns/<cid>/sequence/nodes", methods=["DELETE"])
    def delete_node(call, cid):
        camp = b.campaign(call.ctx, cid)
        body = valid(call, "node_delete")
        return 200, nodes_body(call.ctx, campaigns.delete_node(call.ctx, camp, body))

    @route(bp, "/campaigns/<cid>/sequence/nodes/<nid>", methods=["PUT"])
    def update_node(call, cid, nid):
        camp = b.campaign(call.ctx, cid)
        body = valid(call, "node_update")
        return 200, {"node": s.node(call.ctx, campaigns.update_node(call.ctx, camp, nid, body))}

    # --- generated messages and AI ------------------------------------------------------------------------------
    @route(bp, "/campaigns/<cid>/generate-messages", methods=["POST"])
    def generate_messages(call, cid):
        ctx = call.ctx
        camp = b.campaign(ctx, cid)
        body = valid(call, "generate_messages")
        if body["action"] == "resolve":
            return 200, {"messages": [s.message(ctx, m) for m in campaigns.resolve_messages(ctx, camp)]}
        return 200, campaigns.generate_ai(ctx, camp, body)

    @route(bp, "/campaigns/<cid>/generate-messages")
    def list_generated(call, cid):
        ctx = call.ctx
        camp = b.campaign(ctx, cid)
        status = call.args.get("status") or "draft"
        if status not in ("draft", "pending", "sent", "all"):
            raise BadRequest("status must be one of draft, pending, sent, all")
        pid = call.args.get("prospect_id") or None
        out = [s.message(ctx, m) for m in campaigns.list_messages(ctx, camp, status, pid)]
        if pid:
            out += [{"id": m["id"], "campaign_id": camp["id"], "prospect_id": pid, "node_id": None,
                     "subject": m.get("subject"), "body_text": m.get("body_text"), "body_html": m.get("body_html"),
                     "status": "received", "direction": "inbound", "manually_edited": False,
                     "sent_at": ctx.iso(m["sent_at"]), "created_at": ctx.iso(m["created_at"])}
                    for m in inbox.inbound_for_prospect(ctx, pid) if m.get("campaign_id") == camp["id"]]
        return 200, {"messages": out}

    @route(bp, "/campaigns/<cid>/generate-messages", methods=["PATCH"])
    def update_generated(call, cid):
        camp = b.campaign(call.ctx, cid)
        body = valid(call, "generated_message_update")
        return 200, {"message": s.message(call.ctx, campaigns.update_message(call.ctx, camp, body))}

    @route(bp, "/campaigns/<cid>/generate-content", methods=["POST"])
    def generate_content(call, cid):
        camp = b.campaign(call.ctx, cid)
        body = valid(call, "generate_content")
        return 200, ai.generate_content(call.ctx, camp, body)

    @route(bp, "/campaigns/ai-chat-sessions/<sid>")
    def get_chat_session(call, sid):
        return 200, {"session": ai.session_json(call.ctx, ai.session(call.ctx, sid))}

    @route(bp, "/campaigns/ai-chat-sessions/<sid>/turn", methods=["POST"])
    def chat_turn(call, sid):
        doc = ai.session(call.ctx, sid)
        body = valid(call, "chat_turn")
        return 200, ai.turn(call.ctx, doc, body["message"])

    @route(bp, "/campaigns/ai-chat-sessions/<sid>/generate-examples", methods=["POST"])
    def generate_examples(call, sid):
        doc = ai.session(call.ctx, sid)
        body = valid(call, "generate_examples", required=False)
        return 200, ai.generate_examples(call.ctx, doc, body)

    # --- senders ----------------------------------------------------------------------------------------------
    @route(bp, "/senders")
    def list_senders(call):
        kind = call.args.get("type") or None
        if kind not in (None, "email", "linkedin"):
            raise BadRequest("type must be linkedin or email")
        return 200, {"senders": [s.sender(call.ctx, a) for a in senders.ordered_senders(call.ctx, kind)]}

    @route(bp, "/senders/<aid>")
    def get_sender(call, aid):
        ctx = call.ctx
        acc = b.sender(ctx, aid)
        detail = senders.sender_detail(ctx, acc)
        camps = [{"id": c["id"], "name": c["name"], "status": c["status"], "daily_limit": c.get("daily_limit"),
                  "type": c["type"], "stats": b.stats_of(c, len(b.prospects(ctx, c["id"]))),
                  "operating_hours": c.get("operating_hours"),
                  "sequence_nodes": [s.node(ctx, n) for n in b.ordered_nodes(ctx, c["id"])]} for c in detail.pop("campaigns")]
        return 200, {"account": {**s.sender(ctx, acc), "stats": detail.pop("stats")}, "campaigns": camps, **detail}

    @route(bp, "/senders/<aid>/schedule")
    def sender_schedule(call, aid):
        return 200, senders.schedule(call.ctx, b.sender(call.ctx, aid))

    @route(bp, "/email/accounts")
    def list_email_accounts(call):
        return 200, {"accounts": [s.sender(call.ctx, a) for a in senders.ordered_senders(call.ctx, "email")]}

    @route(bp, "/email/accounts", methods=["POST"])
    def create_email_account(call):
        body = valid(call, "email_account_create")
        return 201, {"account": s.sender(call.ctx, senders.create_email_account(call.ctx, body))}

    @route(bp, "/email/accounts/warmup-analytics")
    def warmup_analytics(call):
        return 200, senders.warmup_analytics(call.ctx)

    @route(bp, "/email/accounts/<aid>/retry-warmup", methods=["PATCH"])
    def retry_warmup(call, aid):
        acc = b.sender(call.ctx, aid, "Email account not found")
        return 200, {"account": s.sender(call.ctx, senders.retry_warmup(call.ctx, acc))}

    @route(bp, "/email/domains")
    def list_domains(call):
        skip = call.args.get("skip_sync")
        if skip not in (None, "", "true", "false"):
            raise BadRequest("skip_sync must be true or false")
        docs = sorted(call.ctx.table("domains").all(), key=lambda d: (-d["created_at"], d["id"]))
        return 200, {"domains": [s.domain(call.ctx, d) for d in docs]}

    @route(bp, "/email/domains", methods=["POST"])
    def create_domain(call):
        body = valid(call, "domain_create")
        return 201, {"domain": s.domain(call.ctx, senders.create_domain(call.ctx, body))}

    @route(bp, "/email/domains/<did>", methods=["PATCH"])
    def update_domain(call, did):
        d = senders.domain(call.ctx, did)
        body = valid(call, "domain_update")
        return 200, {"domain": s.domain(call.ctx, senders.update_domain(call.ctx, d, body))}

    @route(bp, "/email/domains/<did>/verify", methods=["POST"])
    def verify_domain(call, did):
        d = senders.domain(call.ctx, did)
        poll = call.args.get("poll")
        if poll not in (None, "", "true", "false"):
            raise BadRequest("poll must be true or false")
        d = senders.verify_domain(call.ctx, d, poll == "true")
        return 200, {"domain": s.domain(call.ctx, d), "status": d["status"]}

    @route(bp, "/email/domains/<did>/dns-records")
    def domain_records(call, did):
        return 200, senders.domain_dns(call.ctx, senders.domain(call.ctx, did))

    @route(bp, "/unipile/connect", methods=["POST"])
    def unipile_connect(call):
        valid(call, "unipile_connect", required=False)
        return 200, senders.connect(call.ctx)

    @route(bp, "/unipile/reconnect", methods=["POST"])
    def unipile_reconnect(call):
        body = valid(call, "unipile_account")
        acc = senders.linkedin_account(call.ctx, body["accountId"])
        return 200, senders.connect(call.ctx, acc["id"])

    @route(bp, "/unipile/refresh", methods=["POST"])
    def unipile_refresh(call):
        body = valid(call, "unipile_account")
        return 200, senders.refresh(call.ctx, senders.linkedin_account(call.ctx, body["accountId"]))

    @route(bp, "/unipile/accounts")
    def unipile_accounts(call):
        return 200, {"accounts": [s.sender(call.ctx, a) for a in senders.unipile_accounts(call.ctx)]}

    @route(bp, "/unipile/accounts", methods=["DELETE"])
    def unipile_disconnect(call):
        aid = call.args.get("accountId")
        if not aid:
            raise BadRequest("accountId is required")
        senders.disconnect(call.ctx, senders.linkedin_account(call.ctx, aid))
        return 200, {"success": True}

    @route(bp, "/unipile/search", methods=["POST"])
    def unipile_search(call):
        return 200, senders.search(call.ctx, valid(call, "unipile_search"))

    # --- inbox ------------------------------------------------------------------------------------------------
    @route(bp, "/conversations")
    def list_conversations(call):
        page, limit = page_args(call, 50, 200)
        rows = paginate(inbox.list_conversations(call.ctx), page, limit)
        return 200, {"conversations": [s.conversation(call.ctx, c) for c in rows.items], "total": rows.total,
                     "page": page, "limit": limit}

    @route(bp, "/conversations/<conv_id>")
    def get_conversation(call, conv_id):
        ctx = call.ctx
        conv = inbox.open_conversation(ctx, inbox.get(ctx, conv_id))
        acc = ctx.table("senders").get(conv["account_id"]) or {}
        disconnected = acc.get("status") in (None, "disconnected", "credentials_required", "error")
        return 200, {"conversation": s.conversation(ctx, conv),
                     "messages": [s.conversation_message(ctx, m) for m in inbox.list_messages(ctx, conv)],
                     "participantDetails": {"company": conv.get("participant_company"),
                                            "position": conv.get("participant_position"),
                                            "headline": conv.get("participant_headline"), "profile_picture": None},
                     "senderDisconnected": disconnected,
                     "senderAccount": {"id": acc.get("id"), "display_name": acc.get("display_name"),
                                       "email_address": acc.get("email_address"), "type": acc.get("type"),
                                       "status": acc.get("status")}}

    @route(bp, "/conversations/<conv_id>/messages")
    def list_conversation_messages(call, conv_id):
        ctx = call.ctx
        conv = inbox.get(ctx, conv_id)
        page, limit = page_args(call, 50, 200)
        rows = paginate(inbox.list_messages(ctx, conv), page, limit)
        return 200, {"messages": [s.conversation_message(ctx, m) for m in rows.items], "total": rows.total,
                     "page": page, "limit": limit}

    @route(bp, "/conversations/<conv_id>/messages", methods=["POST"])
    def send_conversation_message(call, conv_id):
        ctx = call.ctx
        conv = inbox.get(ctx, conv_id)
        body = valid(call, "conversation_message")
        return 200, {"message": s.conversation_message(ctx, inbox.reply(ctx, conv, body))}

    # --- credits ------------------------------------------------------------------------------------------------
    @route(bp, "/credits/config")
    def credits_config(call):
        return 200, billing.config()

    @route(bp, "/credits/preview", methods=["POST"])
    def credits_preview(call):
        return 200, billing.preview(call.ctx, valid(call, "credits_preview"))

    @route(bp, "/credits/provision", methods=["POST"])
    def credits_provision(call):
        return 200, billing.provision(call.ctx)

    # --- account, settings, context, onboarding, keys -------------------------------------------------------
    @route(bp, "/account")
    def get_account(call):
        return 200, acct.account(call.ctx)

    @route(bp, "/settings")
    def get_settings(call):
        return 200, senders.get_settings(call.ctx)

    @route(bp, "/settings", methods=["PUT"])
    def put_settings(call):
        return 200, senders.put_settings(call.ctx, valid(call, "settings_update"))

    @route(bp, "/context")
    def get_context(call):
        return 200, acct.context(call.ctx)

    @route(bp, "/context", methods=["PUT"])
    def put_context(call):
        return 200, acct.put_context(call.ctx, valid(call, "context_update"))

    @route(bp, "/context/regenerate", methods=["POST"])
    def regenerate_context(call):
        return 200, acct.regenerate(call.ctx, valid(call, "context_regenerate", required=False))

    @route(bp, "/onboarding/status")
    def onboarding_status(call):
        return 200, acct.onboarding_status(call.ctx, call.args.get("sessionId") or None)

    @route(bp, "/onboarding/start-scraping", methods=["POST"])
    def start_scraping(call):
        return 200, acct.start_onboarding(call.ctx, valid(call, "onboarding_start"))

    def session_only(call):
        raise Unauthorized("API keys are managed from a signed-in session; a Bearer key cannot manage keys",
                           code="unauthorized")

    for path, name in (("/user/api-key", "user_api_key"), ("/v1/partners/api-key", "partner_api_key")):
        route(bp, path, methods=["GET", "POST", "DELETE"])(_named(session_only, name))

    @route(bp, "/v1/partners/portal")
    def partner_portal(call):
        subs = call.ctx.subscriptions()
        if not subs:
            raise NotFound("Webhook portal not found: no webhook application exists for this account", code="not_found")
        token = call.ctx.ids.alnum("", 40)
        return 200, {"url": f"https://app.svix.com/login#key={token}"}

    return bp


def _named(fn, name):
    def view(call):
        return fn(call)
    view.__name__ = name
    return view
