"""VendorContext: state scoped to (workspace, vendor), time from the workspace clock, seeded chance."""

from __future__ import annotations

import pytest

from sim.config import Config
from sim.simulator import Simulator
from tests.support.toyvendor import toy_spec

START = "2025-01-15T10:00:00Z"


@pytest.fixture
def sim():
    s = Simulator(Config(store="memory", start=START), [toy_spec()])
    yield s
    s.close()


def new_ws(sim, **kw) -> str:
    with sim.store.batch():
        return sim.create_workspace(start=START, **kw)["id"]


def test_tables_are_scoped_to_workspace_and_vendor(sim):
    other = new_ws(sim)
    with sim.store.batch():
        sim.context("default", "toy").table("notes").put("n1", {"text": "default"})
    assert sim.context(other, "toy").table("notes").get("n1") is None
    assert sim.context("default", "other").table("notes").get("n1") is None
    assert sim.context("default", "toy").table("notes").get("n1") == {"text": "default"}


def test_time_comes_from_the_workspace_clock(sim):
    ctx = sim.context("default", "toy")
    assert ctx.iso() == "2025-01-15T10:00:00Z"
    assert ctx.iso(ms=True) == "2025-01-15T10:00:00.000Z"
    sim.advance("default", seconds=90)
    assert ctx.now().isoformat() == "2025-01-15T10:01:30+00:00"
    assert ctx.iso(ctx.now_ts() + 60) == "2025-01-15T10:02:30Z"


def test_rng_depends_on_seed_vendor_and_key(sim):
    same = new_ws(sim, seed=5)
    twin = new_ws(sim, seed=5)
    a, b = sim.context(same, "toy"), sim.context(twin, "toy")
    assert a.rng("lead", 1).random() == b.rng("lead", 1).random()
    assert a.rng("lead", 1).random() != a.rng("lead", 2).random()
    assert a.rng("lead", 1).random() != sim.context(same, "other").rng("lead", 1).random()


def test_fake_is_deterministic_for_a_key(sim):
    ctx = sim.context("default", "toy")
    with sim.store.lock:
        first = (ctx.fake("lead", 1).name(), ctx.fake("lead", 1).company())
        again = (ctx.fake("lead", 1).name(), ctx.fake("lead", 1).company())
        other = ctx.fake("lead", 2).name()
    assert first == again
    assert first[0] != other


def test_settings_are_per_vendor_and_cleared_by_reset(sim):
    ws = new_ws(sim)
    ctx = sim.context(ws, "toy")
    with sim.store.batch():
        ctx.set_setting("rate_limit", 5)
    assert ctx.settings == {"rate_limit": 5}
    assert sim.context(ws, "other").settings == {}
    sim.reset(ws)
    assert ctx.settings == {}


def test_profile_is_the_workspace_profile(sim):
    ws = new_ws(sim, profile={"email": {"hard_bounce": 0.5}})
    assert sim.context(ws, "toy").profile["email"]["hard_bounce"] == 0.5
    assert sim.context("default", "toy").profile["email"]["hard_bounce"] == 0.02


def test_subscriptions_lists_only_the_vendors_own(sim):
    ws = new_ws(sim)
    with sim.store.batch():
        sim.context(ws, "toy").subscribe("https://a.example/h", events=None, secret="s", sub_id="wh_toy")
        sim.context(ws, "other").subscribe("https://b.example/h", events=None, secret="s", sub_id="wh_other")
    assert [s["id"] for s in sim.context(ws, "toy").subscriptions()] == ["wh_toy"]


def test_ids_continue_after_a_restart(tmp_path):
    def take(sim, n):
        with sim.store.batch():
            out = [sim.context("default", "toy").ids.hex("x_") for _ in range(n)]
            sim.persist("default")
        return out

    first = Simulator(Config(store=str(tmp_path), start=START), [toy_spec()])
    before = take(first, 2)
    first.close()
    again = Simulator(Config(store=str(tmp_path), start=START), [toy_spec()])
    after = take(again, 1)
    again.close()
    unbroken = Simulator(Config(store="memory", start=START), [toy_spec()])
    assert before + after == take(unbroken, 3)
    unbroken.close()
