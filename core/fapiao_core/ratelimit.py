"""Token bucket: at most ``rate`` calls per second on average, ``burst`` at once.

``take`` is the arithmetic alone (state in, state out), so the Odoo side can keep the bucket in
a database row shared by every worker process.
"""

EPSILON = 1e-9


def take(tokens, stamp, now, rate, burst, cost=1.0):
    """Refill ``tokens`` (as of ``stamp``) up to ``burst`` at ``rate`` per second until ``now``,
    then take ``cost`` if there is enough.

    Returns (allowed, tokens, stamp, wait): the new state, and when not allowed how many seconds
    until ``cost`` tokens are there. A ``rate`` of 0 or less means no limit."""
    if rate <= 0:
        return True, float(burst), now, 0.0
    burst = max(float(burst), cost)
    if tokens is None or stamp is None:
        tokens, stamp = burst, now  # a new bucket starts full
    tokens = min(burst, tokens + max(0.0, now - stamp) * rate)
    if tokens >= cost - EPSILON:  # float refills land a hair short of a whole token
        return True, max(0.0, tokens - cost), now, 0.0
    return False, tokens, now, (cost - tokens) / rate
