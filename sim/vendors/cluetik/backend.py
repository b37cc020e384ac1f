"""Cluetik state and rules: leads, campaigns on the shared outreach engine, agents, AI calls, emails, webhooks.

Decisions where spec/cluetik.md leaves a choice open (its section 7 decisions are followed as written):

- Keys: 40 letters and digits, no prefix (the docs show only ``YOUR_API_KEY``, which reaches ``default``).
- Ids: ``lead_``, ``camp_``, ``agent_``, ``call_``, ``email_``, ``evt_`` + 16 lowercase hex characters.
- Lists: ``limit`` 1..100 (default 20), ``page`` >= 1, or ``offset`` >= 0 (which wins over ``page``; the answer's
  ``page`` is then ``offset // limit + 1``); anything else is 422 ``validation_error`` ``<name> is invalid``.
  Newest first (creation order; the clock never runs backwards). Single objects are bare.
- Validation: the first failing field only, as ``<field> is required`` / ``<field> is invalid``. ``null`` equals
  an omitted field on create; on PATCH ``null`` clears an optional field. Unknown fields are ignored. Lead
  ``status`` accepts any non-empty string. Duplicate emails are allowed. Malformed JSON is 400 ``bad_request``.
- Campaigns: ``draft -> active <-> paused -> completed``; an illegal transition is 422 ``validation_error``
  (``campaign is not active``, ``campaign is already active``, ``campaign is completed``, ``campaign is not
  started``). ``/stop`` is ``/complete``; ``/resume`` is ``/start``. A campaign sends one email per enrolled lead
  (a sequence of ``steps`` ``[{subject, body?, delay_days?}]`` may be given; default one step "Quick question")
  through the shared outreach engine; the workspace behaviour profile decides bounce, open and reply. When every
  enrolled lead is done (all steps sent, replied, bounced or unsubscribed) an active campaign completes by itself.
  ``open_tracking`` (default true) false suppresses ``email.opened``. ``DELETE`` stops the campaign and
  detaches its leads; it emits nothing (there is no ``campaign.deleted``).
- Emails: one object per message sent, with ``to``, ``status`` (sent, bounced, opened, replied) beside the
  spec's fields. A reply also moves the lead's status to ``replied`` (with ``lead.updated``).
- Calls: a trigger answers 202 with the queued call; 30 simulated seconds later it is ``in_progress``, and it ends
  after its ``duration`` (seconds, drawn per call; 0 for ``no_answer``): ``completed``, or ``failed`` for the
  outcome ``failed``; ``call.completed`` fires for both. Outcomes are drawn from the workspace seed; a control
  forces one. A lead without a phone is called anyway (the simulator has no telephone network).
- Deleting a lead stops its campaign emails (its enrolment is marked suppressed).
"""

from __future__ import annotations

import re
from typing import Any

from sim.core.errors import Invalid, NotFound
from sim.core.outreach import Outreach

TICK_JOB = "cluetik.outreach_tick"
CALL_JOB = "cluetik.call"
PLACEHOLDER_KEYS = ("YOUR_API_KEY",)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LEAD_TEXT = ("first_name", "last_name", "company", "title", "phone")
OUTCOMES = ("interested", "not_interested", "meeting_booked", "callback_requested", "voicemail", "no_answer", "failed")
OUTCOME_WEIGHTS = (18, 22, 10, 10, 20, 15, 5)
CALL_QUEUE_SECONDS = 30
DONE = ("completed", "replied", "unsubscribed", "bounced", "suppressed")
DEFAULT_STEP = {"subject": "Quick question", "body": "Hi {{first_name}}, do you have a minute this week?", "delay_days": 0}


def invalid(field: str, what: str = "invalid") -> Invalid:
    return Invalid(f"{field} is {what}", code="validation_error")


def not_found(kind: str, oid: str) -> NotFound:
    return NotFound(f"{kind} not found", code="not_found")


