"""Sensitive actions clicked in the web client go through Odoo's identity check (password)."""

from odoo import Command
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import FapiaoCommon

NUMBER = "26312000000000000077"


@tagged("post_install", "-at_install")
class TestIdentityCheck(FapiaoCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls.env["res.users"].create(
            {
                "name": "财务经理",
                "login": "fapiao_manager_idc",
                "password": "fapiao_manager_idc",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "groups_id": [
                    Command.set(
                        [
                            cls.env.ref("tax_gateway.group_fapiao_manager").id,
                            cls.env.ref("account.group_account_manager").id,
                        ]
                    )
                ],
            }
        )

    def click(self, record, method):
        """What the web client sends when a button is clicked."""
        return self.make_jsonrpc_request(
            "/web/dataset/call_button",
            {
                "model": record._name,
                "method": method,
                "args": [record.ids],
                "kwargs": {"context": {"allowed_company_ids": self.company.ids}},
            },
        )

    def answer(self, wizard_id, password):
        self.make_jsonrpc_request(
            "/web/dataset/call_kw/res.users.identitycheck/write",
            {
                "model": "res.users.identitycheck",
                "method": "write",
                "args": [[wizard_id], {"password": password}],
                "kwargs": {},
            },
        )
        return self.make_jsonrpc_request(
            "/web/dataset/call_button",
            {
                "model": "res.users.identitycheck",
                "method": "run_check",
                "args": [[wizard_id]],
                "kwargs": {},
            },
        )

    def issued_fapiao(self, lines=None):
        move = self.make_invoice(lines)
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        return fapiao

    def test_red_letter_asks_for_the_password(self):
        fapiao = self.issued_fapiao()
        fapiao._submit()
        fapiao._mark_issued(NUMBER, "2026-11-20 10:00:00", serial="S77")
        form = self.env["tax.red.form"].create(
            {
                "fapiao_id": fapiao.id,
                "line_ids": [
                    Command.create(
                        {
                            "blue_line_id": fapiao.line_ids.id,
                            "quantity": 10,
                            "amount": 125.0,
                            "tax_amount": 11.25,
                        }
                    )
                ],
            }
        )
        self.authenticate(self.manager.login, self.manager.login)
        action = self.click(form, "action_submit")
        self.assertEqual(action["res_model"], "res.users.identitycheck")
        self.assertEqual(form.state, "draft")
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self.answer(action["res_id"], "wrong password")
        self.assertEqual(form.state, "draft")
        self.answer(action["res_id"], self.manager.login)
        form.invalidate_recordset()
        self.assertEqual(form.state, "applying")

    def test_issuing_above_the_threshold_asks_for_the_password(self):
        self.company.fapiao_identity_check_amount = 1000.0
        small = self.issued_fapiao([(self.product_apple, 10.0, 12.5)])
        big = self.issued_fapiao([(self.product_apple, 100.0, 12.5)])
        self.authenticate(self.manager.login, self.manager.login)
        self.assertFalse(self.click(small, "action_submit"))  # no dialog: done at once
        small.invalidate_recordset()
        self.assertEqual(small.state, "to_issue")
        action = self.click(big, "action_submit")
        self.assertEqual(action["res_model"], "res.users.identitycheck")
        big.invalidate_recordset()
        self.assertEqual(big.state, "draft")
        self.answer(action["res_id"], self.manager.login)
        big.invalidate_recordset()
        self.assertEqual(big.state, "to_issue")
