"""Red letters (红字确认单) from Odoo's credit-note flow to the sandbox platform and back."""

import sqlite3
from decimal import Decimal

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import FapiaoCommon, for_each_dialect, run_queued_jobs

RED_TTL = 72 * 3600


@for_each_dialect
@tagged("post_install", "-at_install")
class TestRedLetter(FapiaoCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_sandbox()

    def setUp(self):
        super().setUp()
        self.sandbox.fault("clear")

    # ----------------------------------------------------------------- helpers
    def issued_invoice(self, lines=None):
        move = self.make_invoice(lines)
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        fapiao.action_submit()
        run_queued_jobs(self.env, fapiao)
        self.assertEqual(fapiao.state, "issued")
        return move, fapiao

    def reverse(self, move, reason="退货"):
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"journal_id": move.journal_id.id, "reason": reason})
        )
        return self.env["account.move"].browse(wizard.refund_moves()["res_id"])

    def request(self, credit, reason="02"):
        action = credit.with_context(fapiao_red_reason=reason).action_request_red_letter()
        return self.env["tax.red.form"].browse(action["res_id"])

    def send(self, form):
        form._submit()
        self.assertEqual(form.state, "applying")
        run_queued_jobs(self.env, form)
        return form

    def platform_forms(self, blue):
        with sqlite3.connect(self.sandbox.data_dir / "sandbox.sqlite3") as db:
            return db.execute(
                "SELECT count(*) FROM red_forms WHERE blue_number = ?", (blue.number,)
            ).fetchone()[0]

    # ------------------------------------------------------------------- tests
    def test_full_reversal_posts_the_credit_note_once_the_red_fapiao_is_issued(self):
        move, blue = self.issued_invoice()
        credit = self.reverse(move)
        self.assertEqual(credit.state, "draft")
        self.assertTrue(credit.needs_red_letter)
        with self.assertRaisesRegex(UserError, "only be posted once its red-letter fapiao"):
            credit.action_post()
        form = self.request(credit)
        self.assertTrue(form.full_reversal)
        self.assertEqual((form.amount_untaxed, form.amount_tax), (1250.0, 112.5))
        self.assertIsNone(form._platform_form().lines)  # a full reversal is sent without lines
        self.send(form)
        self.assertEqual((form.state, form.bureau_state), ("issued", "01"))
        self.assertEqual(len(form.bill_no), 20)
        red = form.red_fapiao_id
        self.assertEqual((red.direction, red.state, red.origin_fapiao_id), ("red", "issued", blue))
        self.assertEqual(len(red.number), 20)
        self.assertEqual(red.amount_total, -1362.5)
        self.assertEqual(red.move_id, credit)
        self.assertEqual(credit.fapiao, red.number)
        xml = self.env["ir.attachment"].search(
            [("res_model", "=", "tax.fapiao"), ("res_id", "=", red.id), ("name", "=like", "%.xml")]
        )
        self.assertIn(blue.number.encode(), xml.raw)  # RedEInvoice/OriginalInvoiceCode
        self.assertEqual(blue.state, "reversed")
        self.assertEqual(credit.state, "posted")
        self.assertEqual(move.payment_state, "reversed")
        actions = self.env["tax.gateway.audit"].search([("res_id", "=", blue.id)]).mapped("action")
        self.assertIn("red_form_submit", actions)
        with self.assertRaisesRegex(UserError, "already fully reversed"):
            self.reverse(move)

    def test_reverse_and_create_invoice_is_refused(self):
        move, _blue = self.issued_invoice()
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"journal_id": move.journal_id.id})
        )
        with self.assertRaisesRegex(UserError, "Use Reverse"):
            wizard.modify_moves()
        self.assertFalse(move.reversal_move_ids)

    def test_partial_reversals_never_exceed_the_blue_fapiao(self):
        move, blue = self.issued_invoice()
        credit = self.reverse(move)
        line = credit.invoice_line_ids
        credit.write({"invoice_line_ids": [Command.update(line.id, {"quantity": 40})]})
        form = self.request(credit)
        self.assertFalse(form.full_reversal)
        position, line = form._platform_form().lines[0]
        self.assertEqual((position, line.amount, line.quantity), (1, Decimal("-500.00"), -40))
        self.send(form)
        self.assertEqual(form.state, "issued")
        self.assertEqual(blue.state, "partially_reversed")
        self.assertEqual(blue.amount_reversed, 545.0)
        self.assertEqual(credit.state, "posted")
        # a second credit note asking for more than the 60 left is refused and creates nothing
        second = self.reverse(move)
        second.write(
            {"invoice_line_ids": [Command.update(second.invoice_line_ids.id, {"quantity": 70})]}
        )
        with self.assertRaisesRegex(UserError, "more than is left"):
            self.request(second)
        self.assertFalse(second.red_form_ids)
        second.write(
            {"invoice_line_ids": [Command.update(second.invoice_line_ids.id, {"quantity": 60})]}
        )
        rest = self.send(self.request(second))
        self.assertTrue(rest.full_reversal)
        self.assertEqual(blue.state, "reversed")
        self.assertEqual(self.platform_forms(blue), 2)

    def test_a_draft_credit_note_blocks_another_reversal(self):
        move, _blue = self.issued_invoice()
        credit = self.reverse(move)
        with self.assertRaisesRegex(UserError, "already has the draft credit note"):
            self.reverse(move)
        self.assertEqual(move.reversal_move_ids, credit)

    def test_a_second_form_for_the_same_amount_is_refused(self):
        _move, blue = self.issued_invoice()
        lines = [
            Command.create(
                {
                    "blue_line_id": blue.line_ids.id,
                    "quantity": 100,
                    "amount": 1250.0,
                    "tax_amount": 112.5,
                }
            )
        ]
        first = self.env["tax.red.form"].create({"fapiao_id": blue.id, "line_ids": lines})
        second = self.env["tax.red.form"].create({"fapiao_id": blue.id, "line_ids": lines})
        first._submit()
        with self.assertRaisesRegex(UserError, "fully reversed"):
            second._submit()
        self.assertEqual(second.state, "draft")

    def test_form_waiting_for_the_buyer_lapses_after_72_hours(self):
        move, blue = self.issued_invoice()
        self.sandbox.buyer("use_confirm", number=blue.number)
        credit = self.reverse(move)
        form = self.send(self.request(credit))
        self.assertEqual((form.state, form.bureau_state), ("pending", "02"))
        self.assertTrue(form.expires_at)
        self.assertFalse(form.red_fapiao_id)
        with self.assertRaisesRegex(UserError, "only be posted once"):
            credit.action_post()
        self.sandbox.advance_clock(RED_TTL + 1)
        form.action_refresh()
        self.assertEqual((form.state, form.bureau_state), ("cancelled", "07"))
        self.assertEqual(blue.state, "issued")
        # the lapsed form frees the amount: a new one can be sent
        again = self.send(self.request(credit))
        self.assertEqual(again.bureau_state, "02")
        again.action_revoke()
        self.assertEqual(again.bureau_state, "08")

    def test_buyer_confirms_our_form(self):
        move, blue = self.issued_invoice()
        self.sandbox.buyer("use_confirm", number=blue.number)
        credit = self.reverse(move)
        form = self.send(self.request(credit))
        self.sandbox.buyer("confirm", billNo=form.bill_no)
        form.action_refresh()
        self.assertEqual((form.state, form.bureau_state), ("issued", "04"))
        self.assertEqual(credit.state, "posted")

    def test_buyer_raised_form_is_pulled_in_and_confirmed(self):
        move, blue = self.issued_invoice()
        raised = self.sandbox.buyer("raise", number=blue.number, redReason="1")["result"]
        self.env["tax.red.form"]._cron_sync_red_forms()
        form = self.env["tax.red.form"].search([("bill_no", "=", raised["billNo"])])
        self.assertEqual((form.initiator, form.bureau_state, form.reason), ("buyer", "03", "02"))
        self.assertEqual(form.amount_total, 1362.5)
        self.assertTrue(form.activity_ids)
        self.env["tax.red.form"]._cron_sync_red_forms()  # pulled once only
        self.assertEqual(self.env["tax.red.form"].search_count([("fapiao_id", "=", blue.id)]), 1)
        form._answer_buyer(agree=True)
        self.assertEqual((form.state, form.bureau_state), ("issued", "04"))
        self.assertEqual(form.move_id.reversed_entry_id, move)
        self.assertEqual(form.move_id.state, "posted")
        self.assertEqual(blue.state, "reversed")

    def test_buyer_raised_form_denied(self):
        _move, blue = self.issued_invoice()
        self.sandbox.buyer("raise", number=blue.number, redReason="4")
        self.env["tax.red.form"]._cron_sync_red_forms()
        form = self.env["tax.red.form"].search([("fapiao_id", "=", blue.id)])
        form._answer_buyer(agree=False)
        self.assertEqual((form.state, form.bureau_state), ("cancelled", "06"))
        self.assertEqual(blue.state, "issued")
        with self.assertRaisesRegex(UserError, "Only a form the buyer raised"):
            form._answer_buyer(agree=True)

    def test_only_managers_request_red_letters(self):
        move, _blue = self.issued_invoice()
        credit = self.reverse(move)
        form = self.request(credit)
        issuer = self.env["res.users"].create(
            {
                "name": "开票员",
                "login": "issuer_red",
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
                "groups_id": [Command.set(self.env.ref("tax_gateway.group_fapiao_issuer").ids)],
            }
        )
        with self.assertRaisesRegex(UserError, "Only a Fapiao Manager"):
            form.with_user(issuer)._submit()
        self.assertEqual(form.state, "draft")
        with self.assertRaisesRegex(UserError, "only be accessed over HTTP"):
            form.action_submit()  # the button goes through Odoo's identity check
