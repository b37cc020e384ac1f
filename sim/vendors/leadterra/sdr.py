"""Leadterra's SDR hand-off area: SDRs, reply assignment, prospect threads, follow-ups, AI drafts, Gmail status.

Decisions where the docs are silent (recorded for the README):

- The SDR "linked to the API key" is the workspace's first SDR, or the one chosen with the Leadterra settings
  control (``sdrId``). Ids: ``sdr_``, ``handoff_``, ``thread_``, ``followup_``, ``draft_`` + lowercase ULID;
  Gmail message and thread ids are 16 lowercase hex characters. SDR timestamps carry milliseconds.
- ICP gate (``skipIcpCheck`` false): ``seniority`` must be one of the configured seniorities (default vp,
  svp, evp, head, director, c_level, c-level, cxo, chief, founder, co-founder, owner, partner, president;
  case-insensitive; a title that contains one of them passes) and ``employeeCount`` (a string such as "250",
  "51-200" or "1000+") must be at least 50 by its first number. A missing one fails too: 400
  ``icp_check_failed`` with ``icpFailed: true``.
- A second assign of the same reply is 409 ``already_forwarded`` unless ``forceForward``; a forced forward makes a
  new hand-off on the same thread. Unknown reply 404 ``reply_not_found``; unknown SDR 404 ``sdr_not_found``;
  an inactive SDR 400 ``invalid_request``.
- Assigning creates the thread (status ``new``) and, from the follow-up rule, one pending follow-up due
  ``followupDelayDays`` (2) days later. ``schedule`` without ``dueAt`` uses the same rule.
- Limits are clamped: inbox ``limit`` to 1..100 (default 50), follow-ups to 1..200 (default 50), ``variantCount``
  to 1..3 (default 1); a non-numeric value is 400 ``invalid_request``.
- Follow-up actions and ``schedule`` answer 200 ``{"data": <follow-up>}``; acting on a follow-up that is no longer ``pending`` is 409
  ``followup_not_pending`` (completing a completed one is a no-op).
- Draft send guardrails block (422 ``guardrails_blocked`` with ``guardrails``) an empty body, an unresolved
  ``{{token}}`` or ``[placeholder]``, or a body over 10,000 characters; plain ``http://`` links and more than
  three links lower ``linkQuality`` and add warnings. A draft sends once (409 ``draft_already_sent``); a Gmail
  connection whose ``healthState`` is not ``active`` refuses sends with 400 ``gmail_not_connected``.
"""

from __future__ import annotations

import re
from typing import Any

from sim.core.clock import parse_iso
from sim.core.errors import BadRequest, Conflict, FieldError, Invalid, NotFound

THREAD_STATUSES = ("new", "awaiting_reply", "needs_followup", "replied", "meeting_booked", "won",
                   "lost_not_interested", "lost_timing", "lost_competitor", "archived")
CATEGORIES = ("A", "B", "C")
HEALTH_STATES = ("active", "needs_reauth", "rate_limited", "disconnected")
ORDER_BY = ("priority", "lastMessage", "created")
DEFAULT_SENIORITIES = ("vp", "svp", "evp", "head", "director", "c_level", "c-level", "cxo", "chief", "founder",
                       "co-founder", "owner", "partner", "president")
PRIORITY = {"A": 85, "B": 70, "C": 55, None: 50}
APPROACHES = (("Direct response", "Answers the prospect's question and proposes a concrete next step."),
              ("Value-first", "Leads with a relevant customer result before asking for time."),
              ("Question-led", "Asks one qualifying question to keep the conversation going."))
_TOKEN = re.compile(r"\{\{[^}]*\}\}|\[(?:first ?name|name|company|your name)\]", re.IGNORECASE)
_LINK = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")
LATEST = 253402300799.0  # 9999-12-31T23:59:59Z


def seed_sdr(ctx, data: dict) -> None:
    sdrs = ctx.table("sdrs")
    for order, sdr in enumerate(data.get("sdrs", [])):
        sdrs.put(sdr["id"], {"name": sdr["name"], "email": sdr["email"], "gmailConnected": sdr.get("gmailConnected", True),
                             "gmailEmail": sdr.get("gmailEmail"), "active": sdr.get("active", True), "order": order,
                             "healthState": sdr.get("healthState", "active"), "lastSyncedAt": ctx.now_ts(),
                             "lastSyncError": sdr.get("lastSyncError")})
    meta = ctx.table("meta")
    meta.put("sdr_rules", {"followupDelayDays": data.get("followupDelayDays", 2),
                           "icp": data.get("icp", {"seniorities": list(DEFAULT_SENIORITIES), "minEmployees": 50})})


