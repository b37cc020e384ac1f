"""Fixed-window rate limiting per bucket on real time: counts, resets, Retry-After, refused hits."""

from __future__ import annotations

from sim.core.ratelimit import RateLimiter, Window


class FakeTime:
    def __init__(self, now: float = 1_000_020.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_hits_within_the_limit_are_allowed_with_the_remaining_count():
    limiter = RateLimiter(clock=FakeTime())
    w = Window(3, 60)
    assert [limiter.hit("k", [w]).first()[1] for _ in range(3)] == [2, 1, 0]


def test_the_hit_over_the_limit_is_refused_with_retry_after_until_the_window_ends():
    t = FakeTime(1_000_020.0)  # 20 s into a minute window that started at 1_000_000 - 1_000_000 % 60
    limiter = RateLimiter(clock=t)
    w = Window(2, 60)
    limiter.hit("k", [w])
    limiter.hit("k", [w])
    hit = limiter.hit("k", [w])
    start = int(t.now // 60) * 60
    assert not hit.allowed
    assert hit.blocking == w
    assert hit.retry_after == int(start + 60 - t.now + 0.999)


def test_a_refused_hit_does_not_use_up_quota_of_other_windows():
    t = FakeTime()
    limiter = RateLimiter(clock=t)
    second, minute = Window(1, 1, "second"), Window(5, 60, "minute")
    assert limiter.hit("k", [second, minute]).allowed
    for _ in range(3):
        assert not limiter.hit("k", [second, minute]).allowed
    t.now += 1
    hit = limiter.hit("k", [second, minute])
    assert hit.allowed
    assert hit.windows[1][1] == 3  # only the two allowed hits counted in the minute window


def test_a_new_window_starts_with_full_quota():
    t = FakeTime()
    limiter = RateLimiter(clock=t)
    w = Window(1, 60)
    limiter.hit("k", [w])
    assert not limiter.hit("k", [w]).allowed
    t.now += 60
    assert limiter.hit("k", [w]).allowed


def test_buckets_are_counted_separately():
    limiter = RateLimiter(clock=FakeTime())
    w = Window(1, 60)
    assert limiter.hit("key-a", [w]).allowed
    assert limiter.hit("key-b", [w]).allowed
    assert not limiter.hit("key-a", [w]).allowed


def test_reset_by_prefix_forgets_only_those_buckets():
    limiter = RateLimiter(clock=FakeTime())
    w = Window(1, 60)
    limiter.hit("ws1:toy:k", [w])
    limiter.hit("ws2:toy:k", [w])
    limiter.reset("ws1:")
    assert limiter.hit("ws1:toy:k", [w]).allowed
    assert not limiter.hit("ws2:toy:k", [w]).allowed


def test_retry_after_is_at_least_one_second():
    t = FakeTime(1_000_019.9999)
    limiter = RateLimiter(clock=t)
    w = Window(1, 1, "second")
    limiter.hit("k", [w])
    assert limiter.hit("k", [w]).retry_after == 1
