"""Pagination helpers: integer query parameters, pages, offset slices and opaque cursors."""

from __future__ import annotations

import pytest

from sim.core.errors import BadRequest, Invalid
from sim.core.pagination import decode_cursor, encode_cursor, int_param, offset_slice, paginate


def test_int_param_parses_and_defaults():
    assert int_param("5", "limit", default=10) == 5
    assert int_param(None, "limit", default=10) == 10
    assert int_param("", "limit", default=10) == 10
    assert int_param(" 7 ", "limit", default=10) == 7


def test_int_param_rejects_text_with_the_given_error():
    with pytest.raises(BadRequest) as exc:
        int_param("abc", "limit", default=10)
    assert exc.value.message == "limit must be an integer"
    with pytest.raises(Invalid):
        int_param("1.5", "limit", default=10, error=Invalid)


def test_int_param_rejects_out_of_range_values():
    with pytest.raises(BadRequest) as exc:
        int_param("500", "limit", default=10, minimum=1, maximum=100)
    assert exc.value.message == "limit must be between 1 and 100"
    with pytest.raises(BadRequest) as exc:
        int_param("-1", "offset", default=0, minimum=0)
    assert exc.value.message == "offset must be at least 0"


def test_int_param_clamps_when_asked():
    assert int_param("500", "limit", default=10, minimum=1, maximum=100, clamp=True) == 100
    assert int_param("0", "limit", default=10, minimum=1, maximum=100, clamp=True) == 1


def test_int_param_rejects_absurdly_long_numbers_as_bad_input():
    with pytest.raises(BadRequest):
        int_param("9" * 5000, "limit", default=10)


def test_paginate_gives_the_page_and_totals():
    page = paginate(list(range(25)), page=3, per_page=10)
    assert page.items == [20, 21, 22, 23, 24]
    assert (page.total, page.page, page.per_page, page.page_count) == (25, 3, 10, 3)


def test_paginate_past_the_end_is_empty():
    assert paginate(list(range(5)), page=4, per_page=10).items == []


def test_offset_slice_says_whether_more_remain():
    assert offset_slice(list(range(5)), 0, 2) == ([0, 1], True)
    assert offset_slice(list(range(5)), 3, 2) == ([3, 4], False)


def test_cursors_round_trip_without_padding():
    cursor = encode_cursor({"after": "lead_01", "n": 3})
    assert "=" not in cursor
    assert decode_cursor(cursor) == {"after": "lead_01", "n": 3}


@pytest.mark.parametrize("cursor", ["!!!", "bm90IGpzb24", "WzEsMl0"])
def test_a_bad_cursor_raises_value_error(cursor):
    with pytest.raises(ValueError):
        decode_cursor(cursor)
