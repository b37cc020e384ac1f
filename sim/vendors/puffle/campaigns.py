"""Puffle campaigns: create/update/delete, sequence nodes, the lead roster, validate and generated messages."""

from __future__ import annotations

import re
from typing import Any

from sim.core.errors import BadRequest, NotFound, PaymentRequired
from sim.vendors.puffle import backend as b
from sim.vendors.puffle import billing, engine

EDITABLE_LATE = ("name", "operating_hours", "daily_limit")
DRAFT_ONLY = ("skip_other_campaigns", "stop_on_reply", "open_tracking", "signature")
PROFILE_FIELDS = ("email", "linkedin_url", "first_name", "last_name", "name", "company", "position", "headline")
ROW_FIELDS = ("first_name", "last_name", "company", "position", "headline")
MIN_DELAY = 60
MAX_DELAY = 30 * 86400


# --- campaigns -----------------------------------------------------------------------------------------------
def check_senders(ctx, kind: str, ids: list[str]) -> list[str]:
    out = []
    for aid in ids:
        acc = b.lookup(ctx.table("senders"), aid)
        if acc is None or acc["type"] != kind:
            raise BadRequest(f"Sender account {aid} not found or not a {kind} account")
        if acc["id"] not in out:
            out.append(acc["id"])
    return out


def create_campaign(ctx, body: dict) -> dict:
    kind = body["type"]
    sender_ids = check_senders(ctx, kind, body.get("sender_account_ids") or [])
    now = ctx.now_ts()
    cid = ctx.ids.uuid4("campaign")
    email = kind == "email"
    doc = {"id": cid, "user_id": b.user(ctx)["id"], "type": kind, "name": body["name"], "status": "draft",
           "daily_limit": body.get("daily_limit") if email else None,
           "stop_on_reply": body.get("stop_on_reply", True) if email else None,
           "open_tracking": body.get("open_tracking", False) if email else None,
           "signature": body.get("signature") if email else None,
           "skip_other_campaigns": body.get("skip_other_campaigns", False) if not email else None,
           "operating_hours": body.get("operating_hours"), "created_at": now, "updated_at": now,
           "sender_ids": sender_ids, "account_limits": {}, "total": None, "counts": {}, "launch": None,
           "pause_reason": None, "last_synced_at": None, "launch_started_at": None,
           "messages_sent": 0}
    ctx.table("campaigns").put(cid, doc)
    first = "email" if email else "connection_request"
    new_node(ctx, cid, first, 0, {})
    new_node(ctx, cid, "end", 1, {})
    return doc


def list_campaigns(ctx) -> list[dict]:
    rank = {"active": 0, "paused": 0, "launching": 0, "draft": 1, "completed": 1}
    docs = sorted(ctx.table("campaigns").all(), key=lambda c: -c["updated_at"])
    return sorted(docs, key=lambda c: rank.get(c["status"], 1))


def update_campaign(ctx, camp: dict, body: dict) -> dict:
    """Apply present keys; draft-only keys are silently ignored outside draft. Validates before any write."""
    draft = camp["status"] == "draft"
    email = camp["type"] == "email"
    changes: dict[str, Any] = {}
    for key in EDITABLE_LATE:
        if key in body and (key != "daily_limit" or email):
            changes[key] = body[key]
    if email and "account_limits" in body:
        limits = dict(camp.get("account_limits") or {})
        for item in body["account_limits"]:
            acc = b.lookup(ctx.table("senders"), item["account_id"])
            if acc is None:
                raise BadRequest(f"Sender account {item['account_id']} not found")
            limits[acc["id"]] = item["daily_limit"]
        changes["account_limits"] = limits
    new_nodes = None
    if draft:
        for key in DRAFT_ONLY:
            if key in body and (key == "skip_other_campaigns") != email:
                changes[key] = body[key]
        if "sender_account_ids" in body:
            changes["sender_ids"] = check_senders(ctx, camp["type"], body["sender_account_ids"])
        if "sequence_nodes" in body:
            new_nodes = plan_sequence(ctx, camp, body["sequence_nodes"])
    if new_nodes is not None:
        replace_sequence(ctx, camp, new_nodes)
    camp = b.touch(ctx, camp, **changes)
    if not draft and {"operating_hours", "daily_limit", "account_limits"} & set(changes):
        engine.campaign_changed(ctx, camp)
    return camp


