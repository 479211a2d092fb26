"""End-to-end connector benchmark: N fapiao issued concurrently through queue_job to the sandbox.

Run by `make bench` (scripts/bench.sh) with the virtualenv's Python, outside `odoo shell`,
because it needs committed data, a running Odoo server with workers and queue_job's runner, and
the sandbox platform as its own process. Steps:

1. baseline, timed in this process (``Baseline``): Odoo's own post of an invoice of 5 lines,
   one draft posted and committed at a time (POST_SAMPLE of them), as a user's *Confirm* and
   as the connector, which issues each fapiao in a job and transaction of its own; and, for
   comparison with the earlier runs, the create+post of the N invoices in one call (each
   invoice's share of it: no per-invoice call or commit, but the creation counted);
2. each of the N invoices gets its fapiao prepared (committed);
3. Odoo is started (prefork workers, queue_job channel ``root.fapiao``), and 16 web clients
   click *Issue* on the N fapiao concurrently: the latency of that user-facing request;
4. the queue drains to the sandbox: time until every fapiao is issued;
5. duplicates on both sides (business keys issued twice, numbers given twice): goal 0;
6. connector cost per fapiao, as a ratio to the post of one invoice (goal <= 0.5), and to the
   batch of step 1 (``..._to_batch``):
   - serial: BENCH_SERIAL more fapiao (default 100) issued one job after the other in this
     process (queue_job's own runner code), like the posts of the baseline: everything a job
     costs (queue_job's own work, the commits and the chatter messages) by the clock;
     BENCH_SERIAL_ROUNDS rounds (default 3), each timing its own baseline next to its jobs,
     and the median of each ratio (one round moves by ±10 % on a shared machine);
   - serial, Odoo's own share: the same minus the time the jobs waited for the platform's
     answers (request log; documents downloaded together count once, the longest), time a
     real platform spends on its side while the worker waits on the network;
   - serial, CPU: the CPU time of this process per fapiao against the same for the post
     (PostgreSQL's work left out of both);
   - polled: one more serial round (BENCH_POLLED fapiao, default 100) on a platform that
     does not issue at once: the issuing jobs, then the platform's poll job, which asks for
     50 results per query (by the clock and CPU);
   - under load: the jobs of step 4 (queue_job's exec_time: without the commit), in 2
     workers sharing 2 cores with the web clients, the sandbox and PostgreSQL, and Odoo's
     share of it: rough figures (the load slows the jobs, the baseline ran alone, and the
     commit is left out);
7. the sandbox alone: result queries per second over pooled HTTPS on loopback (goal ≥ 1,000).

Usage: python bench/connector_e2e.py DB CONF RESULT_JSON   (N from BENCH_FAPIAO, default 1000)
"""

import concurrent.futures
import dataclasses
import json
import multiprocessing
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal

import requests

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "addons" / "tax_gateway"))

from e2e_common import FAPIAO_JOBS, perform_jobs  # noqa: E402
from fapiao_core.client import Config  # noqa: E402
from fapiao_core.nuonuo import NuonuoClient  # noqa: E402
from fapiao_core.platform import FapiaoRequest, Line, Party  # noqa: E402
from sandbox.testing import SandboxProcess, free_port  # noqa: E402

CLIENTS = 16
ISSUER = "bench_issuer"


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


@dataclasses.dataclass
class Baseline:
    """Odoo's own work on invoices of 5 lines, per invoice: by the clock, and the CPU time of
    this process (PostgreSQL's work left out), in seconds.

    - ``post_s``/``post_cpu_s``: one draft invoice posted (``action_post``) in a transaction of
      its own and committed, one after the other: what a user's *Confirm* costs, in the unit
      the connector works in (one fapiao, one job, its own commits). The goal's baseline.
    - ``batch_s``/``batch_cpu_s``: create+post of all the round's invoices in one call and one
      transaction, which spreads Odoo's fixed costs of a call and of a commit over all of
      them. The baseline of the runs before 2026-12-01 (session 14), kept as a stricter
      figure: it counts the invoices' creation too, but no per-invoice call or commit."""

    post_s: float
    post_cpu_s: float
    batch_s: float
    batch_cpu_s: float