def bad(message: str, field: str | None = None, code: str = "invalid_request") -> BadRequest:
    return BadRequest(message, code=code, fields=[FieldError(field, "value", message)] if field else None)


class SDRDesk:
    """The SDR objects of one workspace; ``lt`` is the workspace's ``Leadterra`` backend."""

    def __init__(self, lt):
        self.lt = lt
        self.ctx = lt.ctx
        self.sdrs = self.ctx.table("sdrs")
        self.handoffs = self.ctx.table("handoffs")
        self.threads = self.ctx.table("threads")
        self.followups = self.ctx.table("followups")
        self.drafts = self.ctx.table("drafts")
        rules = lt.meta.get("sdr_rules")
        self.rules = dict(rules) if rules else {"followupDelayDays": 2,
                                               "icp": {"seniorities": list(DEFAULT_SENIORITIES), "minEmployees": 50}}

    def iso(self, ts: float | None) -> str | None:
        return None if ts is None else self.ctx.iso(ts, ms=True)

    def _id(self, prefix: str) -> str:
        return self.ctx.ids.ulid(prefix, int(self.ctx.now_ts() * 1000), lower=True)

    # --- SDRs -----------------------------------------------------------------------------------------
    def list_sdrs(self) -> list:
        return sorted(self.sdrs.all(), key=lambda d: (d["order"], d.doc_id))

    def current(self):
        """The SDR linked to the API key."""
        chosen = self.ctx.settings.get("sdrId")
        if chosen and chosen in self.sdrs:
            return self.sdrs.get(chosen)
        sdrs = self.list_sdrs()
        if not sdrs:
            raise NotFound("No SDR is linked to this API key", code="sdr_not_found")
        return sdrs[0]

    # --- assign ------------------------------------------------------------------------------------------
    def assign(self, reply_id: str, body: dict) -> dict:
        reply = self.lt.reply(reply_id)
        sdr = self.sdrs.get(body["sdrId"])
        if sdr is None:
            raise NotFound(f"No SDR {body['sdrId']} in this workspace", code="sdr_not_found")
        if not sdr["active"]:
            raise bad(f"SDR {body['sdrId']} is not active", "sdrId")
        if reply.get("handoffId") and not body.get("forceForward"):
            raise Conflict("This reply has already been forwarded; pass forceForward to forward it again",
                           code="already_forwarded")
        if not body.get("skipIcpCheck"):
            self._icp_gate(body.get("seniority"), body.get("employeeCount"))
        ctx = self.ctx
        now = ctx.now_ts()
        lead = self.lt.lead(reply["email"])
        name = " ".join(p for p in ((lead or {}).get("firstName"), (lead or {}).get("lastName")) if p)
        if not name:
            name = ctx.fake("contact", reply["email"]).name()
        camp = self.lt.engine.campaign(reply["campaign"])
        subject = body.get("subject") or self._subject(camp, reply, lead)
        category = body.get("category")
        gmail_message = ctx.ids.hex("", 16)
        thread_id = reply.get("threadId")
        thread = self.threads.get(thread_id) if thread_id else None
        if thread is None:
            thread_id = self._id("thread_")
            gmail_thread = ctx.ids.hex("", 16)
            priority = min(100, PRIORITY.get(category, 50) + (10 if reply["classification"] == "interested" else 0))
            self.threads.put(thread_id, {
                "sdrId": sdr.doc_id, "replyId": reply_id, "campaignId": reply["campaign"], "contactEmail": reply["email"],
                "contactName": name, "subject": subject, "status": "new", "category": category,
                "priorityScore": priority, "lastMessageAt": now, "createdAt": now, "snoozedUntil": None,
                "gmailThreadId": gmail_thread})
            self._create_followup(thread_id, sdr.doc_id, now + self.rules["followupDelayDays"] * 86400, "rule")
        else:
            gmail_thread = thread["gmailThreadId"]
            changes: dict[str, Any] = {"lastMessageAt": now, "sdrId": sdr.doc_id}
            if category:
                changes["category"] = category
            self.threads.update(thread_id, changes)
        handoff_id = self._id("handoff_")
        self.handoffs.put(handoff_id, {
            "replyId": reply_id, "sdrId": sdr.doc_id, "threadId": thread_id, "to": body.get("to") or sdr["email"],
            "cc": body.get("cc") or [], "subject": subject, "note": body.get("note"), "category": category,
            "messageId": gmail_message, "gmailThreadId": gmail_thread, "createdAt": now,
            "snapshot": {"email": reply["email"], "classification": reply["classification"], "text": reply["text"]}})
        self.lt.engine.update_reply(reply_id, handoffId=handoff_id, threadId=thread_id, forwardedAt=now)
        return {"handoffId": handoff_id, "threadId": thread_id, "messageId": gmail_message, "gmailThreadId": gmail_thread}

    def _subject(self, camp, reply, lead) -> str:
        steps = camp["steps"] if camp else []
        if not steps:
            return "Re: your reply"
        subject = steps[min(reply["step"], len(steps) - 1)]["subject"]
        return "Re: " + render_tokens(subject, lead)

    def _icp_gate(self, seniority: Any, employees: Any) -> None:
        icp = self.rules["icp"]
        missing = [n for n, v in (("seniority", seniority), ("employeeCount", employees)) if not v]
        if missing:
            raise BadRequest(f"ICP check failed: {' and '.join(missing)} required unless skipIcpCheck is true",
                             code="icp_check_failed", extra={"icpFailed": True},
                             fields=[FieldError(m, "required", f"{m} is required for the ICP check") for m in missing])
        level = seniority.strip().lower()
        allowed = [s.lower() for s in icp["seniorities"]]
        words = re.split(r"[\s,/]+", level)
        senior_ok = level in allowed or any(w in allowed for w in words)
        numbers = _NUMBER.findall(employees.replace(",", ""))
        size_ok = bool(numbers) and int(numbers[0]) >= icp["minEmployees"]
        if not senior_ok or not size_ok:
            reasons = []
            if not senior_ok:
                reasons.append(f"seniority {seniority!r} is not in the ICP")
            if not size_ok:
                reasons.append(f"employeeCount {employees!r} is below {icp['minEmployees']}")
            raise BadRequest("ICP check failed: " + "; ".join(reasons), code="icp_check_failed",
                             extra={"icpFailed": True})

    # --- inbox ---------------------------------------------------------------------------------------------
    def inbox(self, statuses: list[str], category: str | None, search: str | None, snoozed: bool | None,
              limit: int, offset: int, order_by: str) -> tuple[list, int, bool]:
        sdr = self.current()
        now = self.ctx.now_ts()
        needle = search.lower() if search else None
        out = []
        for t in self.threads.search(lambda d: d["sdrId"] == sdr.doc_id):
            if statuses and t["status"] not in statuses:
                continue
            if category and t["category"] != category:
                continue
            is_snoozed = t["snoozedUntil"] is not None and t["snoozedUntil"] > now
            if snoozed is not None and is_snoozed != snoozed:
                continue
            if needle and not any(needle in (t[f] or "").lower() for f in ("contactEmail", "contactName", "subject")):
                continue
            out.append(t)
        if order_by == "priority":
            out.sort(key=lambda d: (-d["priorityScore"], -d["lastMessageAt"], d.doc_id))
        elif order_by == "lastMessage":
            out.sort(key=lambda d: (-d["lastMessageAt"], d.doc_id))
        else:
            out.sort(key=lambda d: (-d["createdAt"], d.doc_id))
        page = out[offset:offset + limit]
        return page, len(out), offset + len(page) < len(out)

    def thread(self, thread_id: str):
        doc = self.threads.get(thread_id)
        if doc is None:
            raise NotFound(f"No thread {thread_id} in this workspace", code="thread_not_found")
        return doc

    # --- follow-ups ----------------------------------------------------------------------------------------
    def _create_followup(self, thread_id: str, sdr_id: str, due: float, source: str) -> dict:
        fid = self._id("followup_")
        return self.followups.put(fid, {"threadId": thread_id, "sdrId": sdr_id, "status": "pending", "dueAt": due,
                                        "createdAt": self.ctx.now_ts(), "source": source, "completedAt": None,
                                        "skippedAt": None, "skipReason": None})

    def due_followups(self, limit: int, include_upcoming: bool) -> list:
        sdr = self.current()
        now = self.ctx.now_ts()
        docs = [f for f in self.followups.search(lambda d: d["sdrId"] == sdr.doc_id and d["status"] == "pending")
                if include_upcoming or f["dueAt"] <= now]
        docs.sort(key=lambda d: (d["dueAt"], d.doc_id))
        return docs[:limit]

    def followup(self, fid: str):
        doc = self.followups.get(fid)
        if doc is None:
            raise NotFound(f"No follow-up {fid} in this workspace", code="followup_not_found")
        return doc

    def complete_followup(self, fid: str):
        doc = self.followup(fid)
        if doc["status"] == "completed":
            return doc
        self._require_pending(doc, fid)
        return self.followups.update(fid, {"status": "completed", "completedAt": self.ctx.now_ts()})

    def skip_followup(self, fid: str, reason: str | None):
        doc = self.followup(fid)
        self._require_pending(doc, fid)
        return self.followups.update(fid, {"status": "skipped", "skippedAt": self.ctx.now_ts(), "skipReason": reason})

    def reschedule_followup(self, fid: str, due_at: str):
        doc = self.followup(fid)
        due = parse_due(due_at)
        self._require_pending(doc, fid)
        return self.followups.update(fid, {"dueAt": due})

    def schedule_followup(self, thread_id: str, due_at: str | None):
        thread = self.thread(thread_id)
        due = parse_due(due_at) if due_at is not None else self.ctx.now_ts() + self.rules["followupDelayDays"] * 86400
        return self._create_followup(thread_id, thread["sdrId"], due, "manual" if due_at is not None else "rule")

    @staticmethod
    def _require_pending(doc, fid: str) -> None:
        if doc["status"] != "pending":
            raise Conflict(f"Follow-up {fid} is {doc['status']}, not pending", code="followup_not_pending")

    # --- drafts ---------------------------------------------------------------------------------------------
    def generate_drafts(self, thread_id: str, instructions: str | None, count: int) -> dict:
        thread = self.thread(thread_id)
        sdr = self.sdrs.get(thread["sdrId"]) or self.current()
        ctx = self.ctx
        first = (thread["contactName"] or "there").split(" ")[0]
        drafts, insights = [], []
        for i in range(count):
            did = self._id("draft_")
            fake = ctx.fake("draft", did)
            approach, rationale = APPROACHES[i % len(APPROACHES)]
            lines = [f"Hi {first},", "", fake.sentence(nb_words=14), fake.sentence(nb_words=12)]
            if i % 3 == 0:
                lines.append(f"Would {fake.day_of_week()} at {fake.random_int(9, 16)}:00 work for a 20-minute call?")
            elif i % 3 == 1:
                lines.append(f"Teams like {fake.company()} cut their response time in half; happy to show you how.")
            else:
                lines.append("What does your current process look like for this?")
            lines += ["", "Best,", sdr["name"]]
            text = "\n".join(lines)
            html = "".join(f"<p>{line}</p>" for line in text.split("\n\n"))
            html = html.replace("\n", "<br>")
            confidence = round(0.9 - 0.07 * i - fake.random_int(0, 5) / 100, 2)
            self.drafts.put(did, {"threadId": thread_id, "sdrId": sdr.doc_id, "subject": thread["subject"],
                                  "bodyText": text, "bodyHtml": html, "approach": approach, "confidence": confidence,
                                  "rationale": rationale, "instructions": instructions, "status": "draft",
                                  "createdAt": ctx.now_ts(), "sentAt": None, "messageId": None})
            drafts.append({"id": did, "bodyText": text, "bodyHtml": html, "subject": thread["subject"]})
            insights.append({"draftId": did, "approach": approach, "confidence": confidence, "rationale": rationale})
        return {"drafts": drafts, "insights": insights, "appliedRules": []}

    def send_draft(self, did: str, body: dict) -> dict:
        draft = self.drafts.get(did)
        if draft is None:
            raise NotFound(f"No draft {did} in this workspace", code="draft_not_found")
        if draft["status"] == "sent":
            raise Conflict(f"Draft {did} has already been sent", code="draft_already_sent")
        sdr = self.sdrs.get(draft["sdrId"]) or self.current()
        if not sdr["gmailConnected"] or sdr["healthState"] != "active":
            raise bad(f"Gmail is not connected for {sdr['name']} (healthState {sdr['healthState']})",
                      code="gmail_not_connected")
        html = body.get("finalBodyHtml")
        text = body.get("finalBodyText")
        if html is None and text is None:
            html, text = draft["bodyHtml"], draft["bodyText"]
        content = html if html is not None else text
        thread = self.threads.get(draft["threadId"])
        guardrails = check_guardrails(content, text if text is not None else content,
                                      (thread or {}).get("contactName"))
        if guardrails["blocked"]:
            raise Invalid("The draft was blocked by pre-send guardrails", code="guardrails_blocked",
                          extra={"guardrails": guardrails})
        ctx = self.ctx
        now = ctx.now_ts()
        message_id = ctx.ids.hex("", 16)
        self.drafts.update(did, {"status": "sent", "sentAt": now, "messageId": message_id,
                                 "finalBodyHtml": html, "finalBodyText": text, "cc": body.get("additionalCc") or []})
        if thread is not None:
            self.threads.update(draft["threadId"], {"status": "awaiting_reply", "lastMessageAt": now})
        return {"messageId": message_id, "guardrails": guardrails}

    # --- gmail ------------------------------------------------------------------------------------------------
    def gmail_status(self) -> dict:
        sdr = self.current()
        out = {"connected": bool(sdr["gmailConnected"]) and sdr["healthState"] != "disconnected",
               "email": sdr["gmailEmail"], "healthState": sdr["healthState"],
               "lastSyncedAt": self.iso(sdr["lastSyncedAt"])}
        if sdr["lastSyncError"]:
            out["lastSyncError"] = sdr["lastSyncError"]
        return out

    def set_gmail(self, sdr_id: str | None, changes: dict) -> dict:
        sdr = self.sdrs.get(sdr_id) if sdr_id else self.current()
        if sdr is None:
            raise NotFound(f"No SDR {sdr_id} in this workspace")
        return self.sdrs.update(sdr.doc_id, changes)


