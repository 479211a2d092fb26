"""Latency benchmark: issuing bound by the platform's rate cap, not by Odoo's workers.

Run by `make bench` (scripts/bench.sh, or BENCH_ONLY=latency) with the virtualenv's Python,
outside `odoo shell`: committed data, a running Odoo with workers and queue_job's runner, the
sandbox as its own process.

1. the sandbox answers every service call after ``BENCH_LATENCY_MS`` (150) and refuses more
   than ``BENCH_RATE_CAP`` (20) calls a second per application key, counting its refusals;
   the provider's own rate limit is set a little under the cap (0.9 of it, a burst of 1);
2. ``BENCH_LATENCY_FAPIAO`` (1,000) fapiao are prepared, then submitted at once as the
   开票员 would (committed); Odoo runs with ``BENCH_LATENCY_WORKERS`` (10) workers and the
   fapiao channel sized for I/O-bound jobs (``BENCH_LATENCY_CHANNEL``, 8): the clock runs
   until every fapiao is issued;
3. figures: the service calls a fapiao needed (the sandbox's count), the drain rate against
   what the cap allows for them (goal ≥ 80 %), the cap's refusals (goal 0), duplicates on both
   sides (goal 0), and the jobs' Odoo share per fapiao (job time minus the platform's answer
   time) next to the same on loopback, measured in the same run (no latency, no cap, a
   quarter of the fapiao): goal no higher.

Usage: python bench/latency.py DB CONF RESULT_JSON
"""

import configparser
import json
import os
import pathlib
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "addons" / "tax_gateway"))
sys.path.insert(0, str(ROOT / "bench"))

from connector_e2e import (  # noqa: E402
    ISSUER,
    db_figures,
    free_port,
    prepare,
    start_odoo,
    wait_drained,
)
from sandbox.testing import SandboxProcess  # noqa: E402


def channel_conf(conf, capacity):
    """The benchmark's configuration with the fapiao channel sized for I/O-bound jobs."""
    parser = configparser.ConfigParser()
    parser.read(conf)
    if not parser.has_section("queue_job"):
        parser.add_section("queue_job")
    parser.set("queue_job", "channels", f"root:{capacity},root.fapiao:{capacity}")
    path = tempfile.mktemp(prefix="bench-latency-", suffix=".conf")
    with open(path, "w") as handle:
        parser.write(handle)
    return path


def submit_all(db, ids, rate_limit):
    """The 开票员 submits every fapiao (their jobs queued, committed); the provider's own rate
    limit set under the platform's cap."""
    import odoo
    from odoo import SUPERUSER_ID, api

    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        fapiao = env["tax.fapiao"].browse(ids)
        company = fapiao.company_id
        provider = env["tax.gateway.provider"].search([("company_id", "=", company.id)])
        # a token bucket lets its burst through on top of its rate: a little under the cap,
        # a burst of one, no second of the platform's sliding window sees more than the cap
        provider.write({"rate_limit": rate_limit * 0.9, "rate_burst": 1})
        issuer = env["res.users"].search([("login", "=", ISSUER)])
        fapiao.with_user(issuer).with_context(allowed_company_ids=company.ids)._submit()
        cr.commit()


