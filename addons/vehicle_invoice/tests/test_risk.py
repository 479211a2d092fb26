"""Risk rules stop abnormal vehicle invoicing for a manager's review."""

from odoo import Command
from odoo.exceptions import UserError

from .test_vehicle_invoicing import TestVehicleInvoicing


class TestVehicleRisk(TestVehicleInvoicing):
    def rule(self, rule_type, threshold):
        return self.env["vehicle.risk.rule"].create(
            {
                "name": rule_type,
                "rule_type": rule_type,
                "threshold": threshold,
                "company_id": self.company.id,
            }
        )

    def sold_invoice(self):
        order = self.sell(cars=1)
        self.deliver(order, self.vins[:1])
        return order, self.invoice(order)

    def test_a_hit_locks_until_a_manager_approves(self):
        self.rule("max_amount", 100000)
        order, move = self.sold_invoice()
        action = move.action_prepare_fapiao()
        self.assertEqual(action["tag"], "display_notification")
        self.assertFalse(move.fapiao_ids)
        self.assertEqual((move.vehicle_risk_state, order.vehicle_risk_state), ("locked", "locked"))
        self.assertIn(self.vins[0].name, order.vehicle_risk_reasons)
        self.assertTrue(order.activity_ids and move.activity_ids)
        audit = self.env["tax.gateway.audit"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", order.id)]
        )
        self.assertEqual(audit.mapped("action"), ["risk_lock"])
        with self.assertRaisesRegex(UserError, "locked for risk review"):
            move.action_prepare_fapiao()
        salesman = self.env["res.users"].create(
            {
                "name": "销售顾问",
                "login": "risk_salesman",
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
                "groups_id": [Command.set(self.env.ref("sales_team.group_sale_salesman").ids)],
            }
        )
        with self.assertRaisesRegex(UserError, "Only a Fapiao Manager"):
            order.with_user(salesman)._vehicle_risk_unlock()
        with self.assertRaisesRegex(UserError, "only be accessed over HTTP"):
            order.action_vehicle_risk_unlock()  # the button asks for the password
        order._vehicle_risk_unlock()
        self.assertEqual(
            (move.vehicle_risk_state, order.vehicle_risk_state), ("approved", "approved")
        )
        self.assertFalse(order.activity_ids)
        move.action_prepare_fapiao()
        self.assertEqual(len(move.fapiao_ids), 3)

    def test_guide_price_and_cost_rules(self):
        self.vins[0].guide_price = 180000.0  # sold at 169,500: 5.83 % below the guide
        self.rule("guide_deviation", 6)
        _order, move = self.sold_invoice()
        self.assertNotIn("tag", move.action_prepare_fapiao())  # within 6 %: no hit
        _order2, move2 = self.sell_again()
        self.car.standard_price = 160000.0  # sold at 150,000 untaxed: 6.25 % below cost
        self.rule("below_cost", 5)
        self.assertEqual(move2.action_prepare_fapiao()["tag"], "display_notification")
        self.assertIn("Below cost", move2.vehicle_risk_reasons)

    def sell_again(self):
        order = self.sell(cars=1)
        self.deliver(order, self.vins[1:2])
        return order, self.invoice(order)