def delete_campaign(ctx, camp: dict) -> None:
    cid = camp["id"]
    engine.forget(ctx, cid)
    for name in (f"prospects/{cid}", f"nodes/{cid}", f"messages/{cid}"):
        ctx.table(name).truncate()
    ctx.table("campaigns").remove(cid)


# --- sequence ------------------------------------------------------------------------------------------------
def node_defaults(kind: str) -> dict:
    text = kind in ("email", "message", "connection_request")
    return {"subject": "" if kind == "email" else None, "body": "" if text else None,
            "body_html": None, "signature": None, "from_name": None, "reply_to": None, "cc": None, "bcc": None,
            "attachments": [] if kind == "email" else None,
            "include_message": False if kind == "connection_request" else None,
            "is_reply": False if kind == "email" else None,
            "delay_days": 0 if kind == "delay" else None, "delay_hours": 0 if kind == "delay" else None,
            "delay_minutes": 0 if kind == "delay" else None, "ai_node": None}


def node_fields(kind: str, body: dict) -> dict:
    """The keys of ``body`` that apply to a node of ``kind``."""
    allowed = {"email": ("subject", "body", "body_html", "signature", "from_name", "reply_to", "cc", "bcc",
                         "attachments", "is_reply"),
               "message": ("body",), "connection_request": ("body", "include_message"),
               "delay": ("delay_days", "delay_hours", "delay_minutes"), "ai": (), "end": ()}[kind]
    return {k: body[k] for k in allowed if k in body and body[k] is not None}


def new_node(ctx, cid: str, kind: str, position: int, fields: dict, node_id: str | None = None) -> dict:
    now = ctx.now_ts()
    nid = node_id or ctx.ids.uuid4("node")
    doc = {"id": nid, "campaign_id": cid, "position": position, "type": kind, **node_defaults(kind), **fields,
           "created_at": now, "updated_at": now}
    return b.nodes_table(ctx, cid).put(nid, doc)


def delay_seconds(n: dict) -> int:
    return (n.get("delay_days") or 0) * 86400 + (n.get("delay_hours") or 0) * 3600 + (n.get("delay_minutes") or 0) * 60


def check_delays(nodes: list[dict]) -> None:
    for i, n in enumerate(nodes):
        if n["type"] == "delay" and not MIN_DELAY <= delay_seconds(n) <= MAX_DELAY:
            raise BadRequest(f"Delay node at position {i} must total between 1 minute and 30 days")


def plan_sequence(ctx, camp: dict, items: list[dict]) -> list[tuple[str | None, str, dict]]:
    existing = {n["id"]: n for n in b.nodes_table(ctx, camp["id"])}
    plan = []
    for i, item in enumerate(items):
        old = existing.get(item.get("id")) if item.get("id") else None
        kind = item.get("type") or (old["type"] if old else None)
        if kind is None:
            raise BadRequest(f"sequence_nodes[{i}]: type is required for a new node")
        fields = node_fields(kind, item)
        if old is not None and old["type"] == kind:
            fields = {**{k: old.get(k) for k in node_defaults(kind)}, **fields}
        plan.append((old["id"] if old is not None else None, kind, fields))
    check_delays([{"type": k, **f} for _, k, f in plan])
    return plan


def replace_sequence(ctx, camp: dict, plan: list[tuple[str | None, str, dict]]) -> None:
    table = b.nodes_table(ctx, camp["id"])
    keep = {nid for nid, _, _ in plan if nid}
    for nid in table.ids():
        if nid not in keep:
            table.remove(nid)
    for pos, (nid, kind, fields) in enumerate(plan):
        old = table.get(nid) if nid else None
        if old is not None:
            table.put(nid, {**old, **node_defaults(kind), **fields, "type": kind, "position": pos,
                            "updated_at": ctx.now_ts()})
        else:
            new_node(ctx, camp["id"], kind, pos, fields)


