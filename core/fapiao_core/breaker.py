"""Circuit breaker of the platform connection (plain Python, no Odoo).

The provider goes offline when the platform is unreachable (the last calls all failed to get
through) or when more than a share of the calls in a sliding window failed. While offline,
nothing is sent: requests wait locally (queued jobs) and a probe runs on the heartbeat; when it
succeeds, the backlog drains in order.

Only platform failures count (``errors.call_outcome``: the codes the error table marks
``failing``): the network, TLS, timeouts, HTTP 5xx, unreadable answers and the platform's own
"system busy" codes. A refusal of the content (an invalid buyer tax ID...) is the platform working
as it should.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    max_failure_rate: float = 0.05  # more than 5 % of the window failing opens the circuit
    min_calls: int = 20  # below this many calls in the window, the rate says nothing
    consecutive_unreachable: int = 3  # this many failures in a row: unreachable


def verdict(outcomes, policy=None):
    """``outcomes``: the window's calls, oldest first, True when the platform failed.

    Returns None (stay online) or the reason to go offline: ("unreachable", n) or
    ("failure_rate", percent)."""
    policy = policy or Policy()
    outcomes = list(outcomes)
    tail = outcomes[-policy.consecutive_unreachable :]
    if len(tail) == policy.consecutive_unreachable and all(tail):
        return ("unreachable", len(tail))
    if len(outcomes) >= policy.min_calls:
        rate = sum(outcomes) / len(outcomes)
        if rate > policy.max_failure_rate:
            return ("failure_rate", round(rate * 100, 1))
    return None
