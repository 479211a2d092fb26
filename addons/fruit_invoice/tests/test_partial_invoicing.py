"""Invoicing part of an order (by quantity or amount) and goods before delivery (预开票)."""

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from odoo.addons.tax_gateway.tests.common import run_queued_jobs

from .common import FruitCommon


@tagged("post_install", "-at_install")
class TestPartialInvoicing(FruitCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_sandbox()

    def wizard(self, order, mode, quantities=None, amount=None):
        """The wizard as the user fills it in, onchanges included."""
        form = Form(self.env["fruit.partial.invoice"].with_context(active_id=order.id))
        form.mode = mode
        if amount is not None:
            form.amount = amount
        for index, quantity in enumerate(quantities or []):
            with form.line_ids.edit(index) as line:
                line.quantity = quantity
        return form.save()

    def invoices_of(self, order):
        return order.invoice_ids.sorted("id")

    def test_pre_invoice_before_delivery_then_the_goods_leave(self):
        order = self.order([(100, 12.5)])
        sale_line = order.order_line
        # nothing delivered: the wizard opens on pre-invoicing, everything available
        form = Form(self.env["fruit.partial.invoice"].with_context(active_id=order.id))
        self.assertEqual(form.mode, "preinvoice")
        self.assertEqual(form.line_ids._records[0]["available"], 100)
        wizard = self.wizard(order, "preinvoice", [60])
        self.assertEqual(wizard.amount_total, 817.5)  # 750.00 + 67.50
        wizard.action_create_invoices()
        pre = self.invoices_of(order)
        self.assertEqual(len(pre), 1)
        line = pre.invoice_line_ids
        self.assertEqual((line.quantity, line.fruit_preinvoice), (60, True))
        self.assertFalse(line.fruit_lot_ids)  # the batches are known when the goods leave
        self.assertEqual(
            (pre.fruit_invoicing, pre.fruit_preinvoice_state), ("preinvoice", "to_deliver")
        )
        self.assertEqual(pre.amount_total, 817.5)
        # pre-invoiced goods are not "to invoice", nor a credit note to make
        self.assertEqual(
            (sale_line.qty_invoiced, sale_line.fruit_qty_preinvoiced, sale_line.qty_to_invoice),
            (60, 60, 0),
        )
        self.assertEqual(sale_line.fruit_qty_preinvoiced_to_deliver, 60)
        self.assertNotEqual(order.invoice_status, "to invoice")
        with self.assertRaises(UserError):
            order._create_invoices()
        # never more than ordered: 40 are left to pre-invoice
        with self.assertRaisesRegex(UserError, "41.0 is more than the 40.0 that may still"):
            self.wizard(order, "preinvoice", [41]).action_create_invoices()
        self.assertEqual(self.invoices_of(order), pre)

        # the fapiao waits for finance, then goes to the platform
        pre.action_post()
        fapiao = self.env["tax.fapiao"].browse(pre.action_prepare_fapiao()["res_id"])
        self.assertEqual(
            (fapiao.fruit_approval_state, fapiao.fruit_approval_reason),
            ("to_approve", "preinvoice"),
        )
        with self.assertRaisesRegex(UserError, "Goods not delivered yet"):
            fapiao.action_submit()
        fapiao.action_fruit_approve()
        fapiao._submit()
        run_queued_jobs(self.env, fapiao)
        self.assertEqual(fapiao.state, "issued")

        # 50 leave from two batches: the pre-invoice learns which, a backorder waits
        l1, l2, l3 = self.lots
        self.deliver(order, [[(l1, 30), (l2, 20)]])
        self.assertEqual((line.fruit_preinvoice_delivered, line.fruit_lot_ids), (50, l1 + l2))
        self.assertEqual(pre.fruit_preinvoice_state, "to_deliver")
        self.assertIn("50 of 60 kg delivered", pre.message_ids[0].body)
        self.assertEqual(
            (sale_line.qty_to_invoice, sale_line.fruit_qty_preinvoiced_to_deliver), (0, 10)
        )

        # the rest leaves: the pre-invoice is covered, the 40 beyond it are invoiced as usual,
        # from the batch the pre-invoice did not take
        self.deliver(order, [[(l2, 10), (l3, 40)]])
        self.assertEqual((line.fruit_preinvoice_delivered, line.fruit_lot_ids), (60, l1 + l2))
        self.assertEqual(pre.fruit_preinvoice_state, "delivered")
        self.assertEqual(sale_line.qty_to_invoice, 40)
        rest = order._create_invoices()
        self.assertEqual(rest.invoice_line_ids.fruit_lot_ids, l3)
        self.assertEqual(rest.invoice_line_ids.quantity, 40)
        self.assertFalse(rest.fruit_invoicing)
        self.assertEqual(pre.amount_total + rest.amount_total, order.amount_total)
        self.assertEqual(order.invoice_status, "invoiced")

    def test_partial_invoice_by_amount_and_by_quantity(self):
        order = self.order([(30, 12.5), (20, 8.2)])
        l1, l2, _l3 = self.lots
        self.deliver(order, [[(l1, 30)], [(l2, 20)]])
        # 500.00 with tax: the first line whole (408.75), then what fits of the second
        wizard = self.wizard(order, "amount", amount=500.0)
        quantities = wizard.line_ids.mapped("quantity")
        self.assertEqual(quantities[0], 30)
        self.assertTrue(0 < quantities[1] < 20)
        self.assertLessEqual(wizard.amount_total, 500.0)
        # one more hundredth of a kilogram would not fit (8.2 × 1.09 = 8.938 a kg)
        self.assertGreater(wizard.amount_total + 0.09, 500.0)
        wizard.action_create_invoices()
        first = self.invoices_of(order)
        self.assertEqual(first.mapped("fruit_invoicing"), ["partial_amount"] * len(first))
        self.assertEqual(sum(first.mapped("amount_total")), wizard.amount_total)
        self.assertEqual(order.order_line[1].qty_invoiced, quantities[1])

        # an amount above what is left changes nothing
        left = order.amount_total - sum(first.mapped("amount_total"))
        with self.assertLogs("odoo.tests.form.onchange", "WARNING") as warned:
            too_much = self.wizard(order, "amount", amount=left + 0.01)  # the user is warned
        self.assertIn("more than what is left to invoice", warned.output[0])
        with self.assertRaisesRegex(UserError, "more than what is left to invoice"):
            too_much.action_create_invoices()
        # by quantity: never more than delivered and not yet invoiced
        with self.assertRaisesRegex(UserError, "more than the"):
            self.wizard(order, "quantity", [20.01 - quantities[1]]).action_create_invoices()
        self.assertEqual(self.invoices_of(order), first)
        self.wizard(order, "quantity", [20 - quantities[1]]).action_create_invoices()
        second = self.invoices_of(order) - first
        self.assertEqual(second.fruit_invoicing, "partial_qty")
        self.assertEqual(sum(self.invoices_of(order).mapped("amount_total")), order.amount_total)
        self.assertEqual(order.invoice_status, "invoiced")
        # the fapiao of a partial invoice waits for finance unless the company says otherwise
        second.action_post()
        fapiao = self.env["tax.fapiao"].browse(second.action_prepare_fapiao()["res_id"])
        self.assertEqual(fapiao.fruit_approval_reason, "partial")
        self.company.fruit_approve_partial = False
        first.action_post()
        self.env["tax.fapiao"].browse(first[0].action_prepare_fapiao()["res_id"])
        self.assertFalse(first[0].fapiao_ids.fruit_approval_state)