def optional_text(body: dict, name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise invalid(name)
    return value


def valid_email(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 254 and EMAIL_RE.match(value) is not None


class Cluetik:
    """One workspace's Cluetik."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.leads = ctx.table("leads")
        self.agents = ctx.table("agents")
        self.calls = ctx.table("calls")
        self.emails = ctx.table("emails")
        self.engine = Outreach(ctx, job_kind=TICK_JOB, on_events=on_engine_events, message_prefix="email_",
                               reply_prefix="rpl_")

    def _id(self, prefix: str) -> str:
        return self.ctx.ids.hex(prefix, 16)

    def _now(self) -> str:
        return self.ctx.iso()

    # --- leads ------------------------------------------------------------------------------------------------
    def lead(self, lid: str):
        doc = self.leads.get(lid) if isinstance(lid, str) else None
        if doc is None:
            raise not_found("lead", lid)
        return doc

    def list_leads(self, status=None, campaign_id=None, email=None) -> list:
        docs = self.leads.all()
        docs.reverse()
        if status is not None:
            docs = [d for d in docs if d["status"] == status]
        if campaign_id is not None:
            docs = [d for d in docs if d["campaign_id"] == campaign_id]
        if email is not None:
            docs = [d for d in docs if d["email"].lower() == email.strip().lower()]
        return docs

    def _check_lead_fields(self, body: dict, partial: bool) -> dict:
        fields: dict = {}
        if not partial or "email" in body:
            email = body.get("email")
            if email is None:
                raise invalid("email", "required")
            if not valid_email(email):
                raise invalid("email")
            fields["email"] = email.strip()
        for name in LEAD_TEXT:
            if name in body:
                fields[name] = optional_text(body, name)
        if body.get("status") is not None or (partial and "status" in body):
            status = body.get("status")
            if not isinstance(status, str) or not status.strip():
                raise invalid("status")
            fields["status"] = status
        if "custom_fields" in body:
            custom = body.get("custom_fields")
            if custom is not None and not isinstance(custom, dict):
                raise invalid("custom_fields")
            fields["custom_fields"] = dict(custom or {})
        if "campaign_id" in body:
            cid = body.get("campaign_id")
            if cid is not None:
                camp = self.engine.campaign(cid) if isinstance(cid, str) else None
                if camp is None:
                    raise invalid("campaign_id")
                if camp["cluetik_status"] == "completed":
                    raise Invalid("campaign is completed", code="validation_error")
            fields["campaign_id"] = cid
        return fields

    def create_lead(self, body: dict) -> dict:
        fields = self._check_lead_fields(body, partial=False)
        now = self._now()
        doc = {"id": self._id("lead_"), "email": fields["email"], **{n: fields.get(n) for n in LEAD_TEXT},
               "status": fields.get("status") or "new", "campaign_id": fields.get("campaign_id"),
               "custom_fields": fields.get("custom_fields") or {}, "created_at": now, "updated_at": now}
        self.leads.put(doc["id"], doc)
        self.ctx.emit("lead.created", dict(doc))
        if doc["campaign_id"]:
            self._enroll(doc["campaign_id"], [doc])
        return doc

    def update_lead(self, lid: str, body: dict) -> dict:
        old = self.lead(lid)
        fields = self._check_lead_fields(body, partial=True)
        changes = {k: v for k, v in fields.items() if old.get(k) != v}
        if not changes:
            return old
        changes["updated_at"] = self._now()
        doc = self.leads.update(lid, changes)
        if changes.get("campaign_id"):
            self._enroll(changes["campaign_id"], [doc])
        self.ctx.emit("lead.updated", dict(doc))
        return doc

    def delete_lead(self, lid: str) -> None:
        doc = dict(self.lead(lid))
        if doc["campaign_id"]:
            self._stop_enrollment(doc["campaign_id"], lid)
        self.leads.remove(lid)
        self.ctx.emit("lead.deleted", doc)

    def _stop_enrollment(self, cid: str, lid: str) -> None:
        enrolment = self.engine.enrollment(cid, lid)
        if enrolment is not None and enrolment["status"] == "active":
            self.ctx.table("outreach/enrollments").update(enrolment.doc_id, {"status": "suppressed", "due": None})

    # --- campaigns --------------------------------------------------------------------------------------------
    def campaign(self, cid: str):
        doc = self.engine.campaign(cid) if isinstance(cid, str) else None
        if doc is None:
            raise not_found("campaign", cid)
        return doc

    def list_campaigns(self, status=None) -> list:
        docs = list(self.engine.campaigns())
        docs.reverse()
        if status is not None:
            docs = [c for c in docs if c["cluetik_status"] == status]
        return docs

    def _agent_ref(self, body: dict):
        agent_id = body.get("agent_id")
        if agent_id is not None and (not isinstance(agent_id, str) or self.agents.get(agent_id) is None):
            raise invalid("agent_id")
        return agent_id

    def _steps(self, value) -> list[dict]:
        if value is None:
            return [dict(DEFAULT_STEP)]
        if not isinstance(value, list) or not value or len(value) > 20:
            raise invalid("steps")
        steps = []
        for step in value:
            if not isinstance(step, dict) or not isinstance(step.get("subject"), str) or not step["subject"].strip():
                raise invalid("steps")
            days = step.get("delay_days", 0)
            if days is None:
                days = 0
            if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 365:
                raise invalid("steps")
            text = step.get("body")
            if text is not None and not isinstance(text, str):
                raise invalid("steps")
            steps.append({"subject": step["subject"], "body": text or "", "delay_days": days})
        return steps

    def _lead_refs(self, value) -> list:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(i, str) and self.leads.get(i) is not None for i in value):
            raise invalid("lead_ids")
        return [self.leads.get(i) for i in dict.fromkeys(value)]

    def create_campaign(self, body: dict) -> dict:
        name = body.get("name")
        if name is None:
            raise invalid("name", "required")
        if not isinstance(name, str) or not name.strip():
            raise invalid("name")
        agent_id = self._agent_ref(body)
        tracking = body.get("open_tracking")
        if tracking is not None and not isinstance(tracking, bool):
            raise invalid("open_tracking")
        steps = self._steps(body.get("steps"))
        leads = self._lead_refs(body.get("lead_ids"))
        now = self._now()
        cid = self._id("camp_")
        self.engine.create_campaign(
            cid, steps=[{"delay": s["delay_days"] * 86400, **s} for s in steps], name=name, agent_id=agent_id,
            open_tracking=True if tracking is None else tracking, cluetik_status="draft", created_iso=now,
            updated_iso=now, started_iso=None, paused_iso=None, completed_iso=None)
        if leads:
            self._enroll(cid, leads)
        return self.engine.campaign(cid)

    def update_campaign(self, cid: str, body: dict) -> dict:
        camp = self.campaign(cid)
        changes: dict = {}
        if "name" in body:
            name = body.get("name")
            if not isinstance(name, str) or not name.strip():
                raise invalid("name")
            changes["name"] = name
        if "agent_id" in body:
            changes["agent_id"] = self._agent_ref(body)
        if "open_tracking" in body and body["open_tracking"] is not None:
            if not isinstance(body["open_tracking"], bool):
                raise invalid("open_tracking")
            changes["open_tracking"] = body["open_tracking"]
        changes = {k: v for k, v in changes.items() if camp.get(k) != v}
        if changes:
            self.engine.update_campaign(cid, **changes, updated_iso=self._now())
        return self.engine.campaign(cid)

    def delete_campaign(self, cid: str) -> None:
        self.campaign(cid)
        self.engine.delete_campaign(cid)
        for lead in self.leads.search(lambda d: d["campaign_id"] == cid):
            self.leads.update(lead.doc_id, {"campaign_id": None})

    def enroll_leads(self, cid: str, body: dict) -> dict:
        camp = self.campaign(cid)
        if body.get("lead_ids") is None:
            raise invalid("lead_ids", "required")
        leads = self._lead_refs(body.get("lead_ids"))
        if not leads:
            raise invalid("lead_ids")
        if camp["cluetik_status"] == "completed":
            raise Invalid("campaign is completed", code="validation_error")
        self._enroll(cid, leads)
        return self.engine.campaign(cid)

    def _enroll(self, cid: str, leads: list) -> None:
        now = self._now()
        for lead in leads:
            lid = lead["id"]
            if lead["campaign_id"] != cid:
                doc = self.leads.update(lid, {"campaign_id": cid, "updated_at": now})
                self.ctx.emit("lead.updated", dict(doc))
        self.engine.enroll(cid, [(lead["id"], lead["email"]) for lead in leads])
        self.engine.update_campaign(cid, lead_count=self.engine.enrolled_count(cid))

    def start(self, cid: str) -> dict:
        camp = self.campaign(cid)
        status = camp["cluetik_status"]
        if status == "active":
            raise Invalid("campaign is already active", code="validation_error")
        if status == "completed":
            raise Invalid("campaign is completed", code="validation_error")
        now = self._now()
        self.engine.update_campaign(cid, cluetik_status="active", started_iso=camp["started_iso"] or now,
                                    paused_iso=None, updated_iso=now)
        self.engine.start(cid)
        camp = self.engine.campaign(cid)
        self.ctx.emit("campaign.started", self.campaign_json(camp))
        return camp

    def pause(self, cid: str) -> dict:
        camp = self.campaign(cid)
        if camp["cluetik_status"] != "active":
            raise Invalid("campaign is not active", code="validation_error")
        now = self._now()
        self.engine.pause(cid)
        self.engine.update_campaign(cid, cluetik_status="paused", paused_iso=now, updated_iso=now)
        camp = self.engine.campaign(cid)
        self.ctx.emit("campaign.paused", self.campaign_json(camp))
        return camp

    def complete(self, cid: str) -> dict:
        camp = self.campaign(cid)
        status = camp["cluetik_status"]
        if status == "completed":
            raise Invalid("campaign is completed", code="validation_error")
        if status == "draft":
            raise Invalid("campaign is not started", code="validation_error")
        return self._finish(camp)

    def _finish(self, camp) -> dict:
        cid = camp.doc_id
        now = self._now()
        self.engine.pause(cid)
        self.engine.update_campaign(cid, cluetik_status="completed", completed_iso=now, updated_iso=now)
        camp = self.engine.campaign(cid)
        self.ctx.emit("campaign.completed", self.campaign_json(camp))
        return camp

    def campaign_json(self, camp) -> dict:
        return {"id": camp.doc_id, "name": camp["name"], "status": camp["cluetik_status"], "agent_id": camp["agent_id"],
                "open_tracking": camp["open_tracking"], "lead_count": camp.get("lead_count", 0),
                "steps": [{"subject": s["subject"], "body": s["body"], "delay_days": s["delay_days"]} for s in camp["steps"]],
                "created_at": camp["created_iso"], "updated_at": camp["updated_iso"], "started_at": camp["started_iso"],
                "paused_at": camp["paused_iso"], "completed_at": camp["completed_iso"]}

    # --- agents and calls -------------------------------------------------------------------------------------
    def agent(self, aid: str):
        doc = self.agents.get(aid) if isinstance(aid, str) else None
        if doc is None:
            raise not_found("agent", aid)
        return doc

    def list_agents(self, status=None, type_=None) -> list:
        docs = self.agents.all()
        docs.reverse()
        return [d for d in docs if (status is None or d["status"] == status) and (type_ is None or d["type"] == type_)]

    def trigger(self, aid: str, body: dict) -> dict:
        agent = self.agent(aid)
        lead_id = body.get("lead_id")
        if lead_id is None:
            raise invalid("lead_id", "required")
        if not isinstance(lead_id, str) or self.leads.get(lead_id) is None:
            raise invalid("lead_id")
        cid = body.get("campaign_id")
        if cid is not None:
            camp = self.engine.campaign(cid) if isinstance(cid, str) else None
            if camp is None:
                raise invalid("campaign_id")
        context = body.get("context")
        if context is not None and not isinstance(context, dict):
            raise invalid("context")
        if agent["status"] != "active":
            raise Invalid("agent is not active", code="validation_error")
        now = self._now()
        call = {"id": self._id("call_"), "agent_id": aid, "lead_id": lead_id, "campaign_id": cid, "status": "queued",
                "outcome": None, "duration": None, "context": dict(context or {}), "started_at": None,
                "ended_at": None, "created_at": now}
        self.calls.put(call["id"], call)
        job = self.ctx.schedule(CALL_JOB, self.ctx.now_ts() + CALL_QUEUE_SECONDS, {"call": call["id"], "stage": "start"})
        self.calls.update(call["id"], {"_job": job})
        return self.calls.get(call["id"])

    def call(self, call_id: str):
        doc = self.calls.get(call_id) if isinstance(call_id, str) else None
        if doc is None:
            raise not_found("call", call_id)
        return doc

    def list_calls(self, **filters) -> list:
        docs = self.calls.all()
        docs.reverse()
        for name, value in filters.items():
            if value is not None:
                docs = [d for d in docs if d[name] == value]
        return docs

    def draw_call(self, call_id: str) -> tuple[str, int]:
        rng = self.ctx.rng("call", call_id)
        outcome = rng.choices(OUTCOMES, weights=OUTCOME_WEIGHTS)[0]
        if outcome == "no_answer":
            return outcome, 0
        if outcome in ("voicemail", "failed"):
            return outcome, rng.randint(5, 40)
        return outcome, rng.randint(45, 600)

    def progress_call(self, call_id: str, stage: str) -> None:
        call = self.calls.get(call_id)
        if call is None or call["status"] in ("completed", "failed"):
            return
        if stage == "start":
            outcome, duration = call.get("_forced") or self.draw_call(call_id)
            job = self.ctx.schedule(CALL_JOB, self.ctx.now_ts() + duration, {"call": call_id, "stage": "end"})
            self.calls.update(call_id, {"status": "in_progress", "started_at": self._now(), "_job": job,
                                        "_planned": [outcome, duration]})
        else:
            outcome, duration = call.get("_forced") or call["_planned"]
            self.end_call(call_id, outcome, duration)

    def end_call(self, call_id: str, outcome: str, duration: int) -> dict:
        call = self.calls.get(call_id)
        if call.get("_job"):
            self.ctx.cancel(call["_job"])
        now = self._now()
        doc = self.calls.update(call_id, {"status": "failed" if outcome == "failed" else "completed", "outcome": outcome,
                                          "duration": duration, "started_at": call["started_at"] or now,
                                          "ended_at": now, "_job": None})
        self.ctx.emit("call.completed", call_public(doc))
        return doc

    # --- emails -----------------------------------------------------------------------------------------------
    def email(self, eid: str):
        doc = self.emails.get(eid) if isinstance(eid, str) else None
        if doc is None:
            raise not_found("email", eid)
        return doc

    def list_emails(self, **filters) -> list:
        docs = self.emails.all()
        docs.reverse()
        for name, value in filters.items():
            if value is not None:
                docs = [d for d in docs if d[name] == value]
        return docs

    def mark_opened(self, eid: str, emit: bool = True) -> dict:
        doc = self.email(eid)
        if doc["opened_at"] is None and doc["status"] != "bounced":
            doc = self.emails.update(eid, {"opened_at": self._now(), "status": "opened" if doc["status"] == "sent" else doc["status"]})
            camp = self.engine.campaign(doc["campaign_id"])
            if emit and (camp is None or camp["open_tracking"]):
                self.ctx.emit("email.opened", dict(doc))
        return doc

    def mark_replied(self, eid: str, at_iso: str | None = None) -> dict:
        doc = self.email(eid)
        if doc["replied_at"] is not None:
            return doc
        doc = self.emails.update(eid, {"replied_at": at_iso or self._now(), "status": "replied"})
        self.ctx.emit("email.replied", dict(doc))
        lead = self.leads.get(doc["lead_id"])
        if lead is not None and lead["status"] != "replied":
            lead = self.leads.update(lead.doc_id, {"status": "replied", "updated_at": self._now()})
            self.ctx.emit("lead.updated", dict(lead))
        return doc

    def check_completion(self, camp) -> None:
        if camp["cluetik_status"] != "active":
            return
        enrolments = self.engine.enrollments(camp.doc_id)
        if enrolments and all(e["status"] in DONE for e in enrolments):
            self._finish(camp)


def call_public(doc) -> dict:
    return {k: v for k, v in doc.items() if not k.startswith("_") and k != "context"} | {"context": doc.get("context", {})}


# --- engine events -> emails and webhooks ------------------------------------------------------------------------
def on_engine_events(engine: Outreach, camp, events: list) -> None:
    ctx = engine.ctx
    ct = Cluetik(ctx)
    table = ct.emails
    finished = False
    for ev in events:
        kind = ev.kind
        mid = ev.message_id or engine.message_id(ev.campaign, ev.lead, ev.step)
        if kind == "sent":
            step = camp["steps"][ev.step]
            lead = ct.leads.get(ev.lead)
            name = (lead or {}).get("first_name") or ""
            doc = {"id": mid, "lead_id": ev.lead, "campaign_id": ev.campaign, "to": ev.email,
                   "subject": step["subject"].replace("{{first_name}}", name), "step": ev.step + 1, "status": "sent",
                   "sent_at": ctx.iso(ev.at), "opened_at": None, "replied_at": None}
            table.put(mid, doc)
            ctx.emit("email.sent", dict(doc))
        elif kind == "bounced":
            if table.get(mid) is not None:
                table.update(mid, {"status": "bounced"})
            finished = True
        elif kind == "opened":
            if table.get(mid) is not None and table.get(mid)["opened_at"] is None:
                doc = table.update(mid, {"opened_at": ctx.iso(ev.at),
                                         "status": "opened" if table.get(mid)["status"] == "sent" else table.get(mid)["status"]})
                if camp["open_tracking"]:
                    ctx.emit("email.opened", dict(doc))
        elif kind == "replied":
            if table.get(mid) is not None:
                ct.mark_replied(mid, ctx.iso(ev.at))
            finished = True
        elif kind in ("completed", "skipped"):
            finished = True
    if finished:
        ct.check_completion(engine.campaign(camp.doc_id))


# --- jobs and fixtures ----------------------------------------------------------------------------------------------
def tick(ctx, args: dict) -> None:
    Cluetik(ctx).engine.tick(args)


def call_job(ctx, args: dict) -> None:
    Cluetik(ctx).progress_call(args["call"], args["stage"])


def seed(ctx, data: dict) -> None:
    """Fill a new (or reset) workspace from ``fixtures/<set>/cluetik.json``: agents and one sending pool."""
    ct = Cluetik(ctx)
    for agent in data.get("agents", []):
        ct.agents.put(agent["id"], dict(agent))
    for order, pool in enumerate(data.get("senderPools", [])):
        ct.engine.put_pool(pool["id"], daily_capacity=pool["dailyCapacity"], order=order, name=pool["name"])
        for account in pool.get("senders", []):
            ct.engine.put_sender(account["id"], pool=pool["id"], status="active", email=account["email"])
