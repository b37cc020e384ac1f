"""The outreach engine's extensions: sender limits (daily, weekly per channel, spacing), readiness, campaign
sender sets and daily caps, sticky senders, invitations, zoned windows, soft-bounce stops, deletion, usage."""

from __future__ import annotations

import pytest

from sim.config import Config
from sim.core.outreach import DAY, Outcome, Outreach, next_open
from sim.simulator import Simulator
from tests.support.toyvendor import toy_spec

START = "2025-01-15T10:00:00Z"  # a Wednesday
T0 = 1736935200.0
JOB = "toy.outreach_tick"
QUIET = Outcome()  # nobody bounces, opens or replies
WORLDS: dict = {}


class World:
    """One toy workspace whose outreach engine records every event batch."""

    def __init__(self, sim, seed: int = 7, **options):
        self.sim = sim
        self.options = options
        self.events: list = []
        with sim.store.batch():
            self.ws = sim.create_workspace(start=START, seed=seed)["id"]
        self.ctx = sim.context(self.ws, "toy")
        WORLDS[self.ws] = self

    def engine(self, ctx=None) -> Outreach:
        opts = {"draw": lambda draws, cid, lead, step, spec: QUIET, **self.options}
        return Outreach(ctx or self.ctx, job_kind=JOB, on_events=lambda e, c, evs: self.events.extend(evs), **opts)

    def run(self, fn):
        with self.sim.store.batch():
            return fn(self.engine())

    def advance(self, seconds: float) -> None:
        self.sim.advance(self.ws, seconds=seconds)

    def kinds(self, kind: str) -> list:
        return [e for e in self.events if e.kind == kind]

    def campaign(self, leads: int, steps=None, **fields) -> str:
        def go(engine):
            if engine.pool("p") is None:
                engine.put_pool("p", daily_capacity=None)
            for sid in ("s1", "s2"):
                if engine.sender(sid) is None:
                    engine.put_sender(sid, pool="p")
            cid = f"c{len(engine.campaigns())}"
            engine.create_campaign(cid, steps=steps or [{"delay": 0}], **fields)
            engine.enroll(cid, [(f"l{i:03d}", f"l{i:03d}@example.com") for i in range(leads)])
            engine.start(cid)
            return cid
        return self.run(go)


@pytest.fixture
def sim():
    spec = toy_spec()
    spec.jobs[JOB] = lambda ctx, args: WORLDS[ctx.ws].engine(ctx).tick(args)
    s = Simulator(Config(store="memory", start=START), [spec])
    yield s
    s.close()
    WORLDS.clear()


def test_pool_without_daily_capacity_sends_everything(sim):
    w = World(sim)
    w.campaign(30)
    w.advance(0)
    assert len(w.kinds("sent")) == 30
    assert w.run(lambda e: e.remaining_today(e.pool("p"))) is None


def test_sender_daily_limit_holds_sends_until_the_next_utc_day(sim):
    w = World(sim)
    w.run(lambda e: (e.put_pool("p", daily_capacity=None), e.put_sender("s1", pool="p", daily_limit=3)))
    w.run(lambda e: (e.create_campaign("c", steps=[{"delay": 0}]),
                     e.enroll("c", [(f"l{i}", f"l{i}@x.com") for i in range(5)]), e.start("c")))
    w.advance(3600)
    assert len(w.kinds("sent")) == 3
    w.advance(DAY)
    sent = w.kinds("sent")
    assert len(sent) == 5
    assert sent[3].at == T0 - 10 * 3600 + DAY  # the next UTC midnight


def test_daily_limit_is_shared_by_every_campaign_of_a_sender(sim):
    w = World(sim)
    w.run(lambda e: (e.put_pool("p", daily_capacity=None), e.put_sender("s1", pool="p", daily_limit=4)))
    for cid in ("a", "b"):
        w.run(lambda e, cid=cid: (e.create_campaign(cid, steps=[{"delay": 0}]),
                                  e.enroll(cid, [(f"{cid}{i}", f"{cid}{i}@x.com") for i in range(3)]), e.start(cid)))
    w.advance(60)
    assert len(w.kinds("sent")) == 4
    assert w.run(lambda e: (e.sent_on("s1"), e.sent_on("s1", campaign="a"), e.sent_on("s1", campaign="b"))) == (4, 3, 1)


def test_campaign_daily_limit_caps_the_campaign_across_senders(sim):
    w = World(sim)
    w.campaign(10, daily_limit=4)
    w.advance(3600)
    assert len(w.kinds("sent")) == 4
    assert {e.sender for e in w.kinds("sent")} == {"s1", "s2"}


def test_campaign_senders_restrict_who_sends(sim):
    w = World(sim)
    w.campaign(6, senders=["s2"])
    w.advance(60)
    assert {e.sender for e in w.kinds("sent")} == {"s2"}


def test_senders_rotate_round_robin(sim):
    w = World(sim)
    w.campaign(4)
    w.advance(0)
    assert [e.sender for e in w.kinds("sent")] == ["s1", "s2", "s1", "s2"]


