"""Dealer benchmark: N vehicle deals split and issued end to end, and a race of 8 issuers.

Run by `make bench` (scripts/bench.sh, or BENCH_ONLY=vehicle) with the virtualenv's Python,
outside `odoo shell`: it needs committed data, real concurrent transactions and the sandbox
platform as its own process.

1. baseline: Odoo's own create+post of N invoices of the same four lines, timed here;
2. N deals (a car with its VIN, two accessories, a service) are sold, delivered and invoiced
   through Odoo's sale flow (not timed: that is Odoo's work, not ours);
3. timed: each deal's fapiao are prepared with the dealer split (car alone on its
   motor-vehicle fapiao, accessories, services), submitted, and issued by the sandbox over
   HTTPS through the stored queue jobs, performed one after the other in this process;
4. the race: 8 invoices of one order, each for the whole order, prepared and submitted by 8
   threads at once, each in its own transaction: what is invoiced beyond the order (goal 0).

Usage: python bench/vehicle_e2e.py DB CONF RESULT_JSON   (N from BENCH_DEALS, default 500)
"""

import json
import os
import pathlib
import sqlite3
import sys
import tempfile
import threading
import time
from decimal import Decimal

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "addons" / "tax_gateway"))
sys.path.insert(0, str(ROOT / "bench"))

from e2e_common import bench_company, perform_jobs  # noqa: E402
from fapiao_core.vehicle.vin import check_digit  # noqa: E402
from sandbox.testing import SandboxProcess  # noqa: E402

RACERS = 8


def vin(n):
    draft = f"LSVAL6BR0{n:08d}"
    return draft[:8] + check_digit(draft) + draft[9:]


def setup(env, sandbox, count):
    from odoo import Command

    env, company = bench_company(env, sandbox, "Bench 汽车销售服务", "91310115MA1H7K3X2J")
    chart = env["account.chart.template"].with_company(company)
    tax_13, tax_6 = chart.ref("l10n_cn_sales_excluded_13"), chart.ref("l10n_cn_sales_excluded_6")

    def code(number):
        return env["tax.classification"].search([("code", "=", number)]).id

    def product(name, price, tax, number, **more):
        return env["product.product"].create(
            {
                "name": name,
                "lst_price": price,
                "company_id": company.id,
                "taxes_id": [Command.set(tax.ids)],
                "tax_classification_id": code(number),
                "invoice_policy": "order",
                "type": "consu",
                **more,
            }
        )

    car = product(
        "朗逸 1.5L",
        100000.0,
        tax_13,
        "1090305010200000000",
        is_storable=True,
        tracking="serial",
        vehicle_ok=True,
        invoice_policy="delivery",
    )
    lines = [
        (car, 100000.0),
        (product("脚垫", 800.0, tax_13, "1090310019900000000"), 800.0),
        (product("隔热膜", 2400.0, tax_13, "1090310019900000000"), 2400.0),
        (product("上牌服务", 500.0, tax_6, "3040802990000000000", type="service"), 500.0),
    ]
    buyer = env["res.partner"].create(
        {
            "name": "Bench 车主",
            "fapiao_natural_person": True,
            "fapiao_id_number": "310115199003071239",
        }
    )
    warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    lots = env["stock.lot"].create(
        [
            {
                "name": vin(n),
                "product_id": car.id,
                "company_id": company.id,
                # the motor-vehicle fapiao's data (vehicleInfo), refused without
                "vehicle_brand": "大众",
                "vehicle_model": "SVW7182",
                "vehicle_type": "轿车",
                "vehicle_origin": "上海",
                "engine_number": f"DPC{n:06d}",
            }
            for n in range(1, count + 2)  # one more for the race
        ]
    )
    for lot in lots:
        env["stock.quant"]._update_available_quantity(car, warehouse.lot_stock_id, 1, lot_id=lot)
    env.cr.commit()
    return env, company, buyer, lines, lots


def baseline(env, company, buyer, lines, count):
    from odoo import Command

    start = time.perf_counter()
    moves = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": buyer.id,
                "company_id": company.id,
                "invoice_line_ids": [
                    Command.create({"product_id": p.id, "quantity": 1, "price_unit": price})
                    for p, price in lines
                ],
            }
            for _ in range(count)
        ]
    )
    moves.action_post()
    env.flush_all()
    seconds = (time.perf_counter() - start) / count
    env.cr.rollback()  # only the time matters
    return seconds


def sell(env, company, buyer, lines, lot):
    from odoo import Command

    order = env["sale.order"].create(
        {
            "partner_id": buyer.id,
            "company_id": company.id,
            "order_line": [
                Command.create({"product_id": p.id, "product_uom_qty": 1, "price_unit": price})
                for p, price in lines
            ],
        }
    )
    order.action_confirm()
    picking = order.picking_ids
    for move in picking.move_ids:
        if move.product_id.vehicle_ok:
            move.move_line_ids.unlink()
            env["stock.move.line"].create(
                {
                    "move_id": move.id,
                    "picking_id": picking.id,
                    "product_id": move.product_id.id,
                    "lot_id": lot.id,
                    "quantity": 1,
                    "product_uom_id": move.product_uom.id,
                    "location_id": move.location_id.id,
                    "location_dest_id": move.location_dest_id.id,
                }
            )
        else:
            move.quantity = move.product_uom_qty
    picking.move_ids.picked = True
    picking.button_validate()
    return order