# invoices posted one by one for the baseline: enough for a stable mean, few enough that a run
# of 1,000 fapiao does not post 1,000 more
POST_SAMPLE = 100


def prepare(db, conf, sandbox, count):
    """Company, provider on the sandbox, issuer, N posted invoices each with a prepared fapiao:
    committed. Returns (Baseline per invoice, fapiao ids, company id)."""
    import odoo
    from odoo import SUPERUSER_ID, Command, api
    from odoo.tools import config

    if config["db_name"] != db:  # Odoo's configuration is parsed once per process
        config.parse_config(["-c", conf, "-d", db])
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env["res.company"].create(
            {
                "name": f"Bench 果品批发 {time.time():.0f}",
                "country_id": env.ref("base.cn").id,
                "vat": "91110000600037341L",
                "fapiao_identity_check_amount": 0,
            }
        )
        env.user.company_ids |= company
        env = env(context={"allowed_company_ids": [company.id]})
        env["account.chart.template"].try_loading("cn", company, install_demo=False)
        env["tax.gateway.provider"].search([("company_id", "=", company.id)]).unlink()
        env["tax.gateway.provider"].create(
            {
                "name": "Bench sandbox",
                "company_id": company.id,
                "base_url": sandbox.url,
                "ca_bundle": sandbox.ca,
                "document_cert_path": sandbox.signing_key,
                "app_key": sandbox.APP_KEY,
                "app_secret": sandbox.APP_SECRET,
                "poll_interval": 1,
                "rate_limit": 0,
                "breaker_min_calls": 1000000,
            }
        )
        user = env["res.users"].search([("login", "=", ISSUER)])
        values = {
            "name": "Bench 开票员",
            "login": ISSUER,
            "password": ISSUER,
            "company_id": company.id,
            "company_ids": [Command.link(company.id)],
            "groups_id": [
                Command.link(env.ref("tax_gateway.group_fapiao_issuer").id),
                Command.link(env.ref("account.group_account_invoice").id),
            ],
        }
        user = user.write(values) and user if user else env["res.users"].create(values)
        tax = env["account.chart.template"].with_company(company).ref("l10n_cn_sales_excluded_9")
        code = env["tax.classification"].search([("code", "=", "1010115010100000000")])
        products = env["product.product"].create(
            [
                {
                    "name": f"苹果 {i}",
                    "lst_price": 10 + i,
                    "taxes_id": [Command.set(tax.ids)],
                    "tax_classification_id": code.id,
                }
                for i in range(5)
            ]
        )
        buyer = env["res.partner"].create(
            {
                "name": "Bench 买方有限公司",
                "is_company": True,
                "vat": "91310000MA1FL0001R",
                "fapiao_kind": "82",
            }
        )
        cr.commit()

        def invoices(number):
            return [
                {
                    "move_type": "out_invoice",
                    "partner_id": buyer.id,
                    "company_id": company.id,
                    "invoice_line_ids": [
                        Command.create(
                            {"product_id": p.id, "quantity": 3 + n % 7, "price_unit": p.lst_price}
                        )
                        for p in products
                    ],
                }
                for n in range(number)
            ]

        # one by one: drafts created together (not timed), each posted and committed alone
        sample = min(count, POST_SAMPLE)
        drafts = env["account.move"].create(invoices(sample))
        cr.commit()
        post_s = post_cpu_s = 0.0
        for draft in drafts:
            start, start_cpu = time.perf_counter(), time.process_time()
            draft.action_post()
            cr.commit()
            post_s += time.perf_counter() - start
            post_cpu_s += time.process_time() - start_cpu
        # in one call: the invoices that get the fapiao
        start, start_cpu = time.perf_counter(), time.process_time()
        moves = env["account.move"].create(invoices(count))
        moves.action_post()
        env.flush_all()
        batch_s = (time.perf_counter() - start) / count
        batch_cpu_s = (time.process_time() - start_cpu) / count
        fapiao = env["tax.fapiao"]
        for move in moves:
            fapiao |= env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        cr.commit()
        baseline = Baseline(post_s / sample, post_cpu_s / sample, batch_s, batch_cpu_s)
        return baseline, fapiao.ids, company.id