def repack(ctx, cid: str, order: list[dict]) -> list[dict]:
    table = b.nodes_table(ctx, cid)
    for pos, n in enumerate(order):
        if n["position"] != pos:
            table.update(n["id"], {"position": pos, "updated_at": ctx.now_ts()})
    return b.ordered_nodes(ctx, cid)


def add_node(ctx, camp: dict, body: dict) -> list[dict]:
    b.require_draft(camp, "the sequence")
    order = b.ordered_nodes(ctx, camp["id"])
    if body.get("position") is not None:
        pos = min(body["position"], len(order))
    else:
        ends = [i for i, n in enumerate(order) if n["type"] == "end"]
        pos = ends[-1] if ends else len(order)
    doc = new_node(ctx, camp["id"], body["type"], pos, node_fields(body["type"], body))
    order.insert(pos, doc)
    b.touch(ctx, camp)
    return repack(ctx, camp["id"], order)


def find_node(ctx, camp: dict, nid: Any) -> dict:
    doc = b.lookup(b.nodes_table(ctx, camp["id"]), nid)
    if doc is None:
        raise NotFound("Sequence node not found")
    return doc


def move_node(ctx, camp: dict, body: dict) -> list[dict]:
    b.require_draft(camp, "the sequence")
    doc = find_node(ctx, camp, body["nodeId"])
    order = [n for n in b.ordered_nodes(ctx, camp["id"]) if n["id"] != doc["id"]]
    if body["toPosition"] > len(order):
        raise BadRequest(f"toPosition must be between 0 and {len(order)}")
    order.insert(body["toPosition"], doc)
    b.touch(ctx, camp)
    return repack(ctx, camp["id"], order)


def delete_node(ctx, camp: dict, body: dict) -> list[dict]:
    b.require_draft(camp, "the sequence")
    doc = find_node(ctx, camp, body["nodeId"])
    b.nodes_table(ctx, camp["id"]).remove(doc["id"])
    for key in [k for k, m in ((m.doc_id, m) for m in b.messages(ctx, camp["id"])) if m["node_id"] == doc["id"]]:
        b.messages(ctx, camp["id"]).remove(key)
    b.touch(ctx, camp)
    return repack(ctx, camp["id"], [n for n in b.ordered_nodes(ctx, camp["id"])])


def update_node(ctx, camp: dict, nid: str, body: dict) -> dict:
    doc = find_node(ctx, camp, nid)
    b.require_draft(camp, "the sequence")
    editable = {"email": ("subject", "body", "is_reply"), "message": ("body",),
                "connection_request": ("body", "include_message"), "delay": ("delay_days", "delay_hours", "delay_minutes"),
                "ai": (), "end": ()}[doc["type"]]
    changes = {k: body[k] for k in editable if k in body and body[k] is not None}
    if doc["type"] == "ai" and isinstance(body.get("ai_node"), dict):
        ai = dict(doc.get("ai_node") or {"purpose": None, "output_type": "email"})
        ai.update({k: body["ai_node"][k] for k in ("purpose", "output_type") if k in body["ai_node"]})
        changes["ai_node"] = ai
    changes["updated_at"] = ctx.now_ts()
    b.touch(ctx, camp)
    return b.nodes_table(ctx, camp["id"]).update(doc["id"], changes)


def has_content(n: dict) -> bool:
    kind = n["type"]
    if kind == "email":
        return bool((n.get("body") or "").strip()) and (bool((n.get("subject") or "").strip()) or bool(n.get("is_reply")))
    if kind == "message":
        return bool((n.get("body") or "").strip())
    if kind == "connection_request":
        return not n.get("include_message") or bool((n.get("body") or "").strip())
    return True


def sendable(camp: dict, nodes: list[dict]) -> list[dict]:
    allowed = ("email", "ai") if camp["type"] == "email" else ("connection_request", "message", "ai")
    return [n for n in nodes if n["type"] in allowed]


