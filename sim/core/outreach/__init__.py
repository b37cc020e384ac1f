"""The vendor-neutral outreach engine: sequences, senders, pool capacity, windows, suppression, simulated recipients.

Modules: ``model`` (events, outcomes, counters), ``windows`` (sending windows), ``capacity`` (pools, senders, usage),
``outcomes`` (bounces, opens, replies, suppression), ``stats`` (counters), ``sequencing`` (campaigns, enrolment, the
tick) and ``engine`` (``Outreach``, which puts them together). Import from ``sim.core.outreach``.

Every outreach vendor (Leadterra, Puffle, ...) drives its campaigns through one ``Outreach`` bound to its
``VendorContext``. The engine owns the sending rules and the simulated world; the vendor owns its wire shapes,
its ids and its webhooks. No Flask, no vendor names.

API (all methods run under the store lock: inside a request view, a control or a job)::

    engine = Outreach(ctx, job_kind="<vendor>.outreach_tick", on_events=callback)   # cheap: one per call
    # options: reply_prefix="rpl_", message_prefix="msg_", resolution=300, stop_on_reply=True,
    #          out_of_office_stops=True, unsubscribe_suppresses=True, hard_bounce_suppresses=True,
    #          wants=lambda engine: {"sent", ...} | None  (event kinds worth building this tick; None = all)

    # pools and senders: capacity is per pool and per simulated UTC day; only "active" senders send
    engine.put_pool(pool_id, daily_capacity=500, used_today=88, order=0, **vendor_fields)
    engine.put_sender(sender_id, pool=pool_id, status="active", order=0, **vendor_fields)
    engine.pools() / engine.pool(id) / engine.senders(pool_id=None) / engine.sender(id)   # documents, in order
    engine.remaining_today(pool_doc) -> int ; engine.used_today(pool_doc) -> int
    engine.set_pool_capacity(pool_id, daily_capacity=None, remaining_today=None)
    engine.set_sender_status(sender_id, status)           # "active" | "paused" | "warming" | any vendor word

    # suppression (workspace-wide, emails compared lowercased and trimmed)
    engine.suppress(emails, reason="manual", source="api") -> (added, already)
    engine.is_suppressed(email) -> bool ; engine.suppression() -> documents keyed by email

    # campaigns: steps are dicts with "delay" (seconds after the previous step's send; for the first step,
    # after enrolment or start) plus any vendor fields (subject, body...). window: see ``next_open``.
    engine.create_campaign(cid, steps=[{"delay": 0, ...}], window=None, pools=None, **vendor_fields)
    engine.campaign(cid) -> document | None ; engine.campaigns() ; engine.next_tick(cid) -> ts | None
    engine.update_campaign(cid, **vendor_fields) ; engine.set_window(cid, window)
    engine.enroll(cid, [(lead_id, email), ...]) -> list[bool]   # True = new in this campaign
    engine.enrollment(cid, lead_id) / engine.enrollments(cid) / engine.enrolled_count(cid)
    engine.start(cid) -> "started" | "resumed" | None            # None: already running (no-op)
    engine.pause(cid) -> bool                                    # False: not running (no-op)
    engine.stats(cid) -> dict                                    # COUNTERS + "queued" + "classes"
    engine.daily(cid) -> {"YYYY-MM-DD": {"sent", "bounced", "opened", "replied"}}   # per simulated UTC day
    engine.replies(campaign=None) -> reply documents, newest first ; engine.reply(id) ; engine.update_reply(id, **f)
    engine.reply_text(reply_doc) -> str ; engine.message_id(cid, lead_id, step) -> str
    engine.inject_reply(cid, lead_id, classification, text=None) -> reply document (with "id")
    engine.force_bounce(cid, lead_id, "hard"|"soft", reason=None) -> OutreachEvent
    engine.wake(cid=None)                                        # re-check deferred sends now

    # the vendor registers ``spec.jobs[job_kind] = lambda ctx, args: Outreach(ctx, ...).tick(args)``

Documents (in the vendor's namespace, tables ``outreach/<name>``): a campaign keeps the vendor's fields plus
``status`` (draft | running | paused), ``steps``, ``window``, ``pools``, ``created_at``, ``started_at``,
``first_started_at``, ``paused_at`` (epoch seconds). An enrolment (id ``"<cid>|<lead>"``) has ``campaign``,
``lead``, ``email``, ``status`` (active | completed | replied | unsubscribed | bounced | suppressed), ``step``
(next 0-based step), ``due`` (when that step is due, None if none), ``sent_at`` (one time per sent step),
``replied``, ``enrolled_at``. A reply has ``campaign``, ``lead``, ``email``, ``classification``, ``at``,
``text`` (None until read: see ``reply_text``), ``step``, ``message_id`` and any vendor fields.
``stats()`` counters: enrolled, sent, delivered (sent and not bounced), bounced, hard_bounced, soft_bounced,
opened (messages), replied (leads), replies (messages), unsubscribed, out_of_office, skipped (suppressed at
send time), completed (leads through every step), queued (due but unsent now), classes ({class: replies}).

Events: after every tick, and after ``inject_reply``/``force_bounce``, the engine calls
``on_events(engine, campaign_doc, [OutreachEvent, ...])`` once with every event of the batch, in the order they
happened. Kinds: ``sent``, ``delivered``, ``bounced`` (``bounce`` = "hard"|"soft", ``reason``), ``opened``,
``replied`` (``reply`` = the stored reply document with its id; its text comes from ``engine.reply_text(reply)``),
``skipped`` (suppressed when its send came due), ``completed`` (last step sent). The vendor turns them into
webhooks; every outcome is already in the store (enrolment state, counters, reply records, suppression list)
before the callback runs.

Throughput design: one scheduler job per campaign at a time (the "tick"), due at the earliest pending item
of that campaign. A tick processes every item due by then (sends, bounces, opens, replies) from an in-memory
heap cached on the enrolment table (``Table.cache``, rebuilt from the enrolment documents after a restart,
reset or restore: a message's outcomes are redrawn from its send time and those after the campaign's last
tick are still to come), then schedules the next tick. Outcome times are rounded up to ``resolution`` seconds
(default 300: five minutes) so nearby outcomes share a tick. Outcomes are drawn once per message from
``sim.core.recipients.draw_email(ctx, campaign, lead, step)`` (order-independent, seeded by the workspace)
and reply text from ``reply_text``.

Rules: a send needs the campaign ``running``, the lead not suppressed, the time inside the campaign's
sending window, and a pool (of the campaign's ``pools``, default all, in ``order``) with capacity left today
and at least one ``active`` sender (senders rotate round-robin). Otherwise the send stays queued: until the
window opens, until the next UTC midnight (capacity renews), or until ``start`` after a pause. A reply stops
the lead's sequence (``stop_on_reply``; out-of-office too unless ``out_of_office_stops=False``); a hard bounce
and an unsubscribe reply add the address to the suppression list and stop the lead; a soft bounce does not.
"""


from sim.core.outreach.engine import Outreach
from sim.core.outreach.model import COUNTERS, DAY, WEEK, Outcome, OutreachEvent, normalize_email
from sim.core.outreach.windows import next_open

__all__ = ["COUNTERS", "DAY", "WEEK", "Outcome", "Outreach", "OutreachEvent", "next_open", "normalize_email"]
