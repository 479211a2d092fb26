"""Finance's approval is given by a Fapiao Manager's button, never by a write over RPC."""

from odoo.tests import HttpCase, tagged

from odoo.addons.tax_gateway.tests.common import FapiaoCommon, RpcAdversaryMixin

FORBIDDEN = "change only through the workflow's buttons"


@tagged("post_install", "-at_install")
class TestRpcFruitApproval(RpcAdversaryMixin, FapiaoCommon, HttpCase):
    def test_nobody_approves_a_fapiao_by_writing_its_approval(self):
        self.buyer.fruit_fapiao_policy = "on_request"
        move = self.make_invoice([(self.product_apple, 100.0, 12.5)])
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        self.assertEqual(fapiao.fruit_approval_state, "to_approve")
        manager = self.role_users["manager"]
        for role in ("fapiao_user", "issuer", "manager"):
            for values in (
                {"fruit_approval_state": "approved"},
                {"fruit_approval_state": False},
                {"fruit_approved_by": manager.id},
            ):
                with self.subTest(role=role, values=values):
                    self.assertRefused(
                        self.rpc(role, "tax.fapiao", "write", fapiao.ids, values), FORBIDDEN
                    )
        self.assertRefused(
            self.rpc(
                "salesman", "tax.fapiao", "write", fapiao.ids, {"fruit_approval_state": False}
            ),
            "AccessError",
        )
        self.assertRefused(
            self.rpc("issuer", "tax.fapiao", "action_fruit_approve", fapiao.ids),
            "Only a Fapiao Manager approves",
        )
        fapiao.invalidate_recordset()
        self.assertEqual(
            (fapiao.fruit_approval_state, fapiao.fruit_approved_by.id), ("to_approve", False)
        )
        # the manager's button is the way
        _result, error = self.rpc("manager", "tax.fapiao", "action_fruit_approve", fapiao.ids)
        self.assertIsNone(error)
        fapiao.invalidate_recordset()
        self.assertEqual(
            (fapiao.fruit_approval_state, fapiao.fruit_approved_by), ("approved", manager)
        )