def parse_due(value: Any) -> float:
    if not isinstance(value, str):
        raise bad("dueAt must be an ISO-8601 date-time string", "dueAt")
    try:
        ts = parse_iso(value).timestamp()
    except (ValueError, OverflowError):
        raise bad("dueAt must be an ISO-8601 date-time string", "dueAt") from None
    if not 0 <= ts <= LATEST:
        raise bad("dueAt must be between 1970 and 9999", "dueAt")
    return ts


def render_tokens(template: str, lead: dict | None) -> str:
    """``{{firstName}}``-style tokens from the lead; a missing field renders as an empty string."""
    values: dict[str, Any] = {}
    if lead:
        values.update(lead.get("custom") or {})
        values.update({k: lead.get(k) for k in ("firstName", "lastName", "company", "jobTitle", "email")})

    def sub(m: re.Match) -> str:
        v = values.get(m.group(1).strip())
        return "" if v is None else str(v)

    return re.sub(r"\{\{\s*([^}]+?)\s*\}\}", sub, template)


def check_guardrails(content: str, text: str, contact_name: str | None) -> dict:
    """Deterministic pre-send checks and 0..1 scores of a reply body."""
    issues = []
    plain = re.sub(r"<[^>]+>", " ", content or "")
    if not plain.strip():
        issues.append({"code": "empty_body", "severity": "block", "message": "The message body is empty"})
    if _TOKEN.search(content or ""):
        issues.append({"code": "unresolved_placeholder", "severity": "block",
                       "message": "The message still contains a template placeholder"})
    if len(content or "") > 10000:
        issues.append({"code": "too_long", "severity": "block", "message": "The message is over 10,000 characters"})
    links = _LINK.findall(content or "")
    insecure = [u for u in links if u.lower().startswith("http://")]
    if insecure:
        issues.append({"code": "insecure_link", "severity": "warning", "message": "The message links over plain http"})
    if len(links) > 3:
        issues.append({"code": "too_many_links", "severity": "warning", "message": "The message has more than 3 links"})
    sentences = [s for s in re.split(r"[.!?]+", plain) if s.strip()]
    words = plain.split()
    avg = len(words) / len(sentences) if sentences else 0
    readability = 0.0 if not words else round(max(0.3, min(1.0, 1.0 - max(0.0, avg - 15) / 40)), 2)
    first = (contact_name or "").split(" ")[0].lower()
    personalization = round(0.95 if first and first in plain.lower() else 0.6, 2) if words else 0.0
    link_quality = round(max(0.0, 1.0 - 0.25 * len(insecure) - 0.1 * max(0, len(links) - 3)), 2) if links else 0.9
    overall = round((readability + personalization + link_quality) / 3, 2)
    blocked = any(i["severity"] == "block" for i in issues)
    return {"blocked": blocked, "issues": issues,
            "scores": {"overall": overall, "readability": readability, "personalization": personalization,
                       "linkQuality": link_quality}}
