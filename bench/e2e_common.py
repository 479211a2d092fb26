"""Helpers of the end-to-end benchmarks that run outside `odoo shell` (vehicle_e2e, fruit_e2e)."""

import cProfile
import io
import os
import pstats
import time


def bench_company(env, sandbox, name, vat, **values):
    """A company of its own on the cn chart, with a warehouse and a provider on the sandbox
    (no rate limit, no circuit breaker), the running user in it as issuer and manager of
    lots and sales. Returns (env restricted to the company, company)."""
    company = env["res.company"].create(
        {
            "name": f"{name} {time.time():.0f}",
            "country_id": env.ref("base.cn").id,
            "vat": vat,
            "fapiao_identity_check_amount": 0,
            **values,
        }
    )
    env.user.company_ids |= company
    env = env(context={"allowed_company_ids": [company.id]})
    env["account.chart.template"].try_loading("cn", company, install_demo=False)
    # Odoo creates a new company's warehouse only in test mode
    if not env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1):
        env["stock.warehouse"].create(
            {"name": f"{name} 仓", "code": f"B{company.id}", "company_id": company.id}
        )
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
    env.user.groups_id |= (
        env.ref("tax_gateway.group_fapiao_issuer")
        + env.ref("tax_gateway.group_fapiao_manager")
        + env.ref("stock.group_production_lot")
        + env.ref("sales_team.group_sale_manager")
    )
    return env, company


# the jobs that issue fapiao: each fapiao's issuing job, and the poll job of its platform
FAPIAO_JOBS = ("tax.fapiao", "tax.gateway.provider")


def perform_jobs(env, models=FAPIAO_JOBS):
    """``_perform_jobs``, under cProfile when BENCH_PROFILE is set: the 30 heaviest functions
    by cumulative time are printed (where the connector's cost per fapiao goes)."""
    if not os.environ.get("BENCH_PROFILE"):
        return _perform_jobs(env, models)
    profile = cProfile.Profile()
    performed = profile.runcall(_perform_jobs, env, models)
    out = io.StringIO()
    if os.environ.get("BENCH_PROFILE_FILE"):
        profile.dump_stats(os.environ["BENCH_PROFILE_FILE"])
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(30)
    print(out.getvalue())
    return performed


def _perform_jobs(env, models=FAPIAO_JOBS):
    """Run the stored jobs one after the other with queue_job's own runner code, what its
    /queue_job/runjob route does for each job without the HTTP request: enqueued, acquired
    (locked, marked started and committed), performed, marked done and committed; a
    RetryableJobError postpones the job. Rounds until nothing is pending (the eta of a
    postponed job is ignored: its next round comes at once)."""
    from odoo.addons.queue_job.controllers.main import RunJobController

    performed = 0
    for _round in range(20):
        pending = env["queue.job"].search(
            [("model_name", "in", models), ("state", "in", ("pending", "enqueued"))], order="id"
        )
        if not pending:
            break
        # the runner's part: it marks the jobs it hands to a worker as enqueued
        pending.write({"state": "enqueued"})
        env.cr.commit()
        # the uuids read once: the runner hands each job over by its uuid alone; reading
        # record.uuid after each job's commit would fetch every pending row again, with its
        # JSON columns, and time that as the job's own work
        for uuid in pending.mapped("uuid"):
            job = RunJobController._acquire_job(env, uuid)
            if job is None:
                raise RuntimeError(f"job {uuid} could not be acquired")
            RunJobController._runjob(env, job)
            performed += 1
    return performed
