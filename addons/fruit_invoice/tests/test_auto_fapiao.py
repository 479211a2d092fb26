"""T+N: the fapiao of a paid invoice is issued on its own, for customers who chose it."""

import datetime

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.tax_gateway.tests.common import FapiaoCommon, queued_methods


@tagged("post_install", "-at_install")
class TestAutoFapiao(FapiaoCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer.write({"fruit_fapiao_policy": "after_payment", "fruit_fapiao_delay": 2})

    def pay(self, move, day):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids
        ).create({"payment_date": day}).action_create_payments()
        self.assertIn(move.payment_state, ("paid", "in_payment"))

    def test_issued_n_days_after_payment(self):
        move = self.make_invoice()
        self.pay(move, "2026-11-20")
        cron = self.env["account.move"]._cron_fruit_auto_fapiao
        self.assertFalse(cron(today=datetime.date(2026, 11, 21)))  # T+1: not yet
        self.assertFalse(move.fapiao_ids)
        self.assertEqual(cron(today=datetime.date(2026, 11, 22)), move)  # T+2
        fapiao = move.fapiao_ids
        self.assertEqual(fapiao.state, "to_issue")
        self.assertEqual(queued_methods(self.env, fapiao), ["_job_issue"])
        self.assertFalse(cron(today=datetime.date(2026, 11, 23)))  # never twice

    def test_unpaid_or_manual_customers_are_left_alone(self):
        unpaid = self.make_invoice()
        manual = self.env["res.partner"].create(
            {"name": "手工客户", "is_company": True, "vat": self.make_uscc("91310000MA1FL0002")}
        )
        other = self.make_invoice(partner=manual)
        self.pay(other, "2026-11-01")
        self.assertFalse(
            self.env["account.move"]._cron_fruit_auto_fapiao(today=datetime.date(2026, 11, 30))
        )
        self.assertFalse((unpaid + other).fapiao_ids)

    def test_an_invoice_that_cannot_be_issued_is_reported(self):
        move = self.make_invoice()
        self.company.vat = False  # no seller tax ID: the fapiao cannot be issued
        self.pay(move, "2026-11-01")
        self.assertFalse(
            self.env["account.move"]._cron_fruit_auto_fapiao(today=datetime.date(2026, 11, 30))
        )
        self.assertFalse(move.fapiao_ids)
        self.assertIn("could not be issued", move.message_ids[0].body)

    def test_only_managers_set_the_policy(self):
        clerk = self.env["res.users"].create(
            {
                "name": "销售员",
                "login": "fruit_clerk",
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
                "groups_id": [Command.set(self.env.ref("sales_team.group_sale_salesman").ids)],
            }
        )
        with self.assertRaisesRegex(UserError, "Only a Fapiao Manager"):
            self.buyer.with_user(clerk).write({"fruit_fapiao_policy": "manual"})
        self.assertEqual(self.buyer.fruit_fapiao_policy, "after_payment")
