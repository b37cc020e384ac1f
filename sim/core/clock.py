"""Workspace clocks: manual, realtime or scaled simulated time, and ISO-8601 formatting."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sim.core.errors import quoted

UTC = UTC
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}
# Simulated time stays within 1970..9000 so every later "now" still formats as a four-digit ISO year.
MIN_TS = 0.0
MAX_TS = 221845392000.0  # 9000-01-01T00:00:00Z


MAX_RATE = 10_000.0  # fastest scaled clock: 10,000 simulated seconds per real second
_SCALED = re.compile(r"([0-9]{1,5})(?:\.([0-9]{1,6}))?x")  # ASCII digits only: no 1_000x, 1e3x, infx or "٣x"


def parse_mode(mode: str) -> float | None:
    """``manual`` -> None, ``realtime`` -> 1.0, ``60x`` -> 60.0 (``Nx`` with 0 < N <= 10,000). ValueError otherwise."""
    text = (mode or "manual").strip().lower() if isinstance(mode, str) else mode
    if text == "manual":
        return None
    if text == "realtime":
        return 1.0
    m = _SCALED.fullmatch(text) if isinstance(text, str) else None
    if m is not None:
        rate = float(m.group(0)[:-1])
        if 0 < rate <= MAX_RATE:
            return rate
    raise ValueError(f"clock mode must be manual, realtime or <N>x with 0 < N <= 10000 (like 60x), not {quoted(mode)}")


def valid_rate(rate: object) -> bool:
    """True for a stored rate that ``parse_mode`` could have produced (None is manual)."""
    return rate is None or (isinstance(rate, (int, float)) and not isinstance(rate, bool) and 0 < rate <= MAX_RATE)


def mode_name(rate: float | None) -> str:
    if rate is None:
        return "manual"
    return "realtime" if rate == 1.0 else f"{rate:.6f}".rstrip("0").rstrip(".") + "x"


def parse_duration(text: str | int | float) -> float:
    """Seconds in ``90``, ``90s``, ``15m``, ``2h``, ``3d``, ``1w``."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    m = _DURATION.match(str(text))
    if not m:
        raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 15m, 2h, 3d)")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_iso(text: str) -> datetime:
    """Parse an ISO-8601 timestamp; naive values are taken as UTC."""
    if not isinstance(text, str):
        raise ValueError("timestamp must be a string")
    dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def iso(dt: datetime, ms: bool = False) -> str:
    """``2025-01-15T10:00:00Z`` (or with ``.000`` milliseconds)."""
    dt = dt.astimezone(UTC)
    if ms:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def to_ts(dt: datetime) -> float:
    return dt.timestamp()


def from_ts(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


@dataclass
class Clock:
    """Simulated time of one workspace.

    ``base`` is the simulated epoch seconds at real time ``anchor``; ``rate`` None means manual.
    """

    base: float
    anchor: float
    rate: float | None = None

    def now_ts(self) -> float:
        if self.rate is None:
            return self.base
        return min(self.base + (time.time() - self.anchor) * self.rate, MAX_TS)  # a running clock stops at 9000

    def now(self) -> datetime:
        return from_ts(self.now_ts())

    def set(self, ts: float) -> None:
        """Move to ``ts`` (never backwards) and re-anchor."""
        self.base = max(ts, self.now_ts())
        self.anchor = time.time()

    def set_rate(self, rate: float | None) -> None:
        self.base = self.now_ts()
        self.anchor = time.time()
        self.rate = rate

    def to_doc(self) -> dict:
        return {"base": self.base, "anchor": self.anchor, "rate": self.rate}

    @classmethod
    def from_doc(cls, doc: dict) -> Clock:
        return cls(base=doc["base"], anchor=doc["anchor"], rate=doc.get("rate"))

    def as_json(self) -> dict:
        return {"now": iso(self.now()), "mode": mode_name(self.rate)}


def next_midnight(ts: float) -> float:
    day = 86400
    return (ts // day + 1) * day


def add(dt: datetime, seconds: float) -> datetime:
    return dt + timedelta(seconds=seconds)