def odoo_cpu_seconds(pid):
    """CPU seconds (user + system) used so far by Odoo's main process and its workers: the
    living workers' own, plus what the main process collected from workers that ended. Read
    from /proc: the jobs' Odoo cost, whatever they waited for."""
    tick = os.sysconf("SC_CLK_TCK")

    def fields(path):
        text = pathlib.Path(path).read_text()
        return text[text.rindex(")") + 2 :].split()  # after "pid (comm) "

    main = fields(f"/proc/{pid}/stat")
    total = sum(int(main[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            values = fields(stat)
        except (OSError, ValueError):
            continue  # ended meanwhile
        if int(values[1]) == pid:  # ppid: a worker of this Odoo
            total += int(values[11]) + int(values[12])
    return total / tick


def run(db, conf, count, latency_ms, cap, workers, capacity):
    sandbox = SandboxProcess(
        tempfile.mkdtemp(prefix="bench-sandbox-"),
        extra=[
            "--latency-ms",
            str(latency_ms),
            "--rate-cap",
            str(cap),
            "--credit-line",
            "1000000000.00",
        ],
    ).start()
    odoo_proc = None
    try:
        _base, ids, _company = prepare(db, conf, sandbox, count)
        before = sandbox.fault("status")["result"]
        odoo_proc, log = start_odoo(channel_conf(conf, capacity), db, free_port(), workers)
        start = time.perf_counter()
        cpu_before = odoo_cpu_seconds(odoo_proc.pid)
        submit_all(db, ids, cap)
        states = wait_drained(db, ids, timeout=max(600, count * 2))
        drained = time.perf_counter() - start
        cpu = odoo_cpu_seconds(odoo_proc.pid) - cpu_before
        after = sandbox.fault("status")["result"]
        figures = db_figures(db, ids, sandbox)
        calls = (after["service_calls"] - before["service_calls"]) / count
        issued = states.get("issued", 0)
        return {
            "fapiao": count,
            "latency_ms": latency_ms,
            "rate_cap": cap,
            "workers": workers,
            "channel_capacity": capacity,
            "final_states": states,
            "drain_seconds": round(drained, 1),
            "issued_per_second": round(issued / drained, 2),
            "service_calls_per_fapiao": round(calls, 2),
            "cap_allows_per_second": round(cap / calls, 2) if cap and calls else None,
            "cap_refusals": after["rate_refusals"] - before["rate_refusals"],
            "duplicates": figures["business_keys_issued_twice_on_platform"]
            + figures["numbers_given_twice_on_platform"]
            + figures["duplicate_numbers_in_odoo"],
            "job_seconds_per_fapiao": round(figures["job_seconds_per_fapiao"], 4),
            # Odoo's CPU (every worker, the job runner, the crons) per fapiao while it drained
            "odoo_cpu_seconds_per_fapiao": round(cpu / count, 4),
            "odoo_share_per_fapiao": round(
                figures["job_seconds_per_fapiao"] - figures["platform_wait_seconds_per_fapiao"],
                4,
            ),
            "odoo_log": log,
        }
    finally:
        if odoo_proc:
            odoo_proc.terminate()
            odoo_proc.wait(30)
        sandbox.stop()


def main(db, conf, out):
    from odoo.tools import config

    config.parse_config(["-c", conf, "-d", db])
    count = int(os.environ.get("BENCH_LATENCY_FAPIAO", "1000"))
    latency_ms = int(os.environ.get("BENCH_LATENCY_MS", "150"))
    cap = int(os.environ.get("BENCH_RATE_CAP", "20"))
    workers = int(os.environ.get("BENCH_LATENCY_WORKERS", "10"))
    capacity = int(os.environ.get("BENCH_LATENCY_CHANNEL", "8"))
    real = run(db, conf, count, latency_ms, cap, workers, capacity)
    print("latency", json.dumps(real))
    loopback = run(db, conf, max(1, count // 4), 0, 0, workers, capacity)
    print("loopback", json.dumps(loopback))
    result = {
        "latency": real,
        "loopback": loopback,
        "latency_drain_rate_to_cap": round(
            real["issued_per_second"] / real["cap_allows_per_second"], 3
        )
        if real["cap_allows_per_second"]
        else None,
        "latency_cap_refusals": real["cap_refusals"],
        "latency_duplicates": real["duplicates"] + loopback["duplicates"],
        "latency_odoo_share_ratio_to_loopback": round(
            real["odoo_share_per_fapiao"] / loopback["odoo_share_per_fapiao"], 3
        )
        if loopback["odoo_share_per_fapiao"] > 0
        else None,
        # the goal's measure: Odoo's CPU per fapiao under latency against loopback
        "latency_odoo_cpu_ratio_to_loopback": round(
            real["odoo_cpu_seconds_per_fapiao"] / loopback["odoo_cpu_seconds_per_fapiao"], 3
        )
        if loopback["odoo_cpu_seconds_per_fapiao"] > 0
        else None,
    }
    pathlib.Path(out).write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k.startswith("latency_")}, indent=2))


if __name__ == "__main__":
    main(*sys.argv[1:4])