def start_odoo(conf, db, port, workers=4):
    """Odoo serving ``db`` with ``workers`` prefork workers and queue_job's runner (the
    default: 2 for the web clients, 2 for the fapiao channel). Returns (process, log path)."""
    log = open(tempfile.mktemp(prefix="bench-odoo-", suffix=".log"), "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            str(pathlib.Path(sys.executable).with_name("odoo")),  # the set-up's launcher
            "-c",
            conf,
            "-d",
            db,
            f"--db-filter=^{db}$",
            f"--http-port={port}",
            f"--gevent-port={free_port()}",
            f"--workers={workers}",
            "--max-cron-threads=1",
            "--limit-time-real=600",
            "--load=base,web,queue_job",
            "--log-level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    for _ in range(120):
        try:
            if requests.get(f"http://127.0.0.1:{port}/web/login", timeout=10).ok:
                return proc, log.name
        except requests.RequestException:  # not listening yet, or a worker still loading
            pass
        time.sleep(0.5)
    proc.terminate()
    raise RuntimeError(f"Odoo did not start, see {log.name}")


def click_issue(port, db, company_id, ids):
    """CLIENTS web clients, each logged in as the issuer, click Issue on their share of ids."""
    latencies, errors = [], []
    lock = threading.Lock()

    def client(share):
        session = requests.Session()
        session.post(
            f"http://127.0.0.1:{port}/web/session/authenticate",
            json={"params": {"db": db, "login": ISSUER, "password": ISSUER}},
            timeout=30,
        ).raise_for_status()
        # the user opens the fapiao before clicking Issue (and the worker has its registry)
        session.post(
            f"http://127.0.0.1:{port}/web/dataset/call_kw",
            json={
                "params": {
                    "model": "tax.fapiao",
                    "method": "read",
                    "args": [share[:1], ["state", "amount_total"]],
                    "kwargs": {"context": {"allowed_company_ids": [company_id]}},
                }
            },
            timeout=60,
        ).raise_for_status()
        for fapiao_id in share:
            start = time.perf_counter()
            answer = session.post(
                f"http://127.0.0.1:{port}/web/dataset/call_button",
                json={
                    "params": {
                        "model": "tax.fapiao",
                        "method": "action_submit",
                        "args": [[fapiao_id]],
                        "kwargs": {"context": {"allowed_company_ids": [company_id]}},
                    }
                },
                timeout=60,
            )
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                if not answer.ok or "error" in answer.json():
                    errors.append(answer.text[:300])

    shares = [ids[i::CLIENTS] for i in range(CLIENTS)]
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, shares))
    return latencies, errors


def wait_drained(db, ids, timeout):
    import psycopg2

    deadline = time.monotonic() + timeout
    with psycopg2.connect(dbname=db) as conn:
        while True:
            with conn.cursor() as cr:
                cr.execute(
                    "SELECT state, count(*) FROM tax_fapiao WHERE id = ANY(%s) GROUP BY state",
                    [ids],
                )
                states = dict(cr.fetchall())
            conn.rollback()
            if states.get("issued", 0) == len(ids) or time.monotonic() > deadline:
                return states
            time.sleep(0.5)


