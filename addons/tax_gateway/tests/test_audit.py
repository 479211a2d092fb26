from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import FapiaoCommon


@tagged("post_install", "-at_install")
class TestAudit(FapiaoCommon):
    def fapiao_actions(self, number="26312000000000000077"):
        move = self.make_invoice()
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        fapiao.action_submit()
        fapiao._mark_issued(number, "2026-11-20 10:00:00")
        return fapiao

    def test_every_action_is_chained(self):
        fapiao = self.fapiao_actions()
        entries = self.env["tax.gateway.audit"].search(
            [("res_model", "=", "tax.fapiao"), ("res_id", "=", fapiao.id)], order="sequence"
        )
        self.assertEqual(entries.mapped("action"), ["submit", "issued"])
        self.assertEqual(entries[0].amount, f"{fapiao.amount_total:.2f}")
        self.assertEqual(entries[0].user_id, self.env.user)
        self.assertEqual(entries[1].prev_hash, entries[0].hash)
        self.assertIsNone(self.env["tax.gateway.audit"]._verify_chain())
        action = self.env["tax.gateway.audit"].action_verify_chain()
        self.assertEqual(action["params"]["type"], "success")

    def test_orm_cannot_edit_or_delete(self):
        self.fapiao_actions()
        entry = self.env["tax.gateway.audit"].search([], limit=1)
        with self.assertRaises(UserError):
            entry.write({"amount": "0.01"})
        with self.assertRaises(UserError):
            entry.unlink()

    def test_edited_or_deleted_entry_is_found(self):
        self.fapiao_actions("26312000000000000078")
        self.fapiao_actions("26312000000000000079")
        entries = self.env["tax.gateway.audit"].search([], order="sequence")
        target = entries[-3]
        original = target.amount
        self.env.cr.execute(
            "UPDATE tax_gateway_audit SET amount = '0.01' WHERE id = %s", [target.id]
        )
        self.assertEqual(
            self.env["tax.gateway.audit"]._verify_chain(), (target.sequence, "content was changed")
        )
        action = self.env["tax.gateway.audit"].action_verify_chain()
        self.assertEqual(action["params"]["type"], "danger")
        self.env.cr.execute(
            "UPDATE tax_gateway_audit SET amount = %s WHERE id = %s", [original, target.id]
        )
        self.assertIsNone(self.env["tax.gateway.audit"]._verify_chain())
        self.env.cr.execute("DELETE FROM tax_gateway_audit WHERE id = %s", [entries[-2].id])
        self.env.invalidate_all()
        self.assertEqual(self.env["tax.gateway.audit"]._verify_chain()[0], entries[-1].sequence)