def race(registry, uid, context, move_ids):
    """RACERS threads, each preparing and submitting the fapiao of its own invoice of the same
    order in its own transaction, released together."""
    from odoo import api

    barrier = threading.Barrier(len(move_ids))
    outcomes = []

    def issuer(move_id):
        with registry.cursor() as cr:
            env = api.Environment(cr, uid, context)
            move = env["account.move"].browse(move_id)
            barrier.wait()
            try:
                move.action_prepare_fapiao()
                move.fapiao_ids._submit()
                cr.commit()
                outcomes.append("prepared")
            except Exception as err:  # noqa: BLE001 - the race's refusals are its result
                cr.rollback()
                outcomes.append(type(err).__name__)

    threads = [threading.Thread(target=issuer, args=(move_id,)) for move_id in move_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def race_order(registry, env, company, buyer, lines, lot):
    """One more order (with its car when ``lot`` is given, else only its other lines) and
    RACERS invoices of all of it, raced. Returns outcomes and what is invoiced beyond it."""
    from odoo import Command

    if lot is None:
        lines = [(p, price) for p, price in lines if not p.vehicle_ok]
    order = sell(env, company, buyer, lines, lot)
    first = order._create_invoices()
    racing = first
    for _n in range(RACERS - 1):
        invoice = first.copy()
        for line, original in zip(invoice.invoice_line_ids, first.invoice_line_ids, strict=True):
            line.write(
                {
                    "sale_line_ids": [Command.set(original.sale_line_ids.ids)],
                    "vehicle_lot_id": original.vehicle_lot_id.id,
                }
            )
        racing |= invoice
    racing.action_post()
    env.cr.commit()
    outcomes = race(registry, env.uid, dict(env.context), racing.ids)
    perform_jobs(env)
    env.invalidate_all()
    live = racing.fapiao_ids.filtered(
        lambda f: f.direction == "blue" and f.state not in ("cancelled", "failed")
    )
    invoiced = sum((Decimal(str(f.amount_total)) for f in live), Decimal("0"))
    sold = Decimal(str(order.amount_total))
    return {
        "outcomes": {o: outcomes.count(o) for o in sorted(set(outcomes))},
        "issued": len(live.filtered(lambda f: f.state == "issued")),
        "invoiced": str(invoiced),
        "sold": str(sold),
        "excess_invoiced": str(max(Decimal("0"), invoiced - sold)),
    }


def main(db, conf, out):
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.tools import config

    count = int(os.environ.get("BENCH_DEALS", "500"))
    config.parse_config(["-c", conf, "-d", db])
    registry = odoo.modules.registry.Registry(db)
    # the monthly credit line must hold N deals of ~117,000 (the default 10 million does not)
    sandbox = SandboxProcess(
        tempfile.mkdtemp(prefix="bench-sandbox-"), extra=["--credit-line", "1000000000.00"]
    ).start()
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env, company, buyer, lines, lots = setup(env, sandbox, count)
            base = baseline(env, company, buyer, lines, count)
            start = time.perf_counter()
            moves = env["account.move"]
            for lot in lots[:count]:
                order = sell(env, company, buyer, lines, lot)
                moves |= order._create_invoices()
            moves.action_post()
            env.cr.commit()
            sale_seconds = time.perf_counter() - start
            # timed: our part, from posted invoices to issued fapiao
            start = time.perf_counter()
            for move in moves:
                move.action_prepare_fapiao()
                move.fapiao_ids._submit()
                env.cr.commit()
            prepare_seconds = time.perf_counter() - start
            jobs = perform_jobs(env)
            ours = time.perf_counter() - start
            fapiao = moves.fapiao_ids
            env.invalidate_all()
            states = {}
            for record in fapiao:
                states[record.state] = states.get(record.state, 0) + 1
            exact = all(
                sum(Decimal(str(f.amount_total)) for f in move.fapiao_ids)
                == Decimal(str(move.amount_total))
                for move in moves
            )
            races = {
                "whole_order": race_order(registry, env, company, buyer, lines, lots[count]),
                "accessories_and_service": race_order(registry, env, company, buyer, lines, None),
            }
        with sqlite3.connect(sandbox.data_dir / "sandbox.sqlite3") as lite:
            issued = lite.execute("SELECT count(*) FROM invoices WHERE outcome = 'ok'").fetchone()[
                0
            ]
        per_deal = ours / count
        result = {
            "deals": count,
            "fapiao": len(fapiao),
            "fapiao_states": states,
            "jobs_performed": jobs,
            "split_totals_exact_to_the_cent": exact,
            "baseline_post_s_per_invoice": round(base, 5),
            "sale_flow_s_per_deal_untimed_context": round(sale_seconds / count, 5),
            "prepare_and_submit_s_per_deal": round(prepare_seconds / count, 5),
            "prepare_submit_issue_s_per_deal": round(per_deal, 5),
            "ratio_to_baseline_post": round(per_deal / base, 2),
            "sandbox_issued": issued,
            **{f"race_{name}": figures for name, figures in races.items()},
        }
    finally:
        sandbox.stop()
    pathlib.Path(out).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(out).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    for key, value in result.items():
        print(f"{key:>40}: {value}")
    print(f"\nwritten {out}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