def test_weekly_cap_counts_a_rolling_seven_days_per_channel(sim):
    w = World(sim)
    w.run(lambda e: (e.put_pool("p", daily_capacity=None),
                     e.put_sender("s1", pool="p", weekly_caps={"connection": 2, "message": 100})))
    w.run(lambda e: (e.create_campaign("c", steps=[{"delay": 0, "channel": "connection"}]),
                     e.enroll("c", [(f"l{i}", f"l{i}@x.com") for i in range(3)]), e.start("c")))
    w.advance(6 * DAY)
    assert len(w.kinds("sent")) == 2
    assert w.run(lambda e: (e.weekly_sent("s1", "connection"), e.weekly_sent("s1", "message"))) == (2, 0)
    w.advance(DAY)
    sent = w.kinds("sent")
    assert len(sent) == 3
    assert sent[2].at == T0 + 7 * DAY  # the first sends left the window
    assert w.run(lambda e: e.weekly_sent("s1", "connection")) == 1


def test_weekly_cap_of_one_channel_does_not_hold_another(sim):
    w = World(sim)
    w.run(lambda e: (e.put_pool("p", daily_capacity=None),
                     e.put_sender("s1", pool="p", weekly_caps={"connection": 0, "message": 5})))
    w.run(lambda e: (e.create_campaign("c", steps=[{"delay": 0, "channel": "message"}]),
                     e.enroll("c", [("l1", "l1@x.com")]), e.start("c")))
    w.advance(0)
    assert len(w.kinds("sent")) == 1


def test_spacing_staggers_sends_of_one_sender(sim):
    w = World(sim, spacing=(120.0, 360.0))
    w.campaign(6, senders=["s1"])
    w.advance(3600)
    times = [e.at for e in w.kinds("sent")]
    assert len(times) == 6
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert all(120 <= g <= 360 for g in gaps)


def test_spacing_is_drawn_from_the_workspace_seed(sim):
    worlds = [World(sim, seed=seed, spacing=(120.0, 360.0)) for seed in (5, 5, 6)]
    for w in worlds:
        w.campaign(4, senders=["s1"])
        w.advance(3600)
    times = [[e.at for e in w.kinds("sent")] for w in worlds]
    assert times[0] == times[1] != times[2]


def test_policy_readiness_holds_sends_and_retries(sim):
    ready = {"s1": False}
    w = World(sim, policy=lambda engine, s, camp: {"ready": ready.get(s.doc_id, False)}, ready_retry=1800.0)
    w.campaign(2, senders=["s1"])
    w.advance(600)
    assert w.kinds("sent") == []
    ready["s1"] = True
    w.advance(1200)
    sent = w.kinds("sent")
    assert len(sent) == 2 and sent[0].at == T0 + 1800


def test_policy_limits_override_the_sender_document(sim):
    w = World(sim, policy=lambda engine, s, camp: {"ready": True, "daily_limit": 1})
    w.campaign(5)
    w.advance(3600)
    assert len(w.kinds("sent")) == 2  # one for each of the two senders


def test_sticky_campaign_keeps_a_lead_on_its_first_sender(sim):
    w = World(sim)
    cid = w.campaign(4, steps=[{"delay": 0}, {"delay": 3600}], sticky=True)
    w.advance(7200)
    by_lead: dict = {}
    for e in w.kinds("sent"):
        by_lead.setdefault(e.lead, []).append(e.sender)
    assert all(len(set(s)) == 1 and len(s) == 2 for s in by_lead.values())
    assert w.run(lambda e: e.enrollment(cid, "l000")["sender"]) == by_lead["l000"][0]


def test_sticky_lead_waits_for_its_own_sender(sim):
    w = World(sim)
    w.run(lambda e: (e.put_pool("p", daily_capacity=None), e.put_sender("s1", pool="p", daily_limit=1),
                     e.put_sender("s2", pool="p")))
    w.run(lambda e: (e.create_campaign("c", steps=[{"delay": 0}, {"delay": 60}], sticky=True),
                     e.enroll("c", [("l1", "l1@x.com")]), e.start("c")))
    w.advance(3600)
    assert [e.sender for e in w.kinds("sent")] == ["s1"]
    assert w.run(lambda e: e.queued_by_sender("c")) == {"s1": 1}
    w.advance(DAY)
    assert [e.sender for e in w.kinds("sent")] == ["s1", "s1"]


def invite_world(sim, accept_after):
    return World(sim, draw=lambda draws, cid, lead, step, spec: Outcome(accept_after=accept_after))


def test_accepted_invitation_releases_the_next_step(sim):
    w = invite_world(sim, 7200.0)
    cid = w.campaign(1, steps=[{"delay": 0, "invite": True, "invite_timeout": 5 * DAY}, {"delay": 3600}])
    w.advance(3600)
    assert len(w.kinds("sent")) == 1
    assert w.run(lambda e: e.enrollment(cid, "l000")["waiting"]) == 0
    w.advance(2 * 3600)
    assert [e.at for e in w.kinds("accepted")] == [T0 + 7200]
    assert [e.at for e in w.kinds("sent")] == [T0, T0 + 3 * 3600]
    assert w.run(lambda e: (e.enrollment(cid, "l000")["status"], e.stats(cid)["accepted"])) == ("completed", 1)


