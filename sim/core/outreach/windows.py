"""Sending windows: the first instant a campaign may send at or after a time (fixed offset or IANA zone)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sim.core.outreach.model import DAY


def next_open(window: dict | None, ts: float) -> float:
    """The first instant at or after ``ts`` inside ``window``.

    ``window``: ``{"days": [0..6] (Monday=0), "start": minute of day, "end": minute of day (exclusive),
    "utc_offset": minutes east of UTC}``; ``None`` means always open.
    """
    if not window:
        return ts
    if "timezone" in window or "hours" in window:
        return _next_open_zoned(window, ts)
    offset = window.get("utc_offset", 0) * 60
    days = set(window.get("days", range(7)))
    start, end = window.get("start", 0) * 60, window.get("end", 1440) * 60
    if not days or start >= end:
        return math.inf
    local = ts + offset
    day0 = math.floor(local / DAY)
    for d in range(8):
        day = day0 + d
        weekday = (day + 3) % 7  # 1970-01-01 was a Thursday
        if weekday not in days:
            continue
        begin, finish = day * DAY + start, day * DAY + end
        if local < finish:
            return max(local, begin) - offset
    return math.inf


def _next_open_zoned(window: dict, ts: float) -> float:
    """``next_open`` for ``{"timezone": IANA name (default UTC), "hours": {"0".."6": [[start, end], ...]}}``:
    per-weekday spans in minutes of local day (a weekday missing from ``hours`` is closed), DST-aware. Without
    ``hours`` the single ``days``/``start``/``end`` form applies in that time zone."""
    try:
        tz = ZoneInfo(window.get("timezone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    hours = window.get("hours")
    if hours is None:
        days = window.get("days", range(7))
        hours = {str(d): [[window.get("start", 0), window.get("end", 1440)]] for d in days}
    local = datetime.fromtimestamp(ts, tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    for offset in range(8):
        day = midnight + timedelta(days=offset)
        for start, end in sorted(hours.get(str(day.weekday()), ())):
            if end <= start:
                continue
            opens = (day + timedelta(minutes=start)).replace(tzinfo=tz).timestamp()
            closes = (day + timedelta(minutes=end)).replace(tzinfo=tz).timestamp()
            if ts < closes:
                return max(ts, opens)
    return math.inf