# --- roster ----------------------------------------------------------------------------------------------------
def add_prospects(ctx, camp: dict, rows: list[dict]) -> dict:
    b.require_draft(camp, "leads")
    kind = camp["type"]
    ident = "email" if kind == "email" else "linkedin_url"
    table = b.prospects(ctx, camp["id"])
    planned = []
    seen: set[str] = set()
    duplicates = 0
    for i, row in enumerate(rows):
        key = b.identity(kind, row)
        if key is None:
            what = "is required" if not row.get(ident) else "is not valid"
            raise BadRequest(f"prospects[{i}]: {ident} {what} for {kind} campaigns")
        if key in seen or table.get_by("_key", key) is not None:
            duplicates += 1
            continue
        seen.add(key)
        planned.append((key, row))
    now = ctx.now_ts()
    uid = b.user(ctx)["id"]
    for key, row in planned:
        pid = ctx.ids.uuid4("prospect")
        first, last = row.get("first_name"), row.get("last_name")
        name = row.get("name") or " ".join(x for x in (first, last) if x) or None
        table.put(pid, {"id": pid, "campaign_id": camp["id"], "user_id": uid, "status": "pending",
                        "email": b.normalise_email(row.get("email")), "linkedin_url": b.normalise_linkedin(row.get("linkedin_url")),
                        **{f: row.get(f) for f in ROW_FIELDS}, "name": name,
                        "custom_fields": row.get("custom_fields"), "source": "api", "source_ref": None,
                        "created_at": now, "updated_at": now, "bounced_at": None, "replied_at": None,
                        "current_node_id": None, "_key": key, "_step": 0, "_sender": None})
    if planned:
        counts = dict(camp.get("counts") or {})
        counts["pending"] = counts.get("pending", 0) + len(planned)
        b.touch(ctx, camp, counts=counts)
    return {"imported": len(planned), "duplicates": duplicates}


def list_prospects(ctx, camp: dict, status: str | None) -> list[dict]:
    rows = b.prospects(ctx, camp["id"]).all()
    if status:
        rows = [p for p in rows if p["status"] == status]
    return rows


def update_prospect(ctx, camp: dict, body: dict) -> dict:
    b.require_draft(camp, "leads")
    table = b.prospects(ctx, camp["id"])
    p = b.lookup(table, body["prospect_id"])
    if p is None:
        raise NotFound("Prospect not found")
    updates = {k: v for k, v in body["updates"].items() if k in PROFILE_FIELDS}
    if "email" in updates and updates["email"] is not None:
        if b.normalise_email(updates["email"]) is None:
            raise BadRequest("updates.email is not a valid email address")
        updates["email"] = b.normalise_email(updates["email"])
    if "linkedin_url" in updates and updates["linkedin_url"] is not None:
        if b.normalise_linkedin(updates["linkedin_url"]) is None:
            raise BadRequest("updates.linkedin_url is not a valid LinkedIn URL")
        updates["linkedin_url"] = b.normalise_linkedin(updates["linkedin_url"])
    merged = {**p, **updates}
    key = b.identity(camp["type"], merged)
    ident = "email" if camp["type"] == "email" else "linkedin_url"
    if key is None:
        raise BadRequest(f"updates.{ident} is required for {camp['type']} campaigns")
    other = table.get_by("_key", key)
    if other is not None and other["id"] != p["id"]:
        raise BadRequest(f"Another lead in this campaign already has this {ident}")
    if ("first_name" in updates or "last_name" in updates) and "name" not in updates:
        updates["name"] = " ".join(x for x in (merged.get("first_name"), merged.get("last_name")) if x) or None
    return table.update(p["id"], {**updates, "_key": key, "updated_at": ctx.now_ts()})


