"""Puffle's inbox: conversations opened by replies, their messages, and replies sent from the inbox."""

from __future__ import annotations

from sim.core.errors import NotFound
from sim.vendors.puffle import backend as b


def conversations(ctx):
    return ctx.table("conversations")


def thread(ctx, conv_id: str):
    return ctx.table(f"conversation_messages/{conv_id}")


def get(ctx, conv_id: str) -> dict:
    doc = b.lookup(conversations(ctx), conv_id)
    if doc is None:
        raise NotFound("Conversation not found")
    return doc


def add_message(ctx, conv: dict, direction: str, body_text: str, *, subject: str | None = None,
                campaign_id: str | None = None, body_html: str | None = None, at: float | None = None) -> dict:
    now = ctx.now_ts() if at is None else at
    acc = ctx.table("senders").get(conv["account_id"]) or {}
    if direction == "outbound":
        name, ident = acc.get("display_name"), acc.get("email_address") or acc.get("provider_account_id")
    else:
        name, ident = conv.get("participant_name"), conv.get("participant_email") or conv.get("participant_linkedin_url")
    prefix = "am_msg_" if conv["channel"] == "email" else "unipile_msg_"
    mid = ctx.ids.uuid4("conversation_message")
    doc = {"id": mid, "user_id": conv["user_id"], "conversation_id": conv["id"], "campaign_id": campaign_id,
           "direction": direction, "subject": subject, "body_text": body_text, "body_html": body_html,
           "sender_name": name, "sender_identifier": ident, "external_id": ctx.ids.hex(prefix, 16),
           "sent_at": now, "created_at": ctx.now_ts(), "prospect_id": conv.get("prospect_id")}
    thread(ctx, conv["id"]).put(mid, doc)
    changes = {"last_message_at": max(now, conv.get("last_message_at") or 0), "updated_at": ctx.now_ts()}
    if now >= (conv.get("last_message_at") or 0):
        changes.update(last_message_snippet=body_text[:140], last_message_direction=direction)
    if direction == "inbound":
        changes["unread_count"] = conv.get("unread_count", 0) + 1
    conversations(ctx).update(conv["id"], changes)
    return doc


def record_reply(ctx, camp: dict, p: dict, account_id: str, message_id: str | None, text: str) -> dict:
    """A lead replied: open (or reuse) the thread with that lead, with the campaign message it answers."""
    channel = camp["type"]
    key = f"{account_id}:{p['_key']}"
    conv = conversations(ctx).get_by("_key", key)
    sent = None
    if message_id:
        sent = next((m for m in b.messages(ctx, camp["id"]) if m["id"] == message_id), None) if conv is None else None
    if conv is None:
        now = ctx.now_ts()
        cid = ctx.ids.uuid4("conversation")
        prefix = "am_thread_" if channel == "email" else "unipile_chat_"
        conv = conversations(ctx).put(cid, {
            "id": cid, "user_id": camp["user_id"], "account_id": account_id, "channel": channel, "status": "active",
            "external_id": ctx.ids.hex(prefix, 12), "participant_name": p.get("name"),
            "participant_email": p.get("email"), "participant_linkedin_url": p.get("linkedin_url"),
            "participant_company": p.get("company"), "participant_position": p.get("position"),
            "participant_headline": p.get("headline"), "prospect_id": p["id"], "last_message_at": None,
            "unread_count": 0, "created_at": now, "updated_at": now, "last_message_snippet": None,
            "last_message_direction": None, "_key": key})
        if sent is not None:
            conv = conversations(ctx).get(cid)
            add_message(ctx, conv, "outbound", sent.get("body_text") or "", subject=sent.get("subject"),
                        campaign_id=camp["id"], at=sent.get("sent_at"))
    conv = conversations(ctx).get(conv["id"])
    subject = None
    if channel == "email" and sent is not None and sent.get("subject"):
        subject = "Re: " + sent["subject"]
    return add_message(ctx, conv, "inbound", text, subject=subject, campaign_id=camp["id"])


def list_conversations(ctx) -> list[dict]:
    return sorted(conversations(ctx).all(), key=lambda c: (-(c.get("last_message_at") or 0), c["id"]))


def list_messages(ctx, conv: dict) -> list[dict]:
    return sorted(thread(ctx, conv["id"]).all(), key=lambda m: (m["sent_at"], m["created_at"]))


def open_conversation(ctx, conv: dict) -> dict:
    """GET /api/conversations/{id}: the thread, and its unread count reset."""
    return conversations(ctx).update(conv["id"], {"unread_count": 0})


def reply(ctx, conv: dict, body: dict) -> dict:
    return add_message(ctx, conv, "outbound", body["body_text"], body_html=body.get("body_html"))


def inbound_for_prospect(ctx, prospect_id: str) -> list[dict]:
    out = []
    for conv in conversations(ctx).search(lambda c: c.get("prospect_id") == prospect_id.lower()):
        out += [m for m in thread(ctx, conv["id"]) if m["direction"] == "inbound"]
    return out
