"""The connector's circuit breaker (fapiao_core.breaker), without Odoo."""

from fapiao_core.breaker import Policy, verdict


def test_three_failures_in_a_row_is_unreachable():
    assert verdict([False, True, True]) is None
    assert verdict([False, True, True, True]) == ("unreachable", 3)


def test_failure_rate_over_the_window():
    ok_then_two = [False] * 30 + [True, False, True]  # 2 of 33 = 6.1 %
    assert verdict(ok_then_two) == ("failure_rate", 6.1)
    assert verdict([False] * 39 + [True]) is None  # 2.5 %
    assert verdict([True, False] * 5) is None  # too few calls to judge a rate
    assert verdict([True, False] * 5, Policy(min_calls=10)) == ("failure_rate", 50.0)
