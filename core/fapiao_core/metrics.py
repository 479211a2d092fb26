"""Prometheus metrics of the connector (text exposition format, with prometheus-client).

``render`` takes a snapshot made of plain values (the Odoo side gathers it with a few aggregate
queries) and writes the families below. Rates and latencies are over a sliding window
(``WINDOW_SECONDS``, given as the ``window`` label's value) read from the request log, which is
purged after its retention: they are gauges, not counters.
"""

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily

WINDOW_SECONDS = 3600
# seconds; the platform answers in 50-300 ms over the internet, documents in a few seconds
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# an alert when at least this share of a window's calls got an HTTP 5xx ...
ALERT_5XX_RATIO = 0.005
# ... out of at least this many calls (one error in three calls is no trend)
ALERT_MIN_CALLS = 20


def alert_5xx(calls, errors, ratio=ALERT_5XX_RATIO, min_calls=ALERT_MIN_CALLS):
    """True when ``errors`` of ``calls`` reach the alert ratio."""
    return calls >= min_calls and errors >= ratio * calls


class _Snapshot:
    def __init__(self, snapshot):
        self.snapshot = snapshot

    def collect(self):  # noqa: C901 - one family after the other
        window = str(WINDOW_SECONDS)
        providers = self.snapshot.get("providers", [])
        companies = self.snapshot.get("companies", [])

        online = GaugeMetricFamily(
            "fapiao_platform_online",
            "1 when the platform is online, 0 when the circuit breaker holds its calls.",
            labels=["company", "provider"],
        )
        credit = GaugeMetricFamily(
            "fapiao_credit_line_available_yuan",
            "The month's credit line (授信额度) left, tax excluded, as last read.",
            labels=["company", "provider"],
        )
        calls = GaugeMetricFamily(
            "fapiao_platform_calls",
            "Calls to the platform in the window.",
            labels=["company", "provider", "window"],
        )
        errors = GaugeMetricFamily(
            "fapiao_platform_http_5xx_ratio",
            "Share of the window's calls answered with an HTTP 5xx.",
            labels=["company", "provider", "window"],
        )
        latency = HistogramMetricFamily(
            "fapiao_platform_call_duration_seconds",
            "Duration of the window's platform calls, per method.",
            labels=["company", "provider", "method", "window"],
        )
        certificates = GaugeMetricFamily(
            "fapiao_certificate_days_left",
            "Days until a certificate the connection relies on expires.",
            labels=["company", "provider", "certificate"],
        )
        for row in providers:
            base = [row["company"], row["provider"]]
            online.add_metric(base, 1.0 if row["online"] else 0.0)
            if row.get("credit_available") is not None:
                credit.add_metric(base, float(row["credit_available"]))
            calls.add_metric([*base, window], float(row["calls"]))
            errors.add_metric(
                [*base, window], (row["http_5xx"] / row["calls"]) if row["calls"] else 0.0
            )
            for method, hist in sorted(row.get("latency", {}).items()):
                buckets = [
                    (str(bound), float(count))
                    for bound, count in zip(LATENCY_BUCKETS, hist["buckets"], strict=True)
                ]
                buckets.append(("+Inf", float(hist["count"])))
                latency.add_metric([*base, method, window], buckets, float(hist["sum"]))
            for label, days in sorted(row.get("certificates", {}).items()):
                certificates.add_metric([*base, label], float(days))

        success = GaugeMetricFamily(
            "fapiao_issue_success_ratio",
            "Of the fapiao submitted in the window and finished, the share issued (the rest "
            "failed).",
            labels=["company", "window"],
        )
        queue = GaugeMetricFamily(
            "fapiao_queue_depth",
            "Fapiao waiting, per state (to issue, waiting for the drawer's login, issuing, "
            "failed).",
            labels=["company", "state"],
        )
        oldest = GaugeMetricFamily(
            "fapiao_oldest_waiting_seconds",
            "Age of the oldest fapiao submitted and not yet issued.",
            labels=["company"],
        )
        for row in companies:
            done = row["issued"] + row["failed"]
            if done:
                success.add_metric([row["company"], window], row["issued"] / done)
            for state, count in sorted(row["queue"].items()):
                queue.add_metric([row["company"], state], float(count))
            oldest.add_metric([row["company"]], float(row.get("oldest_waiting") or 0.0))

        jobs = GaugeMetricFamily(
            "fapiao_jobs", "Connector jobs in queue_job, per state.", labels=["state"]
        )
        for state, count in sorted(self.snapshot.get("jobs", {}).items()):
            jobs.add_metric([state], float(count))
        yield from (online, credit, calls, errors, latency, certificates)
        yield from (success, queue, oldest, jobs)


def render(snapshot):
    """The Prometheus text of ``snapshot`` (bytes)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(snapshot))
    return generate_latest(registry)


def latency_buckets(durations_ms):
    """{"buckets": cumulative counts per LATENCY_BUCKETS, "count", "sum" (seconds)} of a list
    of durations in milliseconds (used by the tests and by small logs)."""
    seconds = [d / 1000.0 for d in durations_ms]
    return {
        "buckets": [sum(1 for s in seconds if s <= bound) for bound in LATENCY_BUCKETS],
        "count": len(seconds),
        "sum": sum(seconds),
    }
