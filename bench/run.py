"""Benchmark runner, executed inside `odoo shell` by `make bench`.

Each bench/bench_*.py module defines ``BENCHMARKS``: a list of callables ``fn(env, ctx)`` that
return a dict of figures. Every run first measures the baseline, Odoo's own ``account.move``
create+post of the same invoices, so that results read as ratios measured in the same process
(the machine is noisy: absolute times are not comparable between runs).
Nothing is committed to the database.
"""

import datetime
import importlib.util
import json
import os
import pathlib
import platform
import sys
import time

BENCH_DIR = pathlib.Path(__file__).resolve().parent


class Context:
    """Shared set-up: a Chinese company on the cn chart, products with tax codes, a buyer."""

    def __init__(self, env, invoices=200, lines=5):
        from odoo import Command

        self.env = env
        self.invoices = invoices
        self.lines = lines
        company = env["res.company"].create(
            {
                "name": "Bench 果品批发有限公司",
                "country_id": env.ref("base.cn").id,
                "vat": "91110000600037341L",
            }
        )
        env.user.company_ids |= company
        self.env = env = env(context=dict(env.context, allowed_company_ids=[company.id]))
        env["account.chart.template"].try_loading("cn", company, install_demo=False)
        self.company = company
        tax = env["account.chart.template"].with_company(company).ref("l10n_cn_sales_excluded_9")
        code = env["tax.classification"].search([("code", "=", "1010115010100000000")])
        self.products = env["product.product"].create(
            [
                {
                    "name": f"苹果 {i}",
                    "lst_price": 10 + i,
                    "taxes_id": [Command.set(tax.ids)],
                    "tax_classification_id": code.id,
                }
                for i in range(lines)
            ]
        )
        self.partner = env["res.partner"].create({"name": "Bench 买方", "is_company": True})

    def invoice_values(self):
        from odoo import Command

        return [
            {
                "move_type": "out_invoice",
                "partner_id": self.partner.id,
                "company_id": self.company.id,
                "invoice_date": datetime.date.today(),
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": p.id, "quantity": 3 + n % 7, "price_unit": p.lst_price}
                    )
                    for p in self.products
                ],
            }
            for n in range(self.invoices)
        ]


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def baseline(ctx):
    """Odoo's own invoice create+post for ctx.invoices invoices (seconds per invoice)."""
    seconds, moves = timed(
        lambda: ctx.env["account.move"].create(ctx.invoice_values()).action_post()
    )
    return seconds / ctx.invoices


def discover(names):
    for path in sorted(BENCH_DIR.glob("bench_*.py")):
        if names and path.stem not in names:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for fn in module.BENCHMARKS:
            yield f"{path.stem}.{fn.__name__}", fn


def main(env):
    names = set(sys.argv[2:])
    results = []
    for name, fn in discover(names):
        env.cr.execute("SAVEPOINT bench")
        try:
            ctx = Context(env, invoices=int(os.environ.get("BENCH_INVOICES", "200")))
            base = baseline(ctx)
            figures = fn(ctx.env, ctx)
            per_invoice = figures.get("seconds_per_invoice")
            results.append(
                {
                    "benchmark": name,
                    "baseline_post_s_per_invoice": round(base, 6),
                    **figures,
                    "ratio_to_baseline": round(per_invoice / base, 3) if per_invoice else None,
                }
            )
        finally:
            env.cr.execute("ROLLBACK TO SAVEPOINT bench")
    env.cr.rollback()
    width = max([len(r["benchmark"]) for r in results] + [10])
    print(f"\n{'benchmark':<{width}}  {'baseline s/inv':>14}  {'s/inv':>10}  {'ratio':>7}  notes")
    for r in results:
        notes = {
            k: v
            for k, v in r.items()
            if k
            not in (
                "benchmark",
                "baseline_post_s_per_invoice",
                "seconds_per_invoice",
                "ratio_to_baseline",
            )
        }
        per_invoice = r.get("seconds_per_invoice") or 0
        ratio = r["ratio_to_baseline"] or 0
        print(
            f"{r['benchmark']:<{width}}  {r['baseline_post_s_per_invoice']:>14.5f}  "
            f"{per_invoice:>10.5f}  {ratio:>7.3f}  {notes}"
        )
    out = BENCH_DIR / "results" / f"bench-{datetime.datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {"python": platform.python_version(), "results": results}, indent=2, ensure_ascii=False
        )
    )
    print(f"\nwritten {out}")
