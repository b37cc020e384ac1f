"""Simulated recipients: outcome rates follow the behaviour profile, draws and replies are deterministic."""

from __future__ import annotations

from collections import Counter

import pytest

from sim.config import Config
from sim.core.recipients import draw_email, profile_errors, reply_text
from sim.core.resources import load_json
from sim.simulator import Simulator
from tests.support.toyvendor import toy_spec

N = 10_000
START = "2025-01-15T10:00:00Z"


@pytest.fixture(scope="module")
def sim():
    s = Simulator(Config(store="memory", start=START), [toy_spec()])
    yield s
    s.close()


@pytest.fixture(scope="module")
def outcomes(sim):
    ctx = sim.context("default", "toy")
    return [draw_email(ctx, "campaign_1", i, 1) for i in range(N)]


def share(outcomes, pred) -> float:
    return sum(1 for o in outcomes if pred(o)) / len(outcomes)


def test_hard_bounces_are_near_two_percent(outcomes):
    assert 0.015 <= share(outcomes, lambda o: o.bounce == "hard") <= 0.025


def test_soft_bounces_are_near_one_percent(outcomes):
    assert 0.006 <= share(outcomes, lambda o: o.bounce == "soft") <= 0.014


def test_deliveries_are_near_ninety_seven_percent(outcomes):
    assert 0.96 <= share(outcomes, lambda o: o.delivered) <= 0.98


def test_opens_are_near_forty_five_percent_of_delivered(outcomes):
    delivered = [o for o in outcomes if o.delivered]
    assert 0.43 <= share(delivered, lambda o: o.open_after is not None) <= 0.47


def test_replies_are_near_eight_percent_of_delivered(outcomes):
    delivered = [o for o in outcomes if o.delivered]
    assert 0.07 <= share(delivered, lambda o: o.reply_after is not None) <= 0.09


def test_reply_classes_follow_the_profile_shares(outcomes):
    classes = Counter(o.reply_class for o in outcomes if o.reply_class)
    total = sum(classes.values())
    assert set(classes) == {"interested", "not_interested", "out_of_office", "unsubscribe"}
    assert 0.22 <= classes["interested"] / total <= 0.38
    assert 0.27 <= classes["not_interested"] / total <= 0.43
    assert 0.13 <= classes["out_of_office"] / total <= 0.27
    assert 0.09 <= classes["unsubscribe"] / total <= 0.21


def test_a_reply_always_comes_after_an_open(outcomes):
    replied = [o for o in outcomes if o.reply_after is not None]
    assert replied
    assert all(o.open_after is not None and o.reply_after > o.open_after for o in replied)


def test_bounced_messages_are_never_opened_or_replied(outcomes):
    bounced = [o for o in outcomes if not o.delivered]
    assert bounced
    assert all(o.open_after is None and o.reply_after is None and o.bounce_reason for o in bounced)


def test_delays_stay_within_the_profile_bounds(outcomes):
    assert all(60 <= o.bounce_after <= 1800 for o in outcomes if o.bounce)
    assert all(0.25 * 3600 <= o.open_after <= 48 * 3600 for o in outcomes if o.open_after is not None)


def test_the_same_key_draws_the_same_outcome(sim):
    ctx = sim.context("default", "toy")
    assert [draw_email(ctx, "c", i) for i in range(200)] == [draw_email(ctx, "c", i) for i in range(200)]


def test_the_draw_does_not_depend_on_the_order_of_draws(sim):
    ctx = sim.context("default", "toy")
    forward = {i: draw_email(ctx, "c", i) for i in range(200)}
    backward = {i: draw_email(ctx, "c", i) for i in reversed(range(200))}
    assert forward == backward


def test_another_seed_draws_other_outcomes(sim):
    with sim.store.batch():
        ws = sim.create_workspace(seed=12345, start=START)["id"]
    a = [draw_email(sim.context("default", "toy"), "c", i) for i in range(200)]
    b = [draw_email(sim.context(ws, "toy"), "c", i) for i in range(200)]
    assert a != b


def test_a_profile_with_every_reply_gives_replies_only(sim):
    with sim.store.batch():
        ws = sim.create_workspace(start=START, profile={"email": {"hard_bounce": 0, "soft_bounce": 0,
                                                                  "reply_of_delivered": 1.0}})["id"]
    ctx = sim.context(ws, "toy")
    drawn = [draw_email(ctx, "c", i) for i in range(100)]
    assert all(o.delivered and o.reply_class and o.open_after is not None for o in drawn)


def test_reply_text_is_deterministic_for_a_key(sim):
    ctx = sim.context("default", "toy")
    with sim.store.lock:
        first = reply_text(ctx, "interested", "lead_1")
        again = reply_text(ctx, "interested", "lead_1")
        other = reply_text(ctx, "interested", "lead_2")
    assert first == again
    assert first != other


def test_out_of_office_dates_follow_the_workspace_clock(sim):
    with sim.store.batch():
        ws = sim.create_workspace(seed="ooo", start="2030-06-01T00:00:00Z")["id"]
    ctx = sim.context(ws, "toy")
    months = set()
    with sim.store.lock:
        for i in range(30):
            text = reply_text(ctx, "out_of_office", i)
            months.update(m for m in ("June", "July") if m in text)
    assert months and months <= {"June", "July"}


def test_reply_text_uses_the_given_sender_and_company(sim):
    ctx = sim.context("default", "toy")
    with sim.store.lock:
        texts = [reply_text(ctx, "interested", i, company="Acme Corp", sender="Dana") for i in range(20)]
    assert any("Acme Corp" in t for t in texts)
    assert any("Dana" in t for t in texts)


# --- profile validation ----------------------------------------------------------------------------

DEFAULT = load_json("fixtures", "profiles/default.json")


def test_a_valid_override_has_no_problems():
    assert profile_errors({"email": {"hard_bounce": 0.1, "open_delay_hours": [1, 2]}}, DEFAULT) == []


def test_a_rate_above_one_is_a_problem():
    [problem] = profile_errors({"email": {"reply_of_delivered": 1.5}}, DEFAULT)
    assert (problem.path, problem.kind) == ("email.reply_of_delivered", "value")


def test_a_string_where_a_number_belongs_is_a_problem():
    [problem] = profile_errors({"linkedin": {"connection_accept_rate": "high"}}, DEFAULT)
    assert problem.path == "linkedin.connection_accept_rate"


def test_bounds_must_be_two_ordered_numbers():
    problems = profile_errors({"email": {"open_delay_hours": [5, 1], "reply_delay_hours": [1]}}, DEFAULT)
    assert [p.path for p in problems] == ["email.open_delay_hours", "email.reply_delay_hours"]


def test_an_object_where_an_object_belongs():
    [problem] = profile_errors({"email": 3}, DEFAULT)
    assert (problem.path, problem.kind) == ("email", "type")


def test_weights_must_not_all_be_zero():
    zero = {"interested": 0, "not_interested": 0, "out_of_office": 0, "unsubscribe": 0}
    [problem] = profile_errors({"email": {"reply_classes": zero}}, DEFAULT)
    assert problem.path == "email.reply_classes"


def test_bounces_together_must_not_exceed_one():
    [problem] = profile_errors({"email": {"hard_bounce": 0.6, "soft_bounce": 0.6}}, DEFAULT)
    assert problem.path == "email"


def test_unknown_keys_are_left_to_vendors():
    assert profile_errors({"puffle": {"anything": 1}, "email": {"new_knob": "x"}}, DEFAULT) == []
