"""Produce bought from farmers: a 农产品收购发票 issued over the wire, input VAT credited."""

from fapiao_core import nuonuo

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.tax_gateway.tests.common import FapiaoCommon, run_queued_jobs

RESIDENT_ID = "11010519491231002X"  # the check-digit example of GB 11643


@tagged("post_install", "-at_install")
class TestFarmPurchase(FapiaoCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_sandbox()
        cls.grower = cls.env["res.partner"].create(
            {
                "name": "王大山（果农）",
                "country_id": cls.env.ref("base.cn").id,
                "fapiao_natural_person": True,
                "fapiao_id_number": RESIDENT_ID,
            }
        )

    def purchase_tax_9(self):
        templates = self.env["account.chart.template"].with_company(self.company)
        return templates.ref("l10n_cn_purchase_excluded_9")

    def bill(self, partner=None, taxes=None):
        move = self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": (partner or self.grower).id,
                "invoice_date": "2026-11-20",
                "company_id": self.company.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product_apple.id,
                            "quantity": 1000,
                            "price_unit": 3.0,
                            "tax_ids": [Command.set((taxes or self.env["account.tax"]).ids)],
                        }
                    )
                ],
            }
        )
        move.action_post()
        return move

    def test_a_farmer_identified_by_a_passport(self):
        grower = self.env["res.partner"].create(
            {
                "name": "Nguyen Van An（果农）",
                "fapiao_natural_person": True,
                "fapiao_id_type": "208",
                "fapiao_id_number": "C1234567",
            }
        )
        move = self.bill(partner=grower)
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        self.assertEqual((fapiao.buyer_id_type, fapiao.buyer_tax_id), ("208", "C1234567"))
        fapiao._check_before_issue()
        order = nuonuo.order_of(fapiao._platform_request())
        self.assertEqual((order["certificateType"], order["buyerTaxNum"]), ("208", "C1234567"))
        # a passport number too short to be one is refused, and the partner is unchanged
        with self.assertRaisesRegex(ValidationError, "not a valid 外国护照 number"):
            grower.fapiao_id_number = "C1"
        # a resident ID keeps its check digit
        with self.assertRaisesRegex(ValidationError, "check digit"):
            grower.write({"fapiao_id_type": "201", "fapiao_id_number": "110105194912310021"})

    def test_issued_with_the_farmer_as_seller_and_the_credit_booked(self):
        move = self.bill()
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        self.assertEqual((fapiao.kind, fapiao.buyer_name), ("agri", "王大山（果农）"))
        self.assertEqual(fapiao.buyer_tax_id, RESIDENT_ID)
        self.assertNotIn(RESIDENT_ID, fapiao.buyer_tax_id_enc or "")  # encrypted at rest
        self.assertEqual((fapiao.line_ids.tax_rate, fapiao.line_ids.tax_amount), (0.0, 0.0))
        order = nuonuo.order_of(fapiao._platform_request())
        self.assertEqual(
            (order["invoiceLine"], order["specificFactor"], order["certificateType"]),
            ("e", "16", "201"),
        )
        fapiao._submit()
        run_queued_jobs(self.env, fapiao)
        self.assertEqual(fapiao.state, "issued")
        entry = move.fruit_input_vat_move_id
        self.assertEqual(entry.state, "posted")
        input_vat = (
            self.purchase_tax_9()
            .invoice_repartition_line_ids.filtered(lambda r: r.repartition_type == "tax")
            .account_id
        )
        debit = entry.line_ids.filtered(lambda ln: ln.account_id == input_vat)
        self.assertEqual(debit.debit, 270.0)  # 3,000.00 × 9 %
        credit = entry.line_ids.filtered("credit")
        self.assertEqual(credit.account_id, move.invoice_line_ids.account_id)
        self.assertEqual(credit.credit, 270.0)

    def test_only_for_farmers_with_an_id_and_untaxed_bills(self):
        company_seller = self.bill(partner=self.buyer)
        with self.assertRaisesRegex(UserError, "must be a natural person with an ID number"):
            company_seller.action_prepare_fapiao()
        taxed = self.bill(taxes=self.purchase_tax_9())
        with self.assertRaisesRegex(UserError, "carries taxes"):
            taxed.action_prepare_fapiao()
        self.assertFalse((company_seller + taxed).fapiao_ids)

    def issued(self):
        move = self.bill()
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        fapiao._submit()
        run_queued_jobs(self.env, fapiao)
        self.assertEqual(fapiao.state, "issued")
        return move, fapiao

    def refund(self, move, quantity):
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"journal_id": move.journal_id.id, "reason": "退货给农户"})
        )
        refund = self.env["account.move"].browse(wizard.refund_moves()["res_id"])
        refund.invoice_line_ids.quantity = quantity
        return refund

    def red_letter(self, refund):
        form = self.env["tax.red.form"].browse(refund.action_request_red_letter()["res_id"])
        form._submit()
        run_queued_jobs(self.env, form)
        return form

    def test_returned_produce_is_reversed_by_red_letter_and_the_credit_taken_back(self):
        move, blue = self.issued()
        self.assertEqual(move.fruit_input_vat_move_id._fruit_entry_amount(), 270)  # 3,000 × 9 %
        # 400 kg of the 1,000 go back to the farmer
        first = self.refund(move, 400)
        self.assertTrue(first.needs_red_letter)
        with self.assertRaisesRegex(UserError, "only be posted once its red-letter fapiao"):
            first.action_post()
        form = self.red_letter(first)
        self.assertEqual(form.state, "issued")
        red = form.red_fapiao_id
        self.assertEqual((red.kind, red.direction, red.amount_total), ("agri", "red", -1200.0))
        self.assertEqual((first.state, blue.state), ("posted", "partially_reversed"))
        taken = first.fruit_input_vat_move_id
        self.assertEqual(taken._fruit_entry_amount(), 108)  # 1,200 × 9 %
        vat_line = taken.line_ids.filtered(lambda ln: ln.credit)
        self.assertEqual(
            vat_line.account_id, move.fruit_input_vat_move_id.line_ids.filtered("debit").account_id
        )
        # more than is left is refused, nothing is sent
        too_much = self.refund(move, 700)
        with self.assertRaises(UserError):
            too_much.action_request_red_letter()
        self.assertFalse(too_much.red_form_ids)
        too_much.button_cancel()
        # the rest: the credit taken back is exactly what is left of it
        rest = self.refund(move, 600)
        self.red_letter(rest)
        self.assertEqual(blue.state, "reversed")
        self.assertEqual(rest.fruit_input_vat_move_id._fruit_entry_amount(), 162)
        # and never twice
        with self.assertRaises(UserError):
            self.refund(move, 1)
