"""Token bucket arithmetic with a fake clock: no timing in the assertions."""

import pytest
from fapiao_core import ratelimit


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
