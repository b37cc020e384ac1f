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
