"""Odoo's own invoicing flows for users without any fapiao right, in a company outside China and
in the Chinese company itself: installing the add-ons must change nothing for them, except the
tax bureau's locks on an invoice with an issued fapiao, which hold for everyone and say why."""

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import FapiaoCommon, run_queued_jobs

BILLING = "account.group_account_invoice"


def new_user(env, login, company, groups=BILLING):
    """A user of ``company`` only, with ``groups`` (a billing clerk: no fapiao right)."""
    return new_test_user(
        env,
        login=login,
        groups=groups,
        company_id=company.id,
        company_ids=[Command.set(company.ids)],
    )


def reverse(move):
    wizard = (
        move.env["account.move.reversal"]
        .with_context(active_model="account.move", active_ids=move.ids)
        .create({"journal_id": move.journal_id.id, "reason": "error"})
    )
    return move.env["account.move"].browse(wizard.refund_moves()["res_id"])


@tagged("post_install", "-at_install")
class TestOdooFlowsOutsideChina(AccountTestInvoicingCommon):
    """A billing clerk of an American company of the same database, with no fapiao right."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.us = cls.setup_other_company(name="US Inc.", country_id=cls.env.ref("base.us").id)
        cls.us_company = cls.us["company"]
        cls.clerk = new_user(cls.env, "us_billing_clerk", cls.us_company)
        cls.eur = cls.setup_other_currency("EUR")
        cls.customer = cls.env["res.partner"].create({"name": "Acme Corp", "is_company": True})

    def test_a_billing_clerk_edits_posts_resets_reverses_and_pays_as_without_the_add_ons(self):
        env = self.env(user=self.clerk, context={"allowed_company_ids": self.us_company.ids})
        self.assertFalse(self.clerk.has_group("tax_gateway.group_fapiao_user"))
        with Form(env["account.move"].with_context(default_move_type="out_invoice")) as form:
            form.partner_id = self.customer.with_env(env)
            form.invoice_date = fields.Date.from_string("2026-11-20")
            with form.invoice_line_ids.new() as line:
                line.name = "Consulting"
                line.quantity = 2
                line.price_unit = 500.0
                line.tax_ids.clear()
            form.currency_id = self.eur.with_env(env)  # the onchange that raised AccessError
            form.currency_id = self.us_company.currency_id.with_env(env)
        move = form.record
        self.assertEqual(move.amount_total, 1000.0)
        move.action_post()
        self.assertTrue(move.show_reset_to_draft_button)
        move.button_draft()
        move.action_post()
        credit = reverse(move)
        self.assertFalse(credit.needs_red_letter)
        credit.action_post()
        self.assertEqual(move.payment_state, "reversed")

        invoice = move.copy({"invoice_date": "2026-11-21"})
        invoice.action_post()
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        invoice.button_draft()  # Odoo allows a paid invoice back to draft: still allowed
        self.assertEqual(invoice.state, "draft")
        invoice.unlink()

    def test_the_fapiao_column_is_shown_to_fapiao_users_only(self):
        view = self.env.ref("account.view_invoice_tree").id
        fapiao_user = new_user(
            self.env, "us_fapiao_user", self.us_company, groups="tax_gateway.group_fapiao_user"
        )

        def arch(user):
            Move = self.env(user=user)["account.move"]
            return Move.get_views([(view, "list")])["views"]["list"]["arch"]

        self.assertNotIn("fapiao_state", arch(self.clerk))
        self.assertIn("fapiao_state", arch(fapiao_user))


@tagged("post_install", "-at_install")
class TestOdooFlowsBureauLocks(FapiaoCommon):
    """A billing clerk of the Chinese company, with no fapiao right, on an invoice whose fapiao
    the tax bureau knows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_sandbox()
        cls.clerk = new_user(cls.env, "cn_billing_clerk", cls.company)

    def setUp(self):
        super().setUp()
        move = self.make_invoice()
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        fapiao.action_submit()
        run_queued_jobs(self.env, fapiao)
        self.assertEqual(fapiao.state, "issued")
        self.clerk_env = self.env(
            user=self.clerk, context={"allowed_company_ids": self.company.ids, "lang": "en_US"}
        )
        self.move = move.with_env(self.clerk_env)

    def test_the_clerk_opens_the_invoice_and_gets_the_bureau_s_reason_not_an_access_error(self):
        with Form(self.move) as form:
            form.ref = "PO-778"  # an edit Odoo allows on a posted invoice
        self.assertFalse(self.move.show_reset_to_draft_button)
        self.assertEqual(self.move.fapiao_state, "issued")
        with self.assertRaisesRegex(UserError, "fapiao known to the tax bureau"):
            self.move.button_draft()
        with self.assertRaisesRegex(UserError, "fapiao known to the tax bureau"):
            self.move.button_cancel()
        self.assertEqual(self.move.state, "posted")

    def test_a_credit_note_typed_by_hand_cannot_skip_the_red_letter(self):
        """However it is made (the form, or create over RPC), a credit note with no origin for
        a customer with an issued fapiao does not post; made from the invoice, it waits for its
        red letter; a customer without issued fapiao is not concerned."""
        moves = self.clerk_env["account.move"]
        typed = moves.create(
            {
                "move_type": "out_refund",
                "partner_id": self.move.partner_id.id,
                "invoice_line_ids": [
                    Command.create({"name": "折让", "quantity": 1, "price_unit": 10.0})
                ],
            }
        )
        with self.assertRaisesRegex(UserError, "reverses no invoice"):
            typed.action_post()
        self.assertEqual(typed.state, "draft")
        other = self.env["res.partner"].create({"name": "无发票客户", "is_company": True})
        free = moves.create(
            {
                "move_type": "out_refund",
                "partner_id": other.id,
                "invoice_line_ids": [
                    Command.create({"name": "折让", "quantity": 1, "price_unit": 10.0})
                ],
            }
        )
        free.action_post()
        self.assertEqual(free.state, "posted")

    def test_the_clerk_s_credit_note_waits_for_its_red_letter(self):
        credit = reverse(self.move)
        self.assertEqual(credit.state, "draft")
        self.assertTrue(credit.needs_red_letter)
        with Form(credit) as form:
            form.ref = "退货"
        with self.assertRaisesRegex(UserError, "only be posted once its red-letter fapiao"):
            credit.action_post()
        self.assertEqual(credit.state, "draft")
