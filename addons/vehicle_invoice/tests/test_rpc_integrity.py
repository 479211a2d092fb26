"""A risk lock is lifted by a Fapiao Manager's button, and a vehicle's sold price is the sales
order's: neither is written over RPC, by a salesman or anyone else."""

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.tax_gateway.models.tax_gateway_workflow import in_transition
from odoo.addons.tax_gateway.tests.common import FapiaoCommon, RpcAdversaryMixin

FORBIDDEN = "change only through the workflow's buttons"


@tagged("post_install", "-at_install")
class TestRpcVehicleRules(RpcAdversaryMixin, FapiaoCommon, HttpCase):
    def test_a_salesman_cannot_release_a_locked_sale(self):
        salesman = self.role_users["salesman"]
        move = self.make_invoice([(self.product_car, 1.0, 150000.0)])
        order = self.env["sale.order"].create(
            {
                "partner_id": self.buyer.id,
                "user_id": salesman.id,
                "company_id": self.company.id,
                "order_line": [Command.create({"product_id": self.product_car.id})],
            }
        )
        with in_transition():  # as a risk hit leaves them (see test_risk)
            for record in (order, move):
                record.write(
                    {"vehicle_risk_state": "locked", "vehicle_risk_reasons": "单张发票金额超限"}
                )
        for role, record in (("salesman", order), ("billing", move), ("manager", order)):
            for values in ({"vehicle_risk_state": "approved"}, {"vehicle_risk_reasons": ""}):
                with self.subTest(role=role, model=record._name, values=values):
                    self.assertRefused(
                        self.rpc(role, record._name, "write", record.ids, values), FORBIDDEN
                    )
        self.assertRefused(
            self.rpc(
                "salesman",
                "sale.order",
                "copy",
                order.ids,
                default={"vehicle_risk_state": "approved"},
            ),
            FORBIDDEN,
        )
        order.invalidate_recordset()
        move.invalidate_recordset()
        self.assertEqual((order.vehicle_risk_state, move.vehicle_risk_state), ("locked", "locked"))
        # what a salesman may change on the order still changes
        _result, error = self.rpc(
            "salesman", "sale.order", "write", order.ids, {"note": "周五交车"}
        )
        self.assertIsNone(error)

    def test_the_sold_price_and_the_vin_of_a_vehicle_fapiao_are_not_written(self):
        move = self.make_invoice([(self.product_car, 1.0, 150000.0)])
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        lot = self.env["stock.lot"].create(
            {
                "name": "LSVAU2180N2183294",
                "product_id": self.product_car.id,
                "company_id": self.company.id,
            }
        )
        for values in ({"vehicle_sold_total": 999999.0}, {"vehicle_lot_id": lot.id}):
            with self.subTest(values=values):
                self.assertRefused(
                    self.rpc("manager", "tax.fapiao", "write", fapiao.ids, values), FORBIDDEN
                )
        fapiao.invalidate_recordset()
        self.assertEqual((fapiao.vehicle_sold_total, fapiao.vehicle_lot_id.id), (0.0, False))
