"""Persistent jobs: (due, seq) order, the clock at each job's due time, cancellation, restart, failures."""

from __future__ import annotations

import shutil

import pytest

from sim.config import Config
from sim.core.clock import parse_iso
from sim.simulator import Simulator
from tests.support.toyvendor import toy_spec

START = "2025-01-15T10:00:00Z"
T0 = parse_iso(START).timestamp()


def record(ctx, args):
    """A job that writes down when it ran."""
    log = ctx.table("runs")
    log.put(f"{len(log):04d}", {"n": args["n"], "at": ctx.now_ts()})
    if args.get("then"):
        ctx.schedule("toy.record", ctx.now_ts() + args["then"], {"n": args["n"] + "+"})


def explode(ctx, args):
    raise RuntimeError("job blew up")


def spec():
    s = toy_spec()
    s.jobs = {**s.jobs, "toy.record": record, "toy.explode": explode}
    return s


def make_sim(store="memory") -> Simulator:
    return Simulator(Config(store=store, start=START), [spec()])


@pytest.fixture
def sim():
    s = make_sim()
    yield s
    s.close()


def schedule(sim, ws, kind, due, args):
    with sim.store.batch():
        return sim.context(ws, "toy").schedule(kind, due, args)


def runs(sim, ws="default"):
    return [(d["n"], d["at"]) for d in sim.context(ws, "toy").table("runs").all()]


def test_jobs_run_in_due_order_whatever_order_they_were_scheduled_in(sim):
    schedule(sim, "default", "toy.record", T0 + 300, {"n": "c"})
    schedule(sim, "default", "toy.record", T0 + 100, {"n": "a"})
    schedule(sim, "default", "toy.record", T0 + 200, {"n": "b"})
    sim.advance("default", seconds=3600)
    assert [n for n, _ in runs(sim)] == ["a", "b", "c"]


def test_jobs_due_at_the_same_time_run_in_scheduling_order(sim):
    for n in ("first", "second", "third"):
        schedule(sim, "default", "toy.record", T0 + 60, {"n": n})
    sim.advance("default", seconds=60)
    assert [n for n, _ in runs(sim)] == ["first", "second", "third"]


def test_each_job_sees_the_clock_at_its_own_due_time(sim):
    schedule(sim, "default", "toy.record", T0 + 100, {"n": "a"})
    schedule(sim, "default", "toy.record", T0 + 250, {"n": "b"})
    sim.advance("default", seconds=3600)
    assert runs(sim) == [("a", T0 + 100), ("b", T0 + 250)]


def test_advance_ends_at_the_target_time(sim):
    schedule(sim, "default", "toy.record", T0 + 100, {"n": "a"})
    result = sim.advance("default", seconds=3600)
    assert result == {"now": "2025-01-15T11:00:00Z", "jobs_run": 1, "webhooks_attempted": 0}


def test_jobs_after_the_target_time_wait(sim):
    schedule(sim, "default", "toy.record", T0 + 100, {"n": "a"})
    schedule(sim, "default", "toy.record", T0 + 7200, {"n": "later"})
    sim.advance("default", seconds=3600)
    assert [n for n, _ in runs(sim)] == ["a"]
    assert [j["args"]["n"] for j in sim.scheduler.pending("default")] == ["later"]
    sim.advance("default", seconds=3600)
    assert [n for n, _ in runs(sim)] == ["a", "later"]


def test_a_job_due_exactly_at_the_target_runs(sim):
    schedule(sim, "default", "toy.record", T0 + 3600, {"n": "edge"})
    assert sim.advance("default", seconds=3600)["jobs_run"] == 1


def test_a_job_scheduled_by_a_job_runs_in_the_same_advance_when_due(sim):
    schedule(sim, "default", "toy.record", T0 + 60, {"n": "a", "then": 60})
    sim.advance("default", seconds=600)
    assert runs(sim) == [("a", T0 + 60), ("a+", T0 + 120)]


def test_a_cancelled_job_does_not_run(sim):
    job = schedule(sim, "default", "toy.record", T0 + 60, {"n": "a"})
    schedule(sim, "default", "toy.record", T0 + 60, {"n": "b"})
    with sim.store.batch():
        assert sim.context("default", "toy").cancel(job) is True
    sim.advance("default", seconds=600)
    assert [n for n, _ in runs(sim)] == ["b"]


def test_a_failing_job_is_noted_and_does_not_stop_the_clock(sim):
    schedule(sim, "default", "toy.explode", T0 + 10, {})
    schedule(sim, "default", "toy.record", T0 + 20, {"n": "after"})
    result = sim.advance("default", seconds=60)
    assert result["now"] == "2025-01-15T10:01:00Z"
    assert [n for n, _ in runs(sim)] == ["after"]
    [notice] = sim.notices("default")
    assert notice["kind"] == "job_failed"
    assert notice["job"] == "toy.explode"
    assert notice["message"] == "RuntimeError: job blew up"


def test_a_job_of_an_unknown_kind_is_skipped(sim):
    schedule(sim, "default", "nobody.handles.this", T0 + 10, {})
    schedule(sim, "default", "toy.record", T0 + 20, {"n": "after"})
    sim.advance("default", seconds=60)
    assert [n for n, _ in runs(sim)] == ["after"]
    assert sim.scheduler.pending("default") == []


def test_each_workspace_has_its_own_jobs_and_clock(sim):
    other = sim.create_workspace(start=START)["id"]
    schedule(sim, "default", "toy.record", T0 + 60, {"n": "default"})
    schedule(sim, other, "toy.record", T0 + 60, {"n": "other"})
    sim.advance(other, seconds=600)
    assert runs(sim, other) == [("other", T0 + 60)]
    assert runs(sim, "default") == []
    assert sim.clock("default").now_ts() == T0


def test_pending_jobs_survive_a_restart(tmp_path):
    first = make_sim(str(tmp_path))
    schedule(first, "default", "toy.record", T0 + 300, {"n": "b"})
    schedule(first, "default", "toy.record", T0 + 100, {"n": "a"})
    first.advance("default", seconds=50)
    first.close()
    second = make_sim(str(tmp_path))
    assert [j["args"]["n"] for j in second.scheduler.pending("default")] == ["a", "b"]
    second.advance("default", seconds=3600)
    assert runs(second) == [("a", T0 + 100), ("b", T0 + 300)]
    second.close()


def test_jobs_survive_a_crash_without_close(tmp_path):
    first = make_sim(str(tmp_path))
    schedule(first, "default", "toy.record", T0 + 100, {"n": "a"})
    after = tmp_path.parent / f"{tmp_path.name}-after-kill"
    shutil.copytree(tmp_path, after)  # no close(): the files as a kill -9 leaves them; only the log has the job
    second = make_sim(str(after))
    second.advance("default", seconds=3600)
    assert runs(second) == [("a", T0 + 100)]
    second.close()
    first.close()


def test_the_clock_survives_a_restart(tmp_path):
    first = make_sim(str(tmp_path))
    first.advance("default", seconds=7200)
    first.close()
    second = make_sim(str(tmp_path))
    assert second.clock("default").as_json()["now"] == "2025-01-15T12:00:00Z"
    second.close()


def test_new_jobs_after_a_restart_run_after_older_jobs_due_at_the_same_time(tmp_path):
    first = make_sim(str(tmp_path))
    schedule(first, "default", "toy.record", T0 + 60, {"n": "old"})
    first.close()
    second = make_sim(str(tmp_path))
    schedule(second, "default", "toy.record", T0 + 60, {"n": "new"})
    second.advance("default", seconds=60)
    assert [n for n, _ in runs(second)] == ["old", "new"]
    second.close()
