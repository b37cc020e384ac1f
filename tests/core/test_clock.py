"""Workspace clocks: manual, realtime and scaled modes, durations and ISO formatting."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from sim.core import clock as clock_module
from sim.core.clock import MAX_TS, Clock, iso, mode_name, parse_duration, parse_iso, parse_mode


class FakeTime:
    """Real time under the test's control (the clock reads ``time.time``)."""

    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def real(monkeypatch):
    fake = FakeTime()
    monkeypatch.setattr(clock_module.time, "time", fake)
    return fake


T0 = datetime(2025, 1, 15, 10, 0, tzinfo=UTC).timestamp()


def test_manual_clock_stands_still_while_real_time_passes(real):
    c = Clock(T0, real(), None)
    real.now += 3600
    assert c.now_ts() == T0


def test_realtime_clock_moves_with_real_time(real):
    c = Clock(T0, real(), 1.0)
    real.now += 90
    assert c.now_ts() == T0 + 90


def test_scaled_clock_moves_n_times_faster(real):
    c = Clock(T0, real(), 60.0)
    real.now += 10
    assert c.now_ts() == T0 + 600


def test_set_moves_forward_and_reanchors(real):
    c = Clock(T0, real(), 60.0)
    real.now += 1
    c.set(T0 + 3600)
    assert c.now_ts() == T0 + 3600
    real.now += 1
    assert c.now_ts() == T0 + 3660


def test_set_never_moves_backwards(real):
    c = Clock(T0, real(), None)
    c.set(T0 - 10)
    assert c.now_ts() == T0


def test_changing_the_rate_keeps_the_current_time(real):
    c = Clock(T0, real(), 1.0)
    real.now += 100
    c.set_rate(None)
    real.now += 100
    assert c.now_ts() == T0 + 100
    c.set_rate(10.0)
    real.now += 1
    assert c.now_ts() == T0 + 110


def test_clock_round_trips_through_its_document(real):
    c = Clock(T0, real(), 60.0)
    again = Clock.from_doc(c.to_doc())
    assert (again.base, again.anchor, again.rate) == (c.base, c.anchor, c.rate)


def test_as_json_shows_time_and_mode():
    assert Clock(T0, 0, None).as_json() == {"now": "2025-01-15T10:00:00Z", "mode": "manual"}
    assert Clock(T0, 0, 60.0).as_json()["mode"] == "60x"


@pytest.mark.parametrize(("text", "rate"), [("manual", None), ("", None), ("realtime", 1.0), ("60x", 60.0),
                                            ("0.5x", 0.5), (" REALTIME ", 1.0)])
def test_parse_mode_accepts_the_three_modes(text, rate):
    assert parse_mode(text) == rate


@pytest.mark.parametrize("text", ["fast", "0x", "-2x", "x", "60", "10001x", "1e308x", "1e12x", "1e9x", "infx", "nanx",
                                  "1e-300x", "1_000x", "\u0663x", "\uff16\uff10x", "0.0x", "10000.5x", ".5x", "5.x", "6 0x"])
def test_parse_mode_rejects_anything_else(text):
    with pytest.raises(ValueError):
        parse_mode(text)


@pytest.mark.parametrize(("text", "rate"), [("10000x", 10000.0), ("0.000001x", 0.000001), ("10000.0x", 10000.0)])
def test_parse_mode_accepts_scaled_modes_up_to_ten_thousand(text, rate):
    assert parse_mode(text) == rate


def test_a_rejected_mode_is_quoted_at_most_200_characters():
    with pytest.raises(ValueError) as caught:
        parse_mode("9" * 100_000 + "x")
    assert len(str(caught.value)) < 400


def test_a_running_clock_stops_at_the_year_9000():
    assert Clock(MAX_TS - 1, time.time() - 10, 10_000.0).now_ts() == MAX_TS


@pytest.mark.parametrize(("rate", "name"), [(None, "manual"), (1.0, "realtime"), (60.0, "60x"), (2.5, "2.5x")])
def test_mode_name_is_the_inverse_of_parse_mode(rate, name):
    assert mode_name(rate) == name
    assert parse_mode(name) == rate


@pytest.mark.parametrize(("text", "seconds"), [(90, 90), ("90", 90), ("90s", 90), ("15m", 900), ("2h", 7200),
                                               ("3d", 259200), ("1w", 604800), ("250ms", 0.25), ("1.5h", 5400)])
def test_parse_duration_reads_units(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "2 hours", "h", "-5m", "1y"])
def test_parse_duration_rejects_other_text(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_parse_iso_reads_z_offsets_and_naive_times_as_utc():
    assert parse_iso("2025-01-15T10:00:00Z").timestamp() == T0
    assert parse_iso("2025-01-15T11:00:00+01:00").timestamp() == T0
    assert parse_iso("2025-01-15T10:00:00").timestamp() == T0


def test_parse_iso_rejects_non_strings():
    with pytest.raises(ValueError):
        parse_iso(1736935200)


def test_iso_formats_seconds_or_milliseconds():
    dt = datetime(2025, 1, 15, 10, 0, 5, 123456, tzinfo=UTC)
    assert iso(dt) == "2025-01-15T10:00:05Z"
    assert iso(dt, ms=True) == "2025-01-15T10:00:05.123Z"
