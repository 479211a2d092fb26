"""Goods returned by the customer become a credit note and a red-letter fapiao on their own."""

from odoo.tests import tagged

from odoo.addons.tax_gateway.tests.common import run_queued_jobs

from .common import FruitCommon


@tagged("post_install", "-at_install")
class TestFruitReturns(FruitCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.fruit_red_letter_on_return = True
        cls.start_sandbox()

    def return_goods(self, order, lot, quantity):
        picking = order.picking_ids.filtered(lambda p: not p.return_id)
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=picking.id, active_model="stock.picking")
            .create({})
        )
        wizard.product_return_moves.quantity = quantity
        back = self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        move = back.move_ids
        move.move_line_ids.unlink()
        self.env["stock.move.line"].create(
            {
                "move_id": move.id,
                "picking_id": back.id,
                "product_id": self.apple.id,
                "lot_id": lot.id,
                "quantity": quantity,
                "product_uom_id": move.product_uom.id,
                "location_id": move.location_id.id,
                "location_dest_id": move.location_dest_id.id,
            }
        )
        move.picked = True
        back.button_validate()
        self.assertEqual(back.state, "done")
        return back

    def test_partial_return_reverses_the_right_batch_once(self):
        order = self.order([(30, 12.5)])
        l1, l2, _l3 = self.lots
        self.deliver(order, [[(l1, 10), (l2, 20)]])
        invoices = order._create_invoices()
        self.issue(invoices)
        by_lot = {inv.invoice_line_ids.fruit_lot_ids: inv for inv in invoices}
        back = self.return_goods(order, l2, 5)
        credit = by_lot[l2].reversal_move_ids
        self.assertEqual(credit.invoice_line_ids.quantity, 5)
        self.assertEqual(credit.amount_total, 68.13)  # 62.50 + 9 % (5.63)
        form = credit.red_form_ids
        self.assertEqual((form.reason, form.state), ("02", "applying"))
        self.assertFalse(by_lot[l1].reversal_move_ids)  # the other batch is untouched
        run_queued_jobs(self.env, form)
        self.assertEqual(form.state, "issued")
        self.assertEqual(credit.state, "posted")
        blue = by_lot[l2].fapiao_ids
        self.assertEqual(blue.state, "partially_reversed")
        self.assertEqual(blue.amount_reversed, 68.13)
        self.assertIn("red letter sent", back.message_ids[0].body)
        # the same goods cannot come back twice: what is left of the batch is 15
        self.return_goods(order, l2, 15)
        rest = by_lot[l2].reversal_move_ids - credit
        run_queued_jobs(self.env, rest.red_form_ids)
        self.assertEqual(blue.state, "reversed")
        self.assertEqual(rest.state, "posted")

    def test_return_of_goods_without_an_issued_fapiao_changes_nothing(self):
        order = self.order([(10, 12.5)])
        self.deliver(order, [[(self.lots[0], 10)]])
        order._create_invoices().action_post()  # no fapiao issued yet
        back = self.return_goods(order, self.lots[0], 4)
        self.assertEqual(back.state, "done")
        self.assertFalse(order.invoice_ids.reversal_move_ids)
