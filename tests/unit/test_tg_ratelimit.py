"""Token bucket arithmetic with a fake clock: no timing in the assertions."""

import threading

import pytest
from tg_core import ratelimit


def test_burst_then_rate():
    state = (None, None)
    allowed = []
    for _ in range(5):  # five calls at t=0 against burst 3
        ok, tokens, stamp, wait = ratelimit.take(*state, now=0.0, rate=2.0, burst=3)
        state = (tokens, stamp)
        allowed.append(ok)
    assert allowed == [True, True, True, False, False]
    assert wait == pytest.approx(0.5)  # 2 per second: one token in half a second
    ok, tokens, stamp, _ = ratelimit.take(*state, now=0.5, rate=2.0, burst=3)
    assert ok and tokens == pytest.approx(0.0)
    ok, tokens, _stamp, _ = ratelimit.take(tokens, stamp, now=100.0, rate=2.0, burst=3)
    assert ok and tokens == pytest.approx(2.0)  # refilled to the burst, never above


def test_no_limit():
    assert ratelimit.take(0.0, 0.0, 0.0, rate=0, burst=1)[0]


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_bucket_sleeps_exactly_what_the_rate_needs():
    clock = FakeClock()
    bucket = ratelimit.TokenBucket(rate=10, burst=2, clock=clock, sleep=clock.sleep)
    for _ in range(12):
        assert bucket.acquire()
    # 2 at once, then 10 more at 10 per second: one second of waiting in all
    assert sum(clock.slept) == pytest.approx(1.0)
    assert not bucket.acquire(max_wait=0.01)


def test_threads_never_exceed_the_burst():
    clock = FakeClock()
    bucket = ratelimit.TokenBucket(rate=1, burst=4, clock=clock, sleep=lambda s: None)
    granted = []

    def worker():
        granted.append(bucket.acquire(max_wait=0))

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert granted.count(True) == 4