def remove_prospects(ctx, camp: dict, body: dict) -> int | str:
    b.require_draft(camp, "leads")
    table = b.prospects(ctx, camp["id"])
    msgs = b.messages(ctx, camp["id"])
    if body.get("all") is True:
        table.truncate()
        msgs.truncate()
        b.touch(ctx, camp, counts={})
        return "all"
    ids = body.get("prospect_ids")
    if not ids:
        raise BadRequest("Provide prospect_ids (1-500) or all: true")
    gone = {doc["id"] for pid in ids if (doc := b.lookup(table, pid)) is not None}
    for pid in gone:
        table.remove(pid)
    if gone:
        for m in [m for m in msgs if m["prospect_id"] in gone]:
            msgs.remove(m.doc_id)
        b.touch(ctx, camp, counts=b.count_statuses(ctx, camp["id"]))
    return len(gone)


# --- validate -------------------------------------------------------------------------------------------------
def validate(ctx, camp: dict) -> dict:
    if camp["status"] != "draft":
        return {"ready": False, "checks": {"is_draft": False},
                "errors": [f"Campaign is {camp['status']} — must be draft to launch"], "warnings": []}
    errors: list[str] = []
    warnings: list[str] = []
    senders = [s for s in (ctx.table("senders").get(i) for i in camp.get("sender_ids", [])) if s]
    not_ready = [s for s in senders if not validate_ready(ctx, s)]
    if not senders:
        errors.append("Campaign has no sender accounts")
    elif not_ready:
        errors.append("Sender accounts not ready: " + ", ".join(
            f"{s.get('email_address') or s.get('display_name')} ({s['status']})" for s in not_ready))
    counts = b.count_statuses(ctx, camp["id"])
    pending = counts.get("pending", 0)
    if not pending:
        errors.append("Campaign has no pending leads")
    nodes = b.ordered_nodes(ctx, camp["id"])
    send = sendable(camp, nodes)
    if not send:
        errors.append("Campaign has no sendable sequence nodes")
    empty = [n["position"] for n in send if not has_content(n)]
    if empty:
        errors.append(f"Sequence nodes at positions {', '.join(map(str, empty))} have no content")
    if not nodes or nodes[-1]["type"] != "end":
        errors.append("Sequence must end with an end node")
    try:
        check_delays(nodes)
    except BadRequest as err:
        errors.append(err.message)
    drafts = [m for m in b.messages(ctx, camp["id"]) if m["status"] == "draft"]
    plain = [n for n in send if n["type"] != "ai"]
    if plain and not drafts:
        warnings.append("No messages generated yet: run generate-messages with action resolve to preview them")
    for n in send:
        if n["type"] == "ai" and not (n.get("ai_node") or {}).get("generated_examples"):
            warnings.append(f"AI node at position {n['position']} has no pre-generated examples")
    checks = {"is_draft": True, "has_sender_accounts": bool(senders), "sender_accounts_ready": bool(senders) and not not_ready,
              "has_prospects": bool(pending), "prospect_count": pending, "has_sendable_nodes": bool(send),
              "all_nodes_have_content": not empty, "messages_generated": bool(drafts), "message_count": len(drafts)}
    return {"ready": not errors, "checks": checks, "errors": errors, "warnings": warnings}


def validate_ready(ctx, acc: dict) -> bool:
    if acc["type"] == "email":
        return acc.get("status") in ("active", "warming")
    return acc.get("status") == "connected"


# --- generated messages ------------------------------------------------------------------------------------------
VARIABLE = re.compile(r"%([a-z_]+(?:\.[A-Za-z0-9_-]+)?)%|\{\{\s*([a-z_]+)\s*\}\}")


def resolve_text(text: str | None, p: dict, sender_first: str | None) -> str:
    def sub(m: re.Match) -> str:
        name = m.group(1) or m.group(2)
        if name.startswith("custom_fields."):
            value = (p.get("custom_fields") or {}).get(name.split(".", 1)[1])
        elif name == "sender_first":
            value = sender_first
        else:
            value = p.get(name)
        return "" if value is None else str(value)
    return VARIABLE.sub(sub, text or "")


def message_key(pid: str, nid: str) -> str:
    return f"{pid}:{nid}"


