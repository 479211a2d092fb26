"""A 4S dealer's sale: one VIN, one motor-vehicle fapiao; never more invoiced than sold."""

import json
import sqlite3
import tempfile

from fapiao_core import nuonuo
from fapiao_core.vehicle.vin import check_digit
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.tax_gateway.models.tax_gateway_workflow import in_transition
from odoo.addons.tax_gateway.sandbox.testing import SandboxProcess
from odoo.addons.tax_gateway.tests.common import FapiaoCommon, run_queued_jobs

RESIDENT_ID = "11010519491231002X"  # the check-digit example of GB 11643


def china_vin(serial16):
    draft = serial16[:8] + "0" + serial16[8:]
    return draft[:8] + check_digit(draft) + draft[9:]


@tagged("post_install", "-at_install")
class TestVehicleInvoicing(FapiaoCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id |= (
            cls.env.ref("stock.group_stock_manager")
            + cls.env.ref("stock.group_production_lot")
            + cls.env.ref("sales_team.group_sale_manager")
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.car = cls.env["product.product"].create(
            {
                "name": "轿车 1.8L 豪华型",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "vehicle_ok": True,
                "invoice_policy": "delivery",
                "taxes_id": [Command.set(cls.tax_13.ids)],
                "tax_classification_id": cls.code_car.id,
                "company_id": cls.company.id,
            }
        )
        cls.mats = cls.env["product.product"].create(
            {
                "name": "脚垫",
                "type": "consu",
                "invoice_policy": "order",
                "taxes_id": [Command.set(cls.tax_13.ids)],
                "tax_classification_id": cls.code_car.id,
            }
        )
        cls.plates = cls.env["product.product"].create(
            {
                "name": "上牌服务",
                "type": "service",
                "invoice_policy": "order",
                "taxes_id": [Command.set(cls.tax_13.ids)],
                "tax_classification_id": cls.env["tax.classification"]
                .search([("code", "=like", "30%")], limit=1)
                .id
                or cls.code_car.id,
            }
        )
        cls.vins = cls.env["stock.lot"].create(
            [
                {
                    "name": china_vin(f"LSVAU2180N22{n:04d}"),
                    "product_id": cls.car.id,
                    "company_id": cls.company.id,
                    "vehicle_brand": "大众",
                    "vehicle_model": "SVW7182",
                    "vehicle_type": "轿车",
                    "vehicle_origin": "上海",
                    "engine_number": f"DPC{n:06d}",
                }
                for n in range(1, 4)
            ]
        )
        for vin in cls.vins:
            cls.env["stock.quant"]._update_available_quantity(
                cls.car, cls.warehouse.lot_stock_id, 1, lot_id=vin
            )
        cls.person = cls.env["res.partner"].create(
            {
                "name": "张三",
                "country_id": cls.env.ref("base.cn").id,
                "fapiao_natural_person": True,
                "fapiao_id_number": RESIDENT_ID,
            }
        )

    def sell(self, cars=2, partner=None, mats_price=800.0):
        order = self.env["sale.order"].create(
            {
                "partner_id": (partner or self.person).id,
                "company_id": self.company.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.car.id,
                            "product_uom_qty": cars,
                            "price_unit": 150000.0,
                            "tax_id": [Command.set(self.tax_13.ids)],
                        }
                    ),
                    Command.create(
                        {
                            "product_id": self.mats.id,
                            "product_uom_qty": 1,
                            "price_unit": mats_price,
                            "tax_id": [Command.set(self.tax_13.ids)],
                        }
                    ),
                    Command.create(
                        {
                            "product_id": self.plates.id,
                            "product_uom_qty": 1,
                            "price_unit": 500.0,
                            "tax_id": [Command.set(self.tax_13.ids)],
                        }
                    ),
                ],
            }
        )
        order.action_confirm()
        return order

    def deliver(self, order, vins):
        picking = order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        move = picking.move_ids.filtered(lambda m: m.product_id == self.car)
        move.move_line_ids.unlink()
        for vin in vins:
            self.env["stock.move.line"].create(
                {
                    "move_id": move.id,
                    "picking_id": picking.id,
                    "product_id": self.car.id,
                    "lot_id": vin.id,
                    "quantity": 1,
                    "product_uom_id": move.product_uom.id,
                    "location_id": move.location_id.id,
                    "location_dest_id": move.location_dest_id.id,
                }
            )
        for other in picking.move_ids - move:
            other.quantity = other.product_uom_qty
        picking.move_ids.picked = True
        picking.button_validate()

    def invoice(self, order):
        move = order._create_invoices()
        move.action_post()
        return move

    def prepare(self, move):
        action = move.action_prepare_fapiao()
        return self.env["tax.fapiao"].browse(action.get("res_id")) or move.fapiao_ids

    def test_each_vehicle_gets_its_own_motor_vehicle_fapiao(self):
        order = self.sell(cars=2)
        self.deliver(order, self.vins[:2])
        move = self.invoice(order)
        cars = move.invoice_line_ids.filtered(lambda ln: ln.product_id == self.car)
        self.assertEqual(cars.mapped("quantity"), [1.0, 1.0])
        self.assertEqual(cars.vehicle_lot_id, self.vins[:2])
        fapiao = self.prepare(move)
        vehicle = fapiao.filtered("vehicle_lot_id")
        self.assertEqual(len(fapiao), 4)  # 2 vehicles, accessories, services
        self.assertEqual(set(vehicle.mapped("kind")), {"83"})
        self.assertEqual(vehicle.vehicle_lot_id, self.vins[:2])
        self.assertTrue(all(len(f.line_ids) == 1 and not f.remark for f in vehicle))
        self.assertEqual(vehicle[0].vehicle_sold_total, 169500.0)
        self.assertEqual(vehicle[0].line_ids.spec, "SVW7182")
        self.assertEqual(sum(fapiao.mapped("amount_total")), move.amount_total)
        self.assertEqual(sorted((fapiao - vehicle).mapped("amount_untaxed")), [500.0, 800.0])

    def test_two_vehicles_on_one_line_are_refused(self):
        move = self.make_invoice([(self.car, 2.0, 150000.0)], partner=self.person)
        with self.assertRaisesRegex(UserError, "one vehicle per line"):
            move.action_prepare_fapiao()
        self.assertFalse(move.fapiao_ids)

    def test_missing_buyer_id_is_refused(self):
        nobody = self.env["res.partner"].create({"name": "李四", "fapiao_natural_person": True})
        order = self.sell(cars=1, partner=nobody)
        self.deliver(order, self.vins[:1])
        move = self.invoice(order)
        with self.assertRaisesRegex(
            UserError, "needs the USCC of a company or the resident ID of a person"
        ):
            self.prepare(move)
        self.assertFalse(move.fapiao_ids)

    def test_a_foreign_buyer_with_a_passport(self):
        foreigner = self.env["res.partner"].create(
            {
                "name": "John Smith",
                "country_id": self.env.ref("base.us").id,
                "fapiao_natural_person": True,
                "fapiao_id_type": "208",
                "fapiao_id_number": "P12345678",
            }
        )
        order = self.sell(cars=1, partner=foreigner)
        self.deliver(order, self.vins[:1])
        vehicle = self.prepare(self.invoice(order)).filtered("vehicle_lot_id")
        self.assertEqual((vehicle.kind, vehicle.buyer_id_type), ("83", "208"))
        self.assertEqual(vehicle.buyer_tax_id, "P12345678")
        vehicle._check_before_issue()

    def test_a_vin_is_invoiced_once(self):
        order = self.sell(cars=1)
        self.deliver(order, self.vins[:1])
        first = self.invoice(order)
        fapiao = self.prepare(first).filtered("vehicle_lot_id")
        again = self.make_invoice([(self.car, 1.0, 150000.0)], partner=self.person, post=False)
        again.invoice_line_ids.vehicle_lot_id = self.vins[0]
        again.action_post()
        with self.assertRaisesRegex(UserError, "already invoiced"):
            self.prepare(again)
        # the database refuses it too, whatever the code path
        values = dict(fapiao.copy_data()[0], move_id=again.id, vehicle_lot_id=self.vins[0].id)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env["tax.fapiao"]._create_prepared(values)

    def test_never_more_invoiced_than_sold(self):
        order = self.sell(cars=1)
        self.deliver(order, self.vins[:1])
        self.prepare(self.invoice(order))
        # a second invoice on the same order, typed by hand, would invoice more than was sold
        extra = self.make_invoice([(self.mats, 1.0, 800.0)], partner=self.person, post=False)
        extra.invoice_line_ids.sale_line_ids = order.order_line.filtered(
            lambda ln: ln.product_id == self.mats
        )
        extra.action_post()
        with self.assertRaisesRegex(UserError, "never more invoiced than sold"):
            self.prepare(extra)
        self.assertFalse(extra.fapiao_ids)
        # and a vehicle fapiao above the car's sold price is refused by PostgreSQL
        vehicle = order.invoice_ids.fapiao_ids.filtered("vehicle_lot_id")
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            with in_transition():  # whatever the code path
                vehicle.vehicle_sold_total = 1000.0
                vehicle.flush_recordset()

    def test_invoices_billing_several_orders_are_counted_line_by_line(self):
        """Invoice X bills order A and the mats of order B; invoice Y the rest of B. Y's fapiao
        is within B: X's fapiao count for B only by their line of B (before, all of X was
        held against B and Y was refused — found by the wholesaler benchmark)."""

        def order(*lines):
            sale = self.env["sale.order"].create(
                {
                    "partner_id": self.person.id,
                    "company_id": self.company.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_qty": 1,
                                "price_unit": price,
                                "tax_id": [Command.set(self.tax_13.ids)],
                            }
                        )
                        for product, price in lines
                    ],
                }
            )
            sale.action_confirm()
            return sale

        a = order((self.mats, 800.0))
        b = order((self.mats, 800.0), (self.plates, 500.0))
        x = (a + b)._create_invoices()
        x.invoice_line_ids.filtered(lambda ln: ln.product_id == self.plates).unlink()
        x.action_post()
        y = b._create_invoices()
        y.action_post()
        self.assertEqual(y.amount_total, 565.0)
        self.prepare(x)
        fapiao_y = self.prepare(y)
        self.assertEqual(fapiao_y.amount_total, 565.0)
        # and a third invoice of B's plates, typed by hand, is still refused
        extra = self.make_invoice([(self.plates, 1.0, 500.0)], partner=self.person, post=False)
        extra.invoice_line_ids.sale_line_ids = b.order_line.filtered(
            lambda ln: ln.product_id == self.plates
        )
        extra.action_post()
        with self.assertRaisesRegex(UserError, "never more invoiced than sold"):
            self.prepare(extra)

    def test_split_strategy_vehicle_only(self):
        self.company.vehicle_split_strategy = "vehicle_only"
        order = self.sell(cars=1)
        self.deliver(order, self.vins[:1])
        fapiao = self.prepare(self.invoice(order))
        self.assertEqual(len(fapiao), 2)
        self.assertEqual(len((fapiao - fapiao.filtered("vehicle_lot_id")).line_ids), 2)

    def test_split_by_ratio_spreads_the_bundle_over_stand_alone_prices(self):
        """Mats given with the car (0.00) get their share of what the buyer paid."""
        self.company.vehicle_split_strategy = "by_ratio"
        self.vins[0].guide_price = 180000.0  # tax included
        self.mats.lst_price = 800.0  # 904.00 with VAT
        order = self.sell(cars=1, mats_price=0.0)
        self.deliver(order, self.vins[:1])
        move = self.invoice(order)
        self.assertEqual(move.amount_total, 170065.0)  # 169,500 car + 0 mats + 565 plates
        fapiao = self.prepare(move)
        vehicle = fapiao.filtered("vehicle_lot_id")
        mats = fapiao.filtered(lambda f: f.line_ids.product_id == self.mats)
        plates = fapiao - vehicle - mats
        # 170,065 over 180,000 : 904 : 565 (the plates' list price 1.00 is below what they
        # were sold for, so they weigh 565): largest remainder, to the cent
        self.assertEqual(
            [(f.amount_untaxed, f.amount_tax, f.amount_total) for f in vehicle + mats + plates],
            [
                (149281.70, 19406.62, 168688.32),
                (749.73, 97.46, 847.19),
                (468.58, 60.91, 529.49),
            ],
        )
        self.assertEqual(sum(fapiao.mapped("amount_total")), move.amount_total)
        self.assertEqual(vehicle.vehicle_sold_total, 168688.32)  # its share of the contract
        self.assertEqual(mats.line_ids.unit_price, 749.73)
        for f in fapiao:
            f._check_before_issue()  # the platform's own arithmetic holds on every part

    def test_split_by_ratio_refuses_a_gift_without_a_price(self):
        self.company.vehicle_split_strategy = "by_ratio"
        self.mats.lst_price = 0.0
        order = self.sell(cars=1, mats_price=0.0)
        self.deliver(order, self.vins[:1])
        move = self.invoice(order)
        with self.assertRaisesRegex(UserError, "neither a price nor a stand-alone price"):
            self.prepare(move)
        self.assertFalse(move.fapiao_ids)

    def sandbox_provider(self):
        sandbox = SandboxProcess(
            tempfile.mkdtemp(prefix="fapiao-sandbox-"), platform_like=True
        ).start()
        self.addCleanup(sandbox.stop)
        self.env["tax.gateway.provider"].create(
            {
                "name": "Sandbox",
                "company_id": self.company.id,
                "base_url": sandbox.url,
                "token_url": sandbox.token_url,
                "ca_bundle": sandbox.ca,
                "document_cert_path": sandbox.signing_key,
                "app_key": sandbox.APP_KEY,
                "app_secret": sandbox.APP_SECRET,
                "read_timeout": 3.0,
                "poll_interval": 1,
            }
        )
        return sandbox

    def test_motor_vehicle_fapiao_issued_over_the_wire(self):
        sandbox = self.sandbox_provider()
        order = self.sell(cars=1)
        self.deliver(order, self.vins[:1])
        vehicle = self.prepare(self.invoice(order)).filtered("vehicle_lot_id")
        self.assertEqual(nuonuo.order_of(vehicle._platform_request())["invoiceLine"], "j")
        with self.assertRaisesRegex(UserError, "only be accessed over HTTP"):
            vehicle.action_submit()  # 169,500 is above the identity-check threshold
        vehicle._submit()
        run_queued_jobs(self.env, vehicle)
        self.assertEqual((vehicle.state, vehicle.kind), ("issued", "83"))
        self.assertEqual(len(vehicle.number), 20)
        # the vehicle's data left Odoo: what the platform received
        with sqlite3.connect(sandbox.data_dir / "sandbox.sqlite3") as db:
            (sent,) = db.execute(
                "SELECT request FROM invoices WHERE order_no = ?", (vehicle.order_no,)
            ).fetchone()
        sent = json.loads(sent)
        self.assertEqual(
            sent["vehicleInfo"],
            {
                "vehicleType": "轿车",
                "brandModel": "大众 SVW7182",
                "productOrigin": "上海",
                "vehicleCode": self.vins[0].vin,
                "engineNum": "DPC000001",
            },
        )
        self.assertEqual(
            [d["goodsName"] for d in sent["invoiceDetail"]], ["轿车"], "named after its type"
        )

    def test_a_vehicle_without_the_data_the_platform_requires_is_refused_first(self):
        self.sandbox_provider()
        order = self.sell(cars=1)
        self.deliver(order, self.vins[:1])
        vehicle = self.prepare(self.invoice(order)).filtered("vehicle_lot_id")
        self.vins[0].vehicle_origin = False
        with self.assertRaisesRegex(UserError, r"needs the vehicle's origin \(产地\)"):
            vehicle._submit()
        self.assertEqual(vehicle.state, "draft")
        self.vins[0].write({"vehicle_origin": "上海", "engine_number": "E" * 51})
        with self.assertRaisesRegex(UserError, "longer than the platform accepts"):
            vehicle._submit()
        self.assertEqual(vehicle.state, "draft")

    def red_form(self, fapiao, reason, amount=None, certificate=False):
        line = fapiao.line_ids
        amount = line.amount if amount is None else amount
        return self.env["tax.red.form"].create(
            {
                "fapiao_id": fapiao.id,
                "reason": reason,
                "vehicle_certificate_returned": certificate,
                "line_ids": [
                    Command.create(
                        {
                            "blue_line_id": line.id,
                            "quantity": 1 if amount == line.amount else 0,
                            "amount": amount,
                            "tax_amount": round(amount * 0.13, 2),
                        }
                    )
                ],
            }
        )

    def test_vehicle_red_letters_follow_the_certificate_of_conformity(self):
        order = self.sell(cars=1)
        self.deliver(order, self.vins[:1])
        vehicle = self.prepare(self.invoice(order)).filtered("vehicle_lot_id")
        vehicle._submit()
        vehicle._mark_issued("26312000000000000183", "2026-11-20 10:00:00", serial="S183")
        # returned without its certificate: refused, nothing sent
        form = self.red_form(vehicle, "02")
        with self.assertRaisesRegex(UserError, "certificate of conformity"):
            form._submit()
        self.assertEqual(form.state, "draft")
        # a discount of everything is a return in disguise: refused without the certificate
        form.reason = "04"
        with self.assertRaisesRegex(UserError, "only part"):
            form._submit()
        # a partial discount is fine without it
        discount = self.red_form(vehicle, "04", amount=5000.0)
        form.unlink()
        discount._submit()
        self.assertEqual(discount.state, "applying")
        # the car comes back with its certificate: the rest can be reversed
        back = self.red_form(
            vehicle, "02", amount=vehicle.line_ids.amount - 5000.0, certificate=True
        )
        back._submit()
        self.assertEqual(back.state, "applying")

    def test_a_deal_half_refused_is_undone_by_red_letters(self):
        order = self.sell(cars=1)
        self.deliver(order, self.vins[:1])
        move = self.invoice(order)
        fapiao = self.prepare(move)
        vehicle = fapiao.filtered("vehicle_lot_id")
        mats = fapiao.filtered(lambda f: f.amount_untaxed == 800.0)  # accessories
        plates = fapiao - vehicle - mats  # services
        fapiao._submit()
        vehicle._mark_issued("26312000000000000283", "2026-11-20 10:00:00", serial="S283")
        with in_transition():  # with the platform when the refusal comes
            plates.state = "issuing"
        mats._mark_failed("E9138", "商品编码错误", retryable=False)
        red = self.env["tax.red.form"].search([("fapiao_id", "=", vehicle.id)])
        self.assertEqual((red.state, red.reason), ("applying", "01"))
        self.assertEqual(abs(red.amount_total), vehicle.amount_total)
        self.assertTrue(red.full_reversal)
        self.assertEqual(plates.state, "issuing")
        self.assertIn("all or nothing", move.message_ids[0].body)
        # the part that was in flight is reversed as soon as its number comes
        plates._mark_issued("26312000000000000284", "2026-11-20 10:00:05", serial="S284")
        self.assertEqual(
            self.env["tax.red.form"].search([("fapiao_id", "=", plates.id)]).state, "applying"
        )

    def test_an_undone_deal_is_prepared_again_once_its_parts_are_reversed(self):
        sandbox = self.sandbox_provider()
        order = self.sell(cars=1)
        self.deliver(order, self.vins[:1])
        move = self.invoice(order)
        fapiao = self.prepare(move)
        vehicle = fapiao.filtered("vehicle_lot_id")
        mats = fapiao.filtered(lambda f: f.amount_untaxed == 800.0)
        plates = fapiao - vehicle - mats
        vehicle._submit()
        run_queued_jobs(self.env, vehicle)
        self.assertEqual(vehicle.state, "issued")
        sandbox.fault("fail_issue")  # the platform refuses the next fapiao for good (22)
        mats._submit()
        run_queued_jobs(self.env, mats)
        self.assertEqual((mats.state, mats.error_retryable), ("failed", False))
        self.assertEqual(plates.state, "draft")
        self.assertTrue(move.vehicle_deal_undone)
        red = self.env["tax.red.form"].search([("fapiao_id", "=", vehicle.id)])
        self.assertEqual(red.reason, "01")
        # the car's red letter is not issued yet: nothing is prepared, nothing changes
        with self.assertRaisesRegex(UserError, "not reversed yet"):
            move.action_vehicle_prepare_again()
        self.assertEqual((mats.state, plates.state), ("failed", "draft"))
        run_queued_jobs(self.env, red)
        self.assertEqual((red.state, vehicle.state), ("issued", "reversed"))
        # the VIN is free again; the leftovers are cancelled and the whole deal comes back
        move.action_vehicle_prepare_again()
        self.assertEqual((mats.state, plates.state), ("cancelled", "cancelled"))
        again = move.fapiao_ids.filtered(lambda f: f.direction == "blue" and f.state == "draft")
        self.assertEqual(len(again), 3)
        self.assertEqual(again.filtered("vehicle_lot_id").vehicle_lot_id, self.vins[0])
        self.assertEqual(sum(again.mapped("amount_total")), move.amount_total)
        self.assertFalse(move.vehicle_deal_undone)
        move.action_prepare_fapiao()  # opens the fresh drafts, prepares nothing more
        self.assertEqual(len(move.fapiao_ids.filtered(lambda f: f.state == "draft")), 3)
        again._submit()
        run_queued_jobs(self.env, again)
        self.assertEqual(set(again.mapped("state")), {"issued"})
        self.assertEqual(len(set(again.mapped("number"))), 3)

    def test_a_retryable_failure_undoes_nothing(self):
        order = self.sell(cars=1)
        self.deliver(order, self.vins[:1])
        fapiao = self.prepare(self.invoice(order))
        vehicle = fapiao.filtered("vehicle_lot_id")
        fapiao._submit()
        vehicle._mark_issued("26312000000000000285", "2026-11-20 10:00:00", serial="S285")
        (fapiao - vehicle)[0]._mark_failed("24", "签章失败", retryable=True)
        self.assertFalse(self.env["tax.red.form"].search([("fapiao_id", "=", vehicle.id)]))
        self.assertEqual((fapiao - vehicle)[1].state, "to_issue")