def platform_wait_seconds(cr, fapiao_id):
    """Time the jobs of this fapiao's company waited for the platform, from the request log:
    each signed call, and for the documents of one fapiao, downloaded at the same time and
    logged in one insert (one transaction timestamp), only the longest."""
    cr.execute(
        """
        SELECT coalesce(sum(wait), 0) / 1000.0 FROM (
            SELECT CASE WHEN log.method = 'download' THEN max(log.duration_ms)
                        ELSE sum(log.duration_ms) END AS wait
              FROM tax_gateway_request_log log
              JOIN tax_gateway_provider provider ON provider.id = log.provider_id
             WHERE provider.company_id = (SELECT company_id FROM tax_fapiao WHERE id = %s)
             GROUP BY log.method, CASE WHEN log.method = 'download' THEN log.create_date END
        ) waits
        """,
        [fapiao_id],
    )
    return float(cr.fetchone()[0])


def db_figures(db, ids, sandbox):
    import sqlite3

    import psycopg2

    with psycopg2.connect(dbname=db) as conn, conn.cursor() as cr:
        cr.execute(
            "SELECT count(*), count(DISTINCT number), count(DISTINCT order_no) FROM tax_fapiao "
            "WHERE id = ANY(%s) AND number IS NOT NULL",
            [ids],
        )
        numbered, numbers, keys = cr.fetchone()
        platform_seconds = platform_wait_seconds(cr, ids[0])
        cr.execute(
            "SELECT records, exec_time FROM queue_job "
            "WHERE model_name = 'tax.fapiao' AND state = 'done'"
        )
        wanted = set(ids)
        done = [
            seconds or 0.0
            for records, seconds in cr.fetchall()
            if set((records if isinstance(records, dict) else json.loads(records))["ids"]) & wanted
        ]
        jobs, exec_seconds = len(done), sum(done)
    with sqlite3.connect(sandbox.data_dir / "sandbox.sqlite3") as lite:
        twice = lite.execute(
            "SELECT count(*) FROM (SELECT order_no FROM invoices GROUP BY tax_num, order_no "
            "HAVING count(*) > 1)"
        ).fetchone()[0]
        platform_numbers = lite.execute(
            "SELECT count(*) - count(DISTINCT number) FROM invoices"
        ).fetchone()[0]
    return {
        "fapiao_with_number": numbered,
        "duplicate_numbers_in_odoo": numbered - numbers,
        "duplicate_keys_in_odoo": numbered - keys,
        "business_keys_issued_twice_on_platform": twice,
        "numbers_given_twice_on_platform": platform_numbers,
        "jobs_done": jobs,
        "job_seconds_per_fapiao": exec_seconds / len(ids),
        "platform_wait_seconds_per_fapiao": platform_seconds / len(ids),
    }


def under_load_ratios(figures, base):
    """The jobs of the concurrent run (queue_job's exec_time, under load) against the baseline
    of that run, by the clock and Odoo's share (the platform's answers taken out)."""
    job = figures["job_seconds_per_fapiao"]
    share = job - figures["platform_wait_seconds_per_fapiao"]
    ratios = {}
    for suffix, seconds in (("post", base.post_s), ("batch", base.batch_s)):
        ratios[f"connector_cost_ratio_to_{suffix}"] = round(job / seconds, 3)
        ratios[f"odoo_share_ratio_to_{suffix}"] = round(share / seconds, 3)
    return ratios


