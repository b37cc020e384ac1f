"""Puffle AI nodes: framework-chat sessions, skeletons and queued example generation (Faker-written)."""

from __future__ import annotations

from sim.core.errors import BadRequest, Conflict, NotFound
from sim.vendors.puffle import backend as b
from sim.vendors.puffle import campaigns as c

EXAMPLES_DELAY = 45.0


def sessions(ctx):
    return ctx.table("ai_sessions")


def session(ctx, sid: str) -> dict:
    doc = b.lookup(sessions(ctx), sid)
    if doc is None:
        raise NotFound("Chat session not found")
    return doc


def skeleton(ctx, sid: str, turn: int, message: str) -> dict:
    fake = ctx.fake("ai_skeleton", sid, turn)
    return {"subject": "%company% + " + fake.bs(), "body": "Hi %first_name%,\n\n&&opener&&\n\n" + fake.sentence(nb_words=14)
            + "\n\n&&call_to_action&&",
            "blocks": [{"name": "opener", "strategy": "Reference something specific about the lead's company",
                        "personalization": {"fields": ["company", "position"], "approach": "observation",
                                            "fallback": "A line about their industry"}},
                       {"name": "call_to_action", "strategy": "Low-friction ask",
                        "personalization": {"fields": ["first_name"], "approach": "question",
                                            "fallback": "Open to a quick chat?"}}],
            "exampleSubject": f"{fake.company()} + {fake.bs()}",
            "exampleBody": f"Hi {fake.first_name()},\n\n{fake.paragraph(nb_sentences=2)}\n\nOpen to a quick chat?",
            "instruction": message}


def turn(ctx, doc: dict, message: str) -> dict:
    n = len(doc.get("messages", [])) // 2 + 1
    fake = ctx.fake("ai_turn", doc["id"], n)
    sk = skeleton(ctx, doc["id"], n, message)
    reply = f"Here is a framework for this step. {fake.sentence(nb_words=12)}"
    now = ctx.now_ts()
    msgs = [*doc.get("messages", []), {"role": "user", "content": message, "at": now},
            {"role": "assistant", "content": reply, "at": now}]
    sessions(ctx).update(doc["id"], {"messages": msgs, "skeleton": sk, "updated_at": now})
    return {"session_id": doc["id"], "assistant_message": reply, "skeleton": sk, "skeleton_updated": True}


def generate_content(ctx, camp: dict, body: dict) -> dict:
    node = c.find_node(ctx, camp, body["node_id"])
    if node["type"] != "ai":
        raise BadRequest("node_id must be an AI node")
    ai = dict(node.get("ai_node") or {"purpose": None, "output_type": "email" if camp["type"] == "email" else "message"})
    sid = ai.get("session_id")
    doc = sessions(ctx).get(sid) if sid else None
    if doc is None:
        sid = ctx.ids.uuid4("ai_session")
        now = ctx.now_ts()
        doc = sessions(ctx).put(sid, {"id": sid, "campaign_id": camp["id"], "node_id": node["id"], "messages": [],
                                      "skeleton": None, "task_status": None, "generated_examples": [],
                                      "created_at": now, "updated_at": now})
        ai["session_id"] = sid
        b.nodes_table(ctx, camp["id"]).update(node["id"], {"ai_node": ai, "updated_at": now})
    return turn(ctx, doc, body["message"])


def generate_examples(ctx, doc: dict, body: dict) -> dict:
    if not doc.get("skeleton"):
        raise BadRequest("Session has no framework yet. Chat first to create one.")
    if doc.get("task_status"):
        raise Conflict("Already running")
    run_id = ctx.ids.hex("run_", 12)
    leads = body.get("leads") or []
    ctx.schedule("puffle.ai_examples", ctx.now_ts() + EXAMPLES_DELAY,
                 {"session_id": doc["id"], "leads": leads, "first": bool(body.get("isFirstBatch"))})
    sessions(ctx).update(doc["id"], {"task_status": "queued", "run_id": run_id})
    return {"runId": run_id, "publicAccessToken": ctx.ids.alnum("tr_pat_", 32)}


def examples_ready(ctx, args: dict) -> None:
    doc = sessions(ctx).get(args["session_id"])
    if doc is None:
        return
    examples = [] if args.get("first") else list(doc.get("generated_examples") or [])
    for i, lead in enumerate(args["leads"]):
        fake = ctx.fake("ai_example", doc["id"], len(examples), i)
        first = lead.get("first_name") if isinstance(lead, dict) else None
        examples.append({"first_name": first, "last_name": lead.get("last_name") if isinstance(lead, dict) else None,
                         "subject": f"{(lead.get('company') if isinstance(lead, dict) else None) or fake.company()} + {fake.bs()}",
                         "body": f"Hi {first or 'there'},\n\n{fake.paragraph(nb_sentences=3)}"})
    sessions(ctx).update(doc["id"], {"task_status": None, "generated_examples": examples, "updated_at": ctx.now_ts()})
    nodes = b.nodes_table(ctx, doc["campaign_id"])
    node = nodes.get(doc["node_id"])
    if node is not None:
        nodes.update(node["id"], {"ai_node": {**(node.get("ai_node") or {}), "generated_examples": len(examples)}})


def session_json(ctx, doc: dict) -> dict:
    return {"id": doc["id"], "campaign_id": doc["campaign_id"], "node_id": doc["node_id"],
            "task_status": doc.get("task_status"), "skeleton": doc.get("skeleton"),
            "generated_examples": doc.get("generated_examples") or [],
            "messages": [{"role": m["role"], "content": m["content"], "created_at": ctx.iso(m["at"])}
                         for m in doc.get("messages", [])],
            "created_at": ctx.iso(doc["created_at"]), "updated_at": ctx.iso(doc["updated_at"])}