def resolved_message(ctx, camp: dict, p: dict, n: dict, status: str) -> dict:
    senders = [s for s in (ctx.table("senders").get(i) for i in camp.get("sender_ids", [])) if s]
    first = senders[0].get("first_name") if senders else None
    body = resolve_text(n.get("body"), p, first)
    if camp["type"] == "email" and (n.get("signature") or camp.get("signature")):
        body = body + "\n\n" + resolve_text(n.get("signature") or camp.get("signature"), p, first)
    return {"id": ctx.ids.uuid4("message"), "campaign_id": camp["id"], "prospect_id": p["id"], "node_id": n["id"],
            "subject": resolve_text(n.get("subject"), p, first) if n["type"] == "email" else None,
            "body_text": body, "body_html": None, "status": status, "manually_edited": False,
            "sent_at": None, "created_at": ctx.now_ts()}


def resolve_messages(ctx, camp: dict) -> list[dict]:
    b.require_draft(camp, "messages")
    table = b.messages(ctx, camp["id"])
    nodes = [n for n in sendable(camp, b.ordered_nodes(ctx, camp["id"])) if n["type"] != "ai"]
    for p in b.prospects(ctx, camp["id"]):
        for n in nodes:
            key = message_key(p["id"], n["id"])
            old = table.get(key)
            if old is not None and old.get("manually_edited"):
                continue
            doc = resolved_message(ctx, camp, p, n, "draft")
            if old is not None:
                doc["id"], doc["created_at"] = old["id"], old["created_at"]
            table.put(key, doc)
    return [m for m in table if m["status"] == "draft"]


def generate_ai(ctx, camp: dict, body: dict) -> dict:
    b.require_draft(camp, "messages")
    n = find_node(ctx, camp, body.get("node_id"))
    if n["type"] != "ai":
        raise BadRequest("node_id must be an AI node")
    roster = b.prospects(ctx, camp["id"])
    ids = body.get("prospect_ids")
    if ids is not None:
        targets = [b.lookup(roster, pid) for pid in ids]
        if any(t is None for t in targets) or len(targets) != len(ids):
            raise NotFound("Prospect not found")
    else:
        targets = roster.all()
    if not targets:
        raise BadRequest("Campaign has no leads to generate messages for")
    required = len(targets) * billing.COSTS["AI_MESSAGE_GENERATION"]
    balance = b.billing(ctx)["balance"]
    if balance < required:
        raise PaymentRequired("Insufficient credits", extra={"balance": balance, "required": required})
    table = b.messages(ctx, camp["id"])
    if ids is not None:
        for t in targets:
            table.remove(message_key(t["id"], n["id"]))
    run_id = ctx.ids.hex("run_", 12)
    ctx.schedule("puffle.ai_generate", ctx.now_ts() + 30, {"campaign_id": camp["id"], "node_id": n["id"],
                                                            "prospect_ids": [t["id"] for t in targets]})
    billing.charge(ctx, required)
    return {"success": True, "runId": run_id, "queued": len(targets), "creditsCharged": required}


def run_ai_generation(ctx, args: dict) -> None:
    """Job: write one AI draft per prospect for an AI node (Faker-written, deterministic per prospect)."""
    camp = ctx.table("campaigns").get(args["campaign_id"])
    if camp is None or camp["status"] != "draft":
        return
    n = b.nodes_table(ctx, camp["id"]).get(args["node_id"])
    if n is None:
        return
    table = b.messages(ctx, camp["id"])
    for pid in args["prospect_ids"]:
        p = b.prospects(ctx, camp["id"]).get(pid)
        if p is None or table.get(message_key(pid, n["id"])) is not None:
            continue
        fake = ctx.fake("ai_message", camp["id"], n["id"], pid)
        doc = resolved_message(ctx, camp, p, n, "draft")
        who = p.get("first_name") or "there"
        doc["subject"] = f"{fake.catch_phrase()} at {p.get('company') or 'your team'}" if camp["type"] == "email" else None
        doc["body_text"] = f"Hi {who},\n\n{fake.paragraph(nb_sentences=3)}\n\n{fake.sentence(nb_words=8)}"
        table.put(message_key(pid, n["id"]), doc)