def serial_job_seconds(db, conf, sandbox, count, query_on_submit=True):
    """``count`` more fapiao, prepared the same way, submitted and issued one job after the
    other in this process, each committed (e2e_common.perform_jobs: queue_job's runner code
    without its HTTP request). ``query_on_submit=False``: the provider of a platform that does
    not issue at once, the results fetched by the platform's poll job (50 per query).
    Returns, per fapiao and next to the Baseline of this same round: {"baseline", "job_s"
    (by the clock), "wait_s" (waiting for the platform; with polling, not counted: the
    downloads of many fapiao share one log timestamp), "job_cpu_s" (CPU of this process)}."""
    import odoo
    from odoo import SUPERUSER_ID, api

    baseline, ids, company_id = prepare(db, conf, sandbox, count)
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [company_id]})
        env.user.groups_id |= env.ref("tax_gateway.group_fapiao_issuer")
        waiting = env["queue.job"].search_count(
            [("model_name", "in", FAPIAO_JOBS), ("state", "in", ("pending", "enqueued"))]
        )
        if waiting:  # they would be timed with these
            raise RuntimeError(f"{waiting} fapiao jobs of an earlier run are still pending")
        provider = env["tax.gateway.provider"].search([("company_id", "=", company_id)])
        provider.query_on_submit = query_on_submit
        env["tax.fapiao"].browse(ids)._submit()
        cr.commit()
        start, start_cpu = time.perf_counter(), time.process_time()
        perform_jobs(env)  # the issuing jobs, then the poll jobs they queued
        elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        issued = env["tax.fapiao"].search_count([("id", "in", ids), ("state", "=", "issued")])
        if issued != len(ids):
            raise RuntimeError(f"serial run: {issued} of {len(ids)} fapiao issued")
        wait = platform_wait_seconds(cr, ids[0]) if query_on_submit else 0.0
    return {
        "baseline": baseline,
        "job_s": elapsed / len(ids),
        "wait_s": wait / len(ids),
        "job_cpu_s": cpu / len(ids),
    }


def polled_figures(db, conf, sandbox, count):
    """One serial round on a platform that does not issue at once: every fapiao's issuing
    job, then the platform's poll job (50 results per query), against one post."""
    run = serial_job_seconds(db, conf, sandbox, count, query_on_submit=False)
    return {
        "polled_fapiao": count,
        "polled_job_s_per_fapiao": run["job_s"],
        "polled_connector_cost_ratio_to_post": round(run["job_s"] / run["baseline"].post_s, 3),
        "polled_cpu_ratio_to_post": round(run["job_cpu_s"] / run["baseline"].post_cpu_s, 3),
    }


def serial_figures(db, conf, sandbox, count, rounds):
    """``rounds`` serial rounds (baseline and jobs measured together each time), and the
    median of each figure over them: one round moves by ±10 % on a shared machine."""
    runs = [serial_job_seconds(db, conf, sandbox, count) for _round in range(rounds)]
    ratios = {}
    for suffix, clock, cpu in (
        ("post", "post_s", "post_cpu_s"),
        ("batch", "batch_s", "batch_cpu_s"),
    ):
        ratios.update(
            {
                f"serial_connector_cost_ratio_to_{suffix}": [
                    r["job_s"] / getattr(r["baseline"], clock) for r in runs
                ],
                f"serial_odoo_share_ratio_to_{suffix}": [
                    (r["job_s"] - r["wait_s"]) / getattr(r["baseline"], clock) for r in runs
                ],
                f"serial_cpu_ratio_to_{suffix}": [
                    r["job_cpu_s"] / getattr(r["baseline"], cpu) for r in runs
                ],
            }
        )
    figures = {
        "serial_rounds": rounds,
        "serial_fapiao_per_round": count,
        "serial_baseline_post_s_per_invoice": statistics.median(r["baseline"].post_s for r in runs),
        "serial_baseline_batch_s_per_invoice": statistics.median(
            r["baseline"].batch_s for r in runs
        ),
        "serial_job_s_per_fapiao": statistics.median(r["job_s"] for r in runs),
        "serial_platform_wait_s_per_fapiao": statistics.median(r["wait_s"] for r in runs),
    }
    for name, values in ratios.items():
        figures[name] = round(statistics.median(values), 3)
        figures[f"{name}_each_round"] = [round(v, 3) for v in values]
    return figures


