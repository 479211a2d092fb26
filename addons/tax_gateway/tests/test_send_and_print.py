"""开具数电票 in one step: Odoo's Send & Print issues the fapiao and the customer's email waits
for it and carries its PDF; the one-click button and the list's batch action."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import FapiaoCommon, new_role_user, run_queued_jobs


@tagged("post_install", "-at_install")
class TestSendAndPrint(FapiaoCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_sandbox()
        cls.buyer.email = "caiwu@shguopin.example.com"
        cls.issuer = new_role_user(
            cls.env,
            "send_issuer",
            cls.company,
            "tax_gateway.group_fapiao_issuer,account.group_account_invoice",
            lang="en_US",
        )
        cls.clerk = new_role_user(
            cls.env, "send_clerk", cls.company, "account.group_account_invoice", lang="en_US"
        )

    def wizard(self, move, user):
        return (
            self.env["account.move.send.wizard"]
            .with_user(user)
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({})
        )

    def sent_mails(self, move):
        return self.env["mail.message"].search(
            [
                ("model", "=", "account.move"),
                ("res_id", "=", move.id),
                ("message_type", "=", "comment"),
                ("attachment_ids", "!=", False),
            ]
        )

    def test_send_and_print_issues_then_emails_with_the_fapiao(self):
        move = self.make_invoice()
        wizard = self.wizard(move, self.issuer)
        self.assertIn("cn_fapiao", wizard.extra_edis)  # on by default for a Chinese customer
        wizard.action_send_and_print()
        fapiao = move.fapiao_ids
        self.assertEqual(fapiao.state, "to_issue")
        self.assertEqual(fapiao.submitted_by_id, self.issuer)
        self.assertEqual(move.fapiao_send_waiting_by, self.issuer)
        self.assertFalse(self.sent_mails(move))  # the email waits for the fapiao
        self.assertFalse(move.is_move_sent)
        run_queued_jobs(self.env, fapiao)
        self.assertEqual(fapiao.state, "issued")
        self.assertFalse(move.fapiao_send_waiting_by)
        self.assertEqual(move.sending_data["author_user_id"], self.issuer.id)
        self.env["account.move"]._cron_account_move_send()
        mail = self.sent_mails(move)
        self.assertEqual(len(mail), 1)
        self.assertIn(f"{fapiao.number}.pdf", mail.attachment_ids.mapped("name"))
        self.assertTrue(move.is_move_sent)
        self.assertFalse(move.sending_data)
        # sent again later: nothing left to issue, the option is not offered
        self.assertNotIn("cn_fapiao", self.wizard(move, self.issuer).extra_edis or [])

    def test_without_the_option_or_the_right_the_invoice_is_only_sent(self):
        move = self.make_invoice()
        wizard = self.wizard(move, self.clerk)
        self.assertNotIn("cn_fapiao", wizard.extra_edis or [])  # a clerk cannot issue
        wizard.action_send_and_print()
        self.assertFalse(move.fapiao_ids)
        self.assertTrue(self.sent_mails(move))
        other = self.make_invoice()
        wizard = self.wizard(other, self.issuer)
        wizard.extra_edis = []  # the issuer unticks it
        wizard.action_send_and_print()
        self.assertFalse(other.fapiao_ids)
        self.assertTrue(self.sent_mails(other))

    def test_a_refusal_stops_the_send_and_changes_nothing(self):
        move = self.make_invoice()
        self.buyer.vat = False  # a 专票 needs the buyer's tax ID: refused before anything is sent
        try:
            wizard = self.wizard(move, self.issuer)
            with self.assertRaisesRegex(UserError, "needs the buyer's tax ID"):
                wizard.action_send_and_print()
        finally:
            self.buyer.vat = self.make_uscc("91310000MA1FL0001")
        self.assertFalse(move.fapiao_send_waiting_by)
        self.assertFalse(self.sent_mails(move))
        self.assertFalse(move.fapiao_ids)  # not even prepared: the refusal changed nothing

    def test_above_the_identity_check_amount_send_and_print_sends_nothing(self):
        self.company.fapiao_identity_check_amount = 100.0
        move = self.make_invoice()
        with self.assertRaisesRegex(UserError, "asks for the password again"):
            self.wizard(move, self.issuer).action_send_and_print()
        self.assertFalse(move.fapiao_ids)
        self.assertFalse(self.sent_mails(move))
        # (the invoice's own button goes through fapiao.action_submit: Odoo's identity check
        # dialog, tested over HTTP in test_identity)

    def test_one_click_and_the_list_s_batch_action(self):
        move = self.make_invoice()
        action = move.with_user(self.issuer).action_issue_fapiao()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(move.fapiao_ids.state, "to_issue")
        moves = self.make_invoice() | self.make_invoice()
        batch = self.env.ref("tax_gateway.action_issue_fapiao_selected")
        batch.with_user(self.issuer).with_context(
            active_model="account.move", active_ids=moves.ids
        ).run()
        self.assertEqual(set(moves.mapped("fapiao_state")), {"to_issue"})
        run_queued_jobs(self.env, moves.fapiao_ids)
        self.assertEqual(set(moves.mapped("fapiao_state")), {"issued"})