def list_messages(ctx, camp: dict, status: str, prospect_id: str | None) -> list[dict]:
    rows = [m for m in b.messages(ctx, camp["id"]) if status == "all" or m["status"] == status]
    if prospect_id:
        rows = [m for m in rows if m["prospect_id"] == prospect_id.lower()]
    return sorted(rows, key=lambda m: m["created_at"])


def update_message(ctx, camp: dict, body: dict) -> dict:
    b.require_draft(camp, "messages")
    table = b.messages(ctx, camp["id"])
    m = table.get_by("id", body["message_id"].lower())
    if m is None:
        raise NotFound("Message not found")
    if m["status"] != "draft":
        raise BadRequest(f"Only draft messages can be edited (message is {m['status']})")
    changes = {k: body[k] for k in ("subject", "body_text") if k in body}
    return table.update(m.doc_id, {**changes, "manually_edited": True})


# --- import from a saved List --------------------------------------------------------------------------------------
LIST_PAGE = 1000
LEAD_ALIASES = {"email": ("email", "workEmail", "work_email"), "linkedin_url": ("linkedin_url", "linkedinUrl"),
                "first_name": ("first_name", "firstName"), "last_name": ("last_name", "lastName"),
                "company": ("company", "companyName", "company_name"), "position": ("position", "title", "jobTitle"),
                "headline": ("headline",)}


def list_rows(ctx, list_id: str, flt: dict | None) -> list[dict]:
    """The rows of a saved List in the workspace (``lists`` and ``list_leads/<id>``), filtered like the docs say."""
    if b.lookup(ctx.table("lists"), list_id) is None:
        raise NotFound("List not found")
    list_id = list_id.lower()
    rows = ctx.table(f"list_leads/{list_id}").all()
    flt = flt or {}
    if flt.get("leadIds"):
        wanted = set(flt["leadIds"])
        rows = [r for r in rows if r.get("id") in wanted]
    for cond in flt.get("where") or []:
        rows = [r for r in rows if str(r.get(cond["field"])) == str(cond.get("value"))]
    for order in reversed(flt.get("orderBy") or []):
        rows.sort(key=lambda r, f=order["field"]: (r.get(f) is None, str(r.get(f) or "")), reverse=bool(order.get("desc")))
    if flt.get("limit"):
        rows = rows[:flt["limit"]]
    return rows


def lead_row(row: dict) -> dict:
    out = {}
    for field, names in LEAD_ALIASES.items():
        out[field] = next((row[n] for n in names if row.get(n)), None)
    out["custom_fields"] = row.get("custom_fields") or row.get("customFields")
    return out


def import_from_list(ctx, camp: dict, body: dict) -> tuple[int, dict]:
    b.require_draft(camp, "leads")
    rows = list_rows(ctx, body["listId"], body.get("filter"))
    kind = camp["type"]
    table = b.prospects(ctx, camp["id"])
    counts = {"imported": 0, "duplicates": 0, "invalid": 0, "errors": 0, "total": len(rows)}
    seen: set[str] = set()
    partial = False
    for start in range(0, len(rows), LIST_PAGE):
        if start and ctx.take_fault("JOB", "puffle.import_page"):
            partial = True
            counts["errors"] += len(rows) - start
            break
        batch = []
        for row in rows[start:start + LIST_PAGE]:
            lead = lead_row(row)
            url = lead.get("linkedin_url") or ""
            key = b.identity(kind, lead)
            if key is None or (kind == "linkedin" and "imported-" in url):
                counts["invalid"] += 1
            elif key in seen or table.get_by("_key", key) is not None:
                counts["duplicates"] += 1
            else:
                seen.add(key)
                batch.append(lead)
        if batch:
            camp = ctx.table("campaigns").get(camp["id"])
            counts["imported"] += add_prospects(ctx, camp, batch)["imported"]
            for p in table.all()[-len(batch):]:
                table.update(p["id"], {"source": "list", "source_ref": body["listId"].lower()})
    if partial:
        return 206, {**counts, "partial": True}
    if not counts["imported"]:
        return 422, {"error": "No new leads were imported: every row was a duplicate or invalid", **counts}
    return 200, counts
