"""``Outreach``: the outreach world of one (workspace, vendor), built from its parts over one set of tables."""

from __future__ import annotations

from sim.core.outreach.capacity import Capacity
from sim.core.outreach.outcomes import Outcomes
from sim.core.outreach.sequencing import Sequencing
from sim.core.outreach.stats import Stats


class Outreach(Sequencing, Capacity, Outcomes, Stats):
    """The outreach world of one (workspace, vendor). Cheap to build: make one per request, control or job."""

    def __init__(self, ctx, *, job_kind: str, on_events=None, reply_prefix: str = "rpl_", message_prefix: str = "msg_",
                 resolution: float = 300.0, stop_on_reply: bool = True, out_of_office_stops: bool = True,
                 unsubscribe_suppresses: bool = True, hard_bounce_suppresses: bool = True, prefix: str = "outreach",
                 wants=None, draw=None, policy=None, spacing: tuple[float, float] | None = None,
                 soft_bounce_stops: bool = False, ready_retry: float = 3600.0):
        self.ctx = ctx
        self.job_kind = job_kind
        self.on_events = on_events
        self.reply_prefix = reply_prefix
        self.message_prefix = message_prefix
        self.resolution = resolution
        self.stop_on_reply = stop_on_reply
        self.out_of_office_stops = out_of_office_stops
        self.unsubscribe_suppresses = unsubscribe_suppresses
        self.hard_bounce_suppresses = hard_bounce_suppresses
        self.wants = wants
        self.draw = draw
        self.policy = policy
        self.spacing = spacing
        self.soft_bounce_stops = soft_bounce_stops
        self.ready_retry = ready_retry
        self._campaigns = ctx.table(f"{prefix}/campaigns")
        self._stats = ctx.table(f"{prefix}/stats")
        self._enrollments = ctx.table(f"{prefix}/enrollments")
        self._pools = ctx.table(f"{prefix}/pools")
        self._senders = ctx.table(f"{prefix}/senders")
        self._suppression = ctx.table(f"{prefix}/suppression")
        self._replies = ctx.table(f"{prefix}/replies")
        self._usage = ctx.table(f"{prefix}/usage")
