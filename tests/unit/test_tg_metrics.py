"""fapiao_core.metrics: the Prometheus text of a snapshot, read back with prometheus-client's own
parser; the 5xx alert's threshold."""

from fapiao_core import metrics
from prometheus_client.parser import text_string_to_metric_families


def samples(text):
    found = {}
    for family in text_string_to_metric_families(text.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def snapshot():
    return {
        "providers": [
            {
                "company": "北京果品",
                "provider": "诺诺",
                "online": False,
                "credit_available": "12345.67",
                "calls": 200,
                "http_5xx": 3,
                "latency": {"issue": metrics.latency_buckets([40, 90, 300, 1200, 20000])},
                "certificates": {"Platform server (TLS)": 29},
            }
        ],
        "companies": [
            {
                "company": "北京果品",
                "issued": 9,
                "failed": 1,
                "queue": {"to_issue": 4, "issuing": 2},
                "oldest_waiting": 90.5,
            }
        ],
        "jobs": {"pending": 5, "failed": 1},
    }


def test_every_family_with_its_values():
    got = samples(metrics.render(snapshot()))
    base = (("company", "北京果品"), ("provider", "诺诺"))
    window = (("window", "3600"),)
    assert got[("fapiao_platform_online", base)] == 0.0
    assert got[("fapiao_credit_line_available_yuan", base)] == 12345.67
    assert got[("fapiao_platform_calls", tuple(sorted(base + window)))] == 200
    assert got[("fapiao_platform_http_5xx_ratio", tuple(sorted(base + window)))] == 0.015
    hist = tuple(sorted(base + window + (("method", "issue"),)))
    assert got[("fapiao_platform_call_duration_seconds_count", hist)] == 5
    assert abs(got[("fapiao_platform_call_duration_seconds_sum", hist)] - 21.63) < 1e-9
    bucket = lambda le: tuple(sorted(hist + (("le", le),)))  # noqa: E731
    assert got[("fapiao_platform_call_duration_seconds_bucket", bucket("0.05"))] == 1
    assert got[("fapiao_platform_call_duration_seconds_bucket", bucket("0.5"))] == 3
    assert got[("fapiao_platform_call_duration_seconds_bucket", bucket("10.0"))] == 4
    assert got[("fapiao_platform_call_duration_seconds_bucket", bucket("+Inf"))] == 5
    cert = tuple(sorted(base + (("certificate", "Platform server (TLS)"),)))
    assert got[("fapiao_certificate_days_left", cert)] == 29
    company = (("company", "北京果品"),)
    assert got[("fapiao_issue_success_ratio", company + window)] == 0.9
    assert got[("fapiao_queue_depth", company + (("state", "to_issue"),))] == 4
    assert got[("fapiao_oldest_waiting_seconds", company)] == 90.5
    assert got[("fapiao_jobs", (("state", "pending"),))] == 5


def test_no_finished_fapiao_no_ratio_and_an_empty_snapshot_renders():
    data = snapshot()
    data["companies"][0].update(issued=0, failed=0)
    got = samples(metrics.render(data))
    assert not [key for key in got if key[0] == "fapiao_issue_success_ratio"]
    assert metrics.render({}).startswith(b"# HELP")


def test_the_5xx_alert_threshold():
    assert not metrics.alert_5xx(19, 19)  # too few calls to judge
    assert not metrics.alert_5xx(1000, 4)
    assert metrics.alert_5xx(1000, 5)  # 0.5 %
    assert metrics.alert_5xx(20, 1)