def test_unaccepted_invitation_expires(sim):
    w = invite_world(sim, None)
    cid = w.campaign(1, steps=[{"delay": 0, "invite": True, "invite_timeout": 5 * DAY}, {"delay": 60}])
    w.advance(6 * DAY)
    assert [e.at for e in w.kinds("expired")] == [T0 + 5 * DAY]
    assert len(w.kinds("sent")) == 1
    assert w.run(lambda e: (e.enrollment(cid, "l000")["status"], e.stats(cid)["expired"])) == ("expired", 1)


def test_needs_accept_step_is_skipped_without_an_accepted_invitation(sim):
    w = World(sim)
    cid = w.campaign(1, steps=[{"delay": 0, "needs_accept": True}, {"delay": 60}])
    w.advance(120)
    sent = w.kinds("sent")
    assert [e.step for e in sent] == [1]
    assert w.run(lambda e: e.enrollment(cid, "l000")["sent_at"]) == [None, T0 + 60]


def test_zoned_window_uses_local_hours_per_weekday():
    window = {"timezone": "America/New_York", "hours": {"2": [[540, 600]], "3": [[780, 840]]}}
    # Wed 2025-01-15 10:00 UTC is 05:00 in New York: opens at 09:00 local (14:00 UTC)
    assert next_open(window, T0) == T0 + 4 * 3600
    # after Wednesday's span closes, Thursday 13:00 local (18:00 UTC)
    assert next_open(window, T0 + 6 * 3600) == T0 + DAY + 8 * 3600


def test_zoned_window_follows_daylight_saving():
    window = {"timezone": "America/New_York", "hours": {str(d): [[540, 1020]] for d in range(7)}}
    summer = 1752400800.0  # 2025-07-13 10:00 UTC (06:00 EDT)
    assert next_open(window, summer) == summer + 3 * 3600


def test_window_without_open_hours_never_opens():
    assert next_open({"timezone": "UTC", "hours": {}}, T0) == float("inf")


def test_sends_wait_for_a_zoned_window(sim):
    w = World(sim)
    w.campaign(1, window={"timezone": "America/New_York", "hours": {"2": [[540, 600]]}})
    w.advance(8 * 3600)
    assert [e.at for e in w.kinds("sent")] == [T0 + 4 * 3600]


def test_soft_bounce_stops_the_lead_when_asked(sim):
    w = World(sim, soft_bounce_stops=True)
    cid = w.campaign(1, steps=[{"delay": 0}, {"delay": 3600}])
    w.advance(0)
    w.run(lambda e: e.force_bounce(cid, "l000", "soft"))
    w.advance(7200)
    assert w.run(lambda e: e.enrollment(cid, "l000")["status"]) == "bounced"
    assert len(w.kinds("sent")) == 1
    assert w.run(lambda e: e.is_suppressed("l000@example.com")) is False


def test_soft_bounce_does_not_stop_by_default(sim):
    w = World(sim)
    cid = w.campaign(1, steps=[{"delay": 0}, {"delay": 3600}])
    w.advance(0)
    w.run(lambda e: e.force_bounce(cid, "l000", "soft"))
    w.advance(7200)
    assert len(w.kinds("sent")) == 2


def test_delete_campaign_forgets_it_and_its_pending_sends(sim):
    w = World(sim)
    cid = w.campaign(3, steps=[{"delay": 3600}])
    assert w.run(lambda e: e.delete_campaign(cid)) is True
    w.advance(7200)
    assert w.kinds("sent") == []
    assert w.run(lambda e: (e.campaign(cid), e.enrollment(cid, "l000"), e.delete_campaign(cid))) == (None, None, False)


def test_usage_survives_a_cache_rebuild(sim):
    w = World(sim, spacing=(120.0, 120.0))
    w.campaign(3, senders=["s1"])
    w.advance(0)
    w.run(lambda e: e._enrollments.cache.clear())
    w.advance(600)
    assert [e.at for e in w.kinds("sent")] == [T0, T0 + 120, T0 + 240]
    assert w.run(lambda e: e.sent_on("s1")) == 3


def test_update_sender_wakes_deferred_sends(sim):
    w = World(sim)
    w.run(lambda e: (e.put_pool("p", daily_capacity=None), e.put_sender("s1", pool="p", daily_limit=1)))
    w.run(lambda e: (e.create_campaign("c", steps=[{"delay": 0}]),
                     e.enroll("c", [("a", "a@x.com"), ("b", "b@x.com")]), e.start("c")))
    w.advance(60)
    w.run(lambda e: e.update_sender("s1", daily_limit=5))
    w.advance(0)
    assert len(w.kinds("sent")) == 2
