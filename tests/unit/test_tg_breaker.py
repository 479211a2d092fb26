"""The connector's circuit breaker (tg_core.breaker), without Odoo."""

from tg_core.breaker import Policy, call_outcome, is_platform_failure, verdict


def test_what_counts_as_a_platform_failure():
    for code in ("TIMEOUT", "NETWORK", "TLS", "BAD_RESPONSE", "HTTP_503", "E9999"):
        assert is_platform_failure(code), code
    assert is_platform_failure("", http_status=502)
    for code in ("E0000", "E9106", "E9307", "E9131", "070101"):
        assert not is_platform_failure(code, http_status=200), code


def test_outcome_of_a_logged_call():
    assert call_outcome("E0000", 200) == (True, False)
    assert call_outcome("E9106", 200) == (True, False)  # an earlier submission, adopted
    assert call_outcome("", 200) == (True, False)  # a document download
    assert call_outcome("E9307", 200) == (False, False)  # refused: the platform works
    assert call_outcome("", 404) == (False, False)
    assert call_outcome("TIMEOUT", 0) == (False, True)
    assert call_outcome("", 502) == (False, True)
    assert call_outcome("E9999", 200) == (False, True)  # busy


def test_three_failures_in_a_row_is_unreachable():
    assert verdict([False, True, True]) is None
    assert verdict([False, True, True, True]) == ("unreachable", 3)


def test_failure_rate_over_the_window():
    ok_then_two = [False] * 30 + [True, False, True]  # 2 of 33 = 6.1 %
    assert verdict(ok_then_two) == ("failure_rate", 6.1)
    assert verdict([False] * 39 + [True]) is None  # 2.5 %
    assert verdict([True, False] * 5) is None  # too few calls to judge a rate
    assert verdict([True, False] * 5, Policy(min_calls=10)) == ("failure_rate", 50.0)
