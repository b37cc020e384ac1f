"""Fixed-window rate limits per key, on real time (clients back off in real time)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    limit: int
    seconds: int
    name: str = "minute"


@dataclass
class Hit:
    allowed: bool
    windows: list[tuple[Window, int, float]]  # (window, remaining after this hit, reset epoch)
    blocking: Window | None = None
    retry_after: int = 0

    def first(self) -> tuple[Window, int, float]:
        return self.windows[0]


class RateLimiter:
    """Counts hits per (bucket, window start). A refused hit does not use up quota."""

    def __init__(self, clock=time.time):
        self._clock = clock
        self._counts: dict[tuple[str, int, int], int] = {}
        self._lock = threading.Lock()

    def hit(self, bucket: str, windows: list[Window]) -> Hit:
        now = self._clock()
        with self._lock:
            slots = []
            for w in windows:
                start = int(now // w.seconds) * w.seconds
                slots.append((w, (bucket, w.seconds, start), start + w.seconds))
            for w, key, reset in slots:
                if self._counts.get(key, 0) >= w.limit:
                    return Hit(False, [(x, max(0, x.limit - self._counts.get(k, 0)), r) for x, k, r in slots],
                               blocking=w, retry_after=max(1, int(reset - now + 0.999)))
            for _w, key, _reset in slots:
                self._counts[key] = self._counts.get(key, 0) + 1
            if len(self._counts) > 100_000:
                self._prune(now)
            return Hit(True, [(w, w.limit - self._counts[k], r) for w, k, r in slots])

    def _prune(self, now: float) -> None:
        for key in [k for k in self._counts if k[2] + k[1] < now]:
            del self._counts[key]

    def reset(self, prefix: str = "") -> None:
        with self._lock:
            for key in [k for k in self._counts if k[0].startswith(prefix)]:
                del self._counts[key]


# --- limits set through /_sim (one shape for every vendor) -------------------------------------
# Stored in the workspace's vendor settings under OVERRIDES:
#   {"workspace": {"<seconds>": limit, ...}, "keys": {"<key>": {"<seconds>": limit, ...}}}
# A key's own limit wins over the workspace-wide one, which wins over the vendor's default window.
OVERRIDES = "_rate_limit"
WINDOW_NAMES = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}


def window_name(seconds: int) -> str:
    return WINDOW_NAMES.get(seconds, f"{seconds}s")


def effective_windows(defaults: list[Window], overrides: dict | None, key: str | None = None) -> list[Window]:
    """The vendor's ``defaults`` with the overrides applied; a window the vendor lacks is added after its own."""
    if not overrides:
        return defaults
    merged = dict(overrides.get("workspace") or {})
    if key is not None:
        merged.update((overrides.get("keys") or {}).get(key) or {})
    if not merged:
        return defaults
    out = []
    for w in defaults:
        limit = merged.pop(str(w.seconds), None)
        out.append(w if limit is None else Window(int(limit), w.seconds, w.name))
    for seconds, limit in sorted(merged.items(), key=lambda item: int(item[0])):
        out.append(Window(int(limit), int(seconds), window_name(int(seconds))))
    return out


def set_override(overrides: dict | None, *, seconds: int, limit: int | None, key: str | None = None) -> dict:
    """A copy of ``overrides`` with one window's limit set (``limit`` None removes it)."""
    out = {"workspace": dict((overrides or {}).get("workspace") or {}),
           "keys": {k: dict(v) for k, v in ((overrides or {}).get("keys") or {}).items()}}
    layer = out["workspace"] if key is None else out["keys"].setdefault(key, {})
    if limit is None:
        layer.pop(str(seconds), None)
    else:
        layer[str(seconds)] = limit
    out["keys"] = {k: v for k, v in out["keys"].items() if v}
    return out
