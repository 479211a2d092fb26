"""Wholesaler benchmark: T+1 invoicing of N paid orders end to end against the sandbox.

Run by `make bench` (scripts/bench.sh, or BENCH_ONLY=fruit) with the virtualenv's Python,
outside `odoo shell`: committed data and the sandbox platform as its own process.

1. baseline: Odoo's own create+post of N invoices of the same two lines, timed here;
2. N orders of two lot-tracked fruits, each delivered from two batches (not timed: Odoo's work);
3. timed, our part: one batch invoicing of all N orders (split by customer and batch, checked
   to the cent, batch log), posting, then — the customers paid — the T+1 cron prepares and
   submits every fapiao, and the stored queue jobs issue them over HTTPS, one after another;
4. figures: seconds per order for our part and its ratio to the baseline post per invoice,
   fapiao issued, split totals exact to the cent.

Usage: python bench/fruit_e2e.py DB CONF RESULT_JSON   (N from BENCH_ORDERS, default 200)
"""

import datetime
import json
import os
import pathlib
import sys
import tempfile
import time
from decimal import Decimal

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "addons" / "tax_gateway"))
sys.path.insert(0, str(ROOT / "bench"))

from e2e_common import bench_company, perform_jobs  # noqa: E402
from sandbox.testing import SandboxProcess  # noqa: E402

CUSTOMERS = 10


def setup(env, sandbox, count):
    from odoo import Command

    env, company = bench_company(
        env,
        sandbox,
        "Bench 鲜果批发",
        "91110000600037341L",
        fruit_split_invoices=True,
        fruit_split_by_lot=True,
    )
    tax = env["account.chart.template"].with_company(company).ref("l10n_cn_sales_excluded_9")
    kg = env.ref("uom.product_uom_kgm")
    products = env["product.product"].create(
        [
            {
                "name": name,
                "type": "consu",
                "is_storable": True,
                "tracking": "lot",
                "invoice_policy": "delivery",
                "list_price": price,
                "uom_id": kg.id,
                "uom_po_id": kg.id,
                "company_id": company.id,
                "taxes_id": [Command.set(tax.ids)],
                "tax_classification_id": env["tax.classification"].search([("code", "=", code)]).id,
            }
            for name, price, code in (
                ("富士苹果", 9.6, "1010115010100000000"),
                ("砀山酥梨", 5.8, "1010115010200000000"),
            )
        ]
    )
    warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    lots = {}
    for product in products:
        lots[product] = env["stock.lot"].create(
            [
                {
                    "name": f"B{day:02d}-{product.id}",
                    "product_id": product.id,
                    "company_id": company.id,
                }
                for day in range(2)
            ]
        )
        for lot in lots[product]:
            env["stock.quant"]._update_available_quantity(
                product, warehouse.lot_stock_id, 100000, lot_id=lot
            )
    customers = env["res.partner"].create(
        [
            {
                "name": f"Bench 客户 {n}",
                "is_company": True,
                "vat": "91310000MA1FL0001R",
                "fapiao_kind": "82",
                "fruit_fapiao_policy": "after_payment",
                "fruit_fapiao_delay": 1,
            }
            for n in range(CUSTOMERS)
        ]
    )
    env.cr.commit()
    return env, company, products, lots, customers


def deliver(env, order, lots):
    picking = order.picking_ids
    picking.move_ids.move_line_ids.unlink()
    for move in picking.move_ids:
        half = move.product_uom_qty / 2
        for lot in lots[move.product_id]:
            env["stock.move.line"].create(
                {
                    "move_id": move.id,
                    "picking_id": picking.id,
                    "product_id": move.product_id.id,
                    "lot_id": lot.id,
                    "quantity": half,
                    "product_uom_id": move.product_uom.id,
                    "location_id": move.location_id.id,
                    "location_dest_id": move.location_dest_id.id,
                }
            )
    picking.move_ids.picked = True
    picking.button_validate()


def main(db, conf, out):
    import odoo
    from odoo import SUPERUSER_ID, Command, api
    from odoo.tools import config

    count = int(os.environ.get("BENCH_ORDERS", "200"))
    config.parse_config(["-c", conf, "-d", db])
    registry = odoo.modules.registry.Registry(db)
    sandbox = SandboxProcess(
        tempfile.mkdtemp(prefix="bench-sandbox-"), extra=["--credit-line", "1000000000.00"]
    ).start()
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env, company, products, lots, customers = setup(env, sandbox, count)
            start = time.perf_counter()
            baseline_moves = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": customers[n % CUSTOMERS].id,
                        "company_id": company.id,
                        "invoice_line_ids": [
                            Command.create(
                                {"product_id": p.id, "quantity": 40, "price_unit": p.list_price}
                            )
                            for p in products
                        ],
                    }
                    for n in range(count)
                ]
            )
            baseline_moves.action_post()
            env.flush_all()
            base = (time.perf_counter() - start) / count
            env.cr.rollback()
            orders = env["sale.order"]
            for n in range(count):
                order = env["sale.order"].create(
                    {
                        "partner_id": customers[n % CUSTOMERS].id,
                        "company_id": company.id,
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": p.id,
                                    "product_uom_qty": 40 + n % 7,
                                    "price_unit": p.list_price,
                                }
                            )
                            for p in products
                        ],
                    }
                )
                order.action_confirm()
                deliver(env, order, lots)
                orders |= order
            env.cr.commit()
            # timed: our part
            start = time.perf_counter()
            moves = orders._create_invoices()
            moves.action_post()
            env.cr.commit()
            invoicing = time.perf_counter() - start
            exact = sum(Decimal(str(m.amount_total)) for m in moves) == sum(
                Decimal(str(o.amount_total)) for o in orders
            )
            env["account.payment.register"].with_context(
                active_model="account.move", active_ids=moves.ids
            ).create({"group_payment": False}).action_create_payments()
            env.cr.commit()
            start = time.perf_counter()
            tomorrow = datetime.date.today() + datetime.timedelta(days=1)
            prepared = env["account.move"]._cron_fruit_auto_fapiao(today=tomorrow)
            env.cr.commit()
            jobs = perform_jobs(env)
            issuing = time.perf_counter() - start
            env.invalidate_all()
            states = {}
            for fapiao in moves.fapiao_ids:
                states[fapiao.state] = states.get(fapiao.state, 0) + 1
            ours = (invoicing + issuing) / count
        result = {
            "orders": count,
            "invoices_after_split": len(moves),
            "split_totals_exact_to_the_cent": exact,
            "fapiao_prepared_by_cron": len(prepared),
            "fapiao_states": states,
            "jobs_performed": jobs,
            "baseline_post_s_per_invoice": round(base, 5),
            "batch_invoicing_s_per_order": round(invoicing / count, 5),
            "t_plus_1_issue_s_per_order": round(issuing / count, 5),
            "ours_s_per_order": round(ours, 5),
            "ratio_to_baseline_post": round(ours / base, 2),
        }
    finally:
        sandbox.stop()
    pathlib.Path(out).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(out).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    for key, value in result.items():
        print(f"{key:>32}: {value}")
    print(f"\nwritten {out}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
