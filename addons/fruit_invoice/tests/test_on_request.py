"""Customers invoiced on request: the fapiao they ask for waits for finance's approval."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.tax_gateway.tests.common import FapiaoCommon


@tagged("post_install", "-at_install")
class TestOnRequest(FapiaoCommon):
    def test_a_requested_fapiao_is_issued_only_once_finance_approves(self):
        self.buyer.fruit_fapiao_policy = "on_request"
        move = self.make_invoice([(self.product_apple, 100.0, 12.5)])
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        self.assertEqual((fapiao.state, fapiao.fruit_approval_state), ("draft", "to_approve"))
        activity = fapiao.activity_ids
        self.assertEqual(activity.user_id, self.company._fapiao_manager_user())
        self.assertIn("上海果品贸易有限公司", activity.note)
        # the issuer cannot issue it yet; nothing changes
        with self.assertRaisesRegex(UserError, "waits for a Fapiao Manager's approval"):
            fapiao._submit()
        self.assertEqual(fapiao.state, "draft")
        # preparing again does not ask twice
        move.action_prepare_fapiao()
        self.assertEqual(len(fapiao.activity_ids), 1)
        # an issuer who is not a manager cannot approve
        clerk = self.env["res.users"].create(
            {
                "name": "开票员",
                "login": "clerk_on_request",
                "company_id": self.company.id,
                "company_ids": [(6, 0, self.company.ids)],
                "groups_id": [(6, 0, [self.env.ref("tax_gateway.group_fapiao_issuer").id])],
            }
        )
        with self.assertRaisesRegex(UserError, "Only a Fapiao Manager approves"):
            fapiao.with_user(clerk).action_fruit_approve()
        fapiao.action_fruit_approve()
        self.assertEqual(
            (fapiao.fruit_approval_state, fapiao.fruit_approved_by), ("approved", self.env.user)
        )
        self.assertFalse(fapiao.activity_ids)
        fapiao._submit()
        self.assertEqual(fapiao.state, "to_issue")
        with self.assertRaisesRegex(UserError, "not waiting for approval"):
            fapiao.action_fruit_approve()

    def test_manual_customers_need_no_approval(self):
        move = self.make_invoice([(self.product_apple, 10.0, 12.5)])
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        self.assertFalse(fapiao.fruit_approval_state)
        fapiao._submit()
        self.assertEqual(fapiao.state, "to_issue")
