"""Deterministic ids and random streams from a workspace seed."""

from __future__ import annotations

import re
import uuid

from sim.core.ids import IdSource, stream, ulid


def test_the_same_seed_gives_the_same_ids_in_the_same_order():
    a, b = IdSource(42), IdSource(42)
    assert [a.hex("x_", 12), a.ulid("lead_", 1_736_935_200_000), a.alnum("k_", 8), a.uuid4(), a.sequence("n")] == \
           [b.hex("x_", 12), b.ulid("lead_", 1_736_935_200_000), b.alnum("k_", 8), b.uuid4(), b.sequence("n")]


def test_another_seed_gives_other_ids():
    assert IdSource(42).hex("x_", 12) != IdSource(43).hex("x_", 12)


def test_ids_continue_from_saved_counters():
    a = IdSource(7)
    a.hex("x_")
    second = a.hex("x_")
    assert IdSource(7, dict(a.counters)).hex("x_") == a.hex("x_")
    assert IdSource(7, {"x_": 1}).hex("x_") == second


def test_id_formats():
    ids = IdSource("seed")
    assert re.fullmatch(r"x_[0-9a-f]{12}", ids.hex("x_", 12))
    assert re.fullmatch(r"k_[A-Za-z0-9]{20}", ids.alnum("k_", 20))
    assert re.fullmatch(r"lead_[0-9A-HJKMNP-TV-Z]{26}", ids.ulid("lead_", 1_736_935_200_000))
    assert uuid.UUID(ids.uuid4()).version == 4
    assert [ids.sequence("a"), ids.sequence("a"), ids.sequence("b")] == [1, 2, 1]


def test_ulids_sort_by_time():
    assert ulid(1000, b"\xff" * 10) < ulid(1001, b"\x00" * 10)


def test_using_ids_marks_the_source_dirty():
    ids = IdSource(1)
    assert not ids.dirty
    ids.hex("x_")
    assert ids.dirty


def test_streams_depend_only_on_seed_and_key():
    assert stream(1, "a", 2).random() == stream(1, "a", 2).random()
    assert stream(1, "a", 2).random() != stream(1, "a", 3).random()
    assert stream(1, "a").random() != stream(2, "a").random()