def sandbox_queries_per_second(sandbox, seconds=5.0, processes=4):
    config = Config(
        base_url=sandbox.url,
        app_key=sandbox.APP_KEY,
        app_secret=sandbox.APP_SECRET,
        user_tax="91110000600037341L",
        ca_bundle=sandbox.ca,
    )
    order_no = "TGBENCHQUERY0000001"
    order = FapiaoRequest(
        business_key=order_no,
        kind="82",
        seller=Party(name="Bench", tax_id=config.user_tax),
        buyer=Party(name="Bench 买方"),
        lines=(
            Line(
                name="苹果",
                tax_code="1010115010100000000",
                quantity=Decimal("1"),
                unit_price=Decimal("10"),
                rate=Decimal("0.09"),
                amount=Decimal("10.00"),
                tax=Decimal("0.90"),
            ),
        ),
    )
    NuonuoClient(config).issue(order)
    # client processes, not threads: one Python process signing and parsing would be the
    # bottleneck (GIL) long before the sandbox is
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        counts = pool.starmap(_query_loop, [(config, order_no, seconds)] * processes)
    return sum(done for done, _elapsed in counts) / max(e for _d, e in counts)


def _query_loop(config, order_no, seconds):
    client = NuonuoClient(config)
    client.query(order_no)  # token and connection first
    done, start = 0, time.monotonic()
    while time.monotonic() - start < seconds:
        client.query(order_no)
        done += 1
    return done, time.monotonic() - start


def main(db, conf, out):
    count = int(os.environ.get("BENCH_FAPIAO", "1000"))
    sandbox = SandboxProcess(tempfile.mkdtemp(prefix="bench-sandbox-")).start()
    odoo_proc = None
    try:
        base, ids, company_id = prepare(db, conf, sandbox, count)
        port = free_port()
        odoo_proc, log = start_odoo(conf, db, port)
        start = time.perf_counter()
        latencies, errors = click_issue(port, db, company_id, ids)
        clicked = time.perf_counter() - start
        states = wait_drained(db, ids, timeout=max(300, count))
        drained = time.perf_counter() - start
        figures = db_figures(db, ids, sandbox)
        odoo_proc.terminate()
        odoo_proc.wait(30)
        odoo_proc = None
        serial = serial_figures(
            db,
            conf,
            sandbox,
            int(os.environ.get("BENCH_SERIAL", "100")),
            int(os.environ.get("BENCH_SERIAL_ROUNDS", "3")),
        )
        polled = polled_figures(db, conf, sandbox, int(os.environ.get("BENCH_POLLED", "100")))
        qps = sandbox_queries_per_second(sandbox)
        result = {
            "benchmark": "connector_e2e",
            "fapiao": count,
            "web_clients": CLIENTS,
            "baseline_post_s_per_invoice": round(base.post_s, 5),
            "baseline_batch_s_per_invoice": round(base.batch_s, 5),
            "issue_click_p50_s": round(statistics.median(latencies), 3),
            "issue_click_p99_s": round(percentile(latencies, 0.99), 3),
            "issue_click_slowest_s": sorted(round(x, 2) for x in latencies)[-5:],
            "click_errors": len(errors),
            "clicks_per_second": round(count / clicked, 1),
            "drain_seconds": round(drained, 1),
            "issued_per_second": round(states.get("issued", 0) / drained, 1),
            "final_states": states,
            **{k: round(v, 5) if isinstance(v, float) else v for k, v in figures.items()},
            **under_load_ratios(figures, base),
            **{k: round(v, 5) if isinstance(v, float) else v for k, v in serial.items()},
            **{k: round(v, 5) if isinstance(v, float) else v for k, v in polled.items()},
            "sandbox_queries_per_second": round(qps, 1),
            "odoo_log": log,
        }
        if errors:
            result["first_error"] = errors[0]
        print(json.dumps(result, indent=2, ensure_ascii=False))
        pathlib.Path(out).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    finally:
        if odoo_proc:
            odoo_proc.terminate()
            odoo_proc.wait(30)
        sandbox.stop()


if __name__ == "__main__":
    main(*sys.argv[1:4])
