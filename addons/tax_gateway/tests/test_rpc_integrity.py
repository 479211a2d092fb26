"""An adversary over real JSON-RPC, as each role: the state machine's fields are written by its
transitions only, whatever a client sends (write, create, web_save, copy, import, context
defaults), and nothing changes when a call is refused."""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import (
    FapiaoCommon,
    RpcAdversaryMixin,
    new_role_user,
    pending_jobs,
    run_queued_jobs,
)

NUMBER = "26312000000000000555"
FORBIDDEN = "change only through the workflow's buttons"


@tagged("post_install", "-at_install")
class TestRpcFapiaoStateMachine(RpcAdversaryMixin, FapiaoCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_sandbox()

    def setUp(self):
        super().setUp()
        move = self.make_invoice()
        self.draft = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])

    def snapshot(self, fapiao):
        fapiao.invalidate_recordset()
        return fapiao.read(
            ["state", "number", "order_no", "platform_serial", "issue_date", "submitted_by_id"]
        )

    def issued(self):
        move = self.make_invoice([(self.product_apple, 10.0, 12.5)])
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        fapiao._submit()
        fapiao._mark_issued(NUMBER, "2026-11-20 10:00:00", serial="S555")
        return fapiao

    def test_a_fapiao_user_cannot_queue_a_draft_for_issuing_by_writing_its_state(self):
        before = self.snapshot(self.draft)
        for role in ("fapiao_user", "issuer", "manager"):
            self.assertRefused(
                self.rpc(
                    role,
                    "tax.fapiao",
                    "write",
                    self.draft.ids,
                    {"state": "to_issue", "order_no": "ATTACK0001"},
                ),
                FORBIDDEN,
            )
        self.assertEqual(self.snapshot(self.draft), before)
        # and the safety-net cron, run as OdooBot, finds nothing to send
        self.env["tax.fapiao"]._cron_poll_issuing()
        self.assertFalse(pending_jobs(self.env, self.draft))

    def test_a_made_up_number_or_issue_date_is_refused_by_every_entry_point(self):
        before = self.snapshot(self.draft)
        attacks = [
            ("write", [self.draft.ids, {"number": NUMBER}], {}),
            ("write", [self.draft.ids, {"issue_date": "2026-11-20 10:00:00"}], {}),
            ("write", [self.draft.ids, {"platform_serial": "FAKE"}], {}),
            ("web_save", [self.draft.ids, {"number": NUMBER}], {"specification": {}}),
            ("web_save", [self.draft.ids, {"state": "issued"}], {"specification": {}}),
        ]
        for method, args, kwargs in attacks:
            with self.subTest(method=method, values=args[1]):
                self.assertRefused(
                    self.rpc("manager", "tax.fapiao", method, *args, **kwargs), FORBIDDEN
                )
        self.assertEqual(self.snapshot(self.draft), before)

    def test_create_refuses_workflow_values_and_ignores_context_defaults(self):
        count = self.env["tax.fapiao"].search_count([])
        move = self.draft.move_id
        for values in (
            {"state": "issued", "number": NUMBER},
            {"direction": "red", "origin_fapiao_id": self.draft.id},
            {"seller_tax_id": "91110000000000000X"},
            {"order_no": "ATTACK0002"},
        ):
            with self.subTest(values=values):
                self.assertRefused(
                    self.rpc("fapiao_user", "tax.fapiao", "create", {"move_id": move.id, **values}),
                    FORBIDDEN,
                )
        self.assertEqual(self.env["tax.fapiao"].search_count([]), count)
        # a context default is something any client sends: it never sets a workflow field
        new_id, error = self.rpc(
            "fapiao_user",
            "tax.fapiao",
            "create",
            {"move_id": move.id, "kind": "82"},
            context={"default_state": "issued", "default_number": NUMBER},
        )
        self.assertIsNone(error)
        created = self.env["tax.fapiao"].browse(new_id)
        self.assertEqual((created.state, created.number), ("draft", False))
        # the seller is the company's, as on a prepared fapiao
        self.assertEqual(created.seller_tax_id, self.company.vat)

    def test_a_copy_starts_as_a_draft_and_cannot_be_given_a_state(self):
        issued = self.issued()
        self.assertRefused(
            self.rpc(
                "fapiao_user",
                "tax.fapiao",
                "copy",
                issued.ids,
                default={"state": "issued", "number": "26312000000000000556"},
            ),
            FORBIDDEN,
        )
        copy_ids, error = self.rpc("fapiao_user", "tax.fapiao", "copy", issued.ids)
        self.assertIsNone(error)
        copy = self.env["tax.fapiao"].browse(copy_ids)
        self.assertEqual(
            (copy.state, copy.number, copy.order_no, copy.issue_date, copy.submitted_by_id),
            ("draft", False, False, False, self.env["res.users"]),
        )

    def test_an_import_cannot_set_a_state_or_a_number(self):
        count = self.env["tax.fapiao"].search_count([])
        result, error = self.rpc(
            "manager",
            "tax.fapiao",
            "load",
            ["move_id/.id", "kind", "state", "number"],
            [[str(self.draft.move_id.id), "82", "issued", NUMBER]],
        )
        self.assertIsNone(error)
        self.assertFalse(result["ids"])
        self.assertRegex(" ".join(m["message"] for m in result["messages"]), FORBIDDEN)
        self.assertEqual(self.env["tax.fapiao"].search_count([]), count)

    def test_only_an_issuer_issues_and_only_through_the_button(self):
        self.assertRefused(
            self.rpc("fapiao_user", "tax.fapiao", "action_submit", self.draft.ids),
            "Only a Fapiao Issuer",
        )
        self.assertEqual(self.snapshot(self.draft)[0]["state"], "draft")
        _result, error = self.rpc("issuer", "tax.fapiao", "action_submit", self.draft.ids)
        self.assertIsNone(error)
        self.draft.invalidate_recordset()
        self.assertEqual(
            (self.draft.state, self.draft.submitted_by_id),
            ("to_issue", self.role_users["issuer"]),
        )
        # private methods (the transitions the jobs use) are not callable over RPC
        self.assertRefused(
            self.rpc("manager", "tax.fapiao", "_mark_issued", self.draft.ids, NUMBER, False),
            "[Pp]rivate",
        )

    def test_an_issued_fapiao_cannot_be_reset_cancelled_or_edited(self):
        issued = self.issued()
        before = self.snapshot(issued)
        self.assertRefused(
            self.rpc("manager", "tax.fapiao", "write", issued.ids, {"state": "draft"}), FORBIDDEN
        )
        self.assertRefused(
            self.rpc("manager", "tax.fapiao", "write", issued.ids, {"buyer_name": "x"}),
            "Only draft or failed",
        )
        self.assertRefused(
            self.rpc("manager", "tax.fapiao", "action_reset_to_draft", issued.ids),
            "back to draft",
        )
        self.assertRefused(
            self.rpc("manager", "tax.fapiao", "action_cancel", issued.ids), "never issued"
        )
        self.assertRefused(self.rpc("manager", "tax.fapiao", "unlink", issued.ids), "10 years")
        self.assertRefused(
            self.rpc("issuer", "tax.fapiao", "action_void", issued.ids),
            "Only a Fapiao Manager may void",
        )
        self.assertEqual(self.snapshot(issued), before)

    def test_users_without_fapiao_rights_get_access_errors(self):
        before = self.snapshot(self.draft)
        for role in ("salesman", "billing", "portal"):
            with self.subTest(role=role):
                self.assertRefused(
                    self.rpc(role, "tax.fapiao", "write", self.draft.ids, {"remark": "x"}),
                    "AccessError",
                )
                self.assertRefused(
                    self.rpc(role, "tax.fapiao", "search_read", [], ["number"]), "AccessError"
                )
        self.assertRefused(
            self.rpc(None, "tax.fapiao", "search_read", [], ["number"]), "SessionExpired"
        )
        self.assertEqual(self.snapshot(self.draft), before)

    def test_red_forms_are_moved_by_their_buttons_only(self):
        issued = self.issued()
        form = self.env["tax.red.form"].create(
            {
                "fapiao_id": issued.id,
                "line_ids": [
                    Command.create(
                        {
                            "blue_line_id": issued.line_ids.id,
                            "quantity": 10,
                            "amount": 125.0,
                            "tax_amount": 11.25,
                        }
                    )
                ],
            }
        )
        for values in (
            {"state": "confirmed"},
            {"bureau_state": "04"},
            {"bill_uuid": "FAKE"},
            {"initiator": "buyer"},
        ):
            with self.subTest(values=values):
                self.assertRefused(
                    self.rpc("manager", "tax.red.form", "write", form.ids, values), FORBIDDEN
                )
        self.assertRefused(
            self.rpc("issuer", "tax.red.form", "write", form.ids, {"reason": "02"}), "AccessError"
        )
        form.invalidate_recordset()
        self.assertEqual((form.state, form.bureau_state, form.reason), ("draft", False, "01"))


@tagged("post_install", "-at_install")
class TestJobsRunAsTheSubmitter(FapiaoCommon):
    """The issue job runs with the rights of the 开票员 who clicked Issue, and checks again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_sandbox()
        cls.issuer = new_role_user(cls.env, "job_issuer", cls.company)

    def prepare(self, lines=None):
        move = self.make_invoice(lines)
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        return fapiao.with_user(self.issuer)

    def sent(self, fapiao):
        return self.env["tax.gateway.audit"].search_count(
            [("res_model", "=", "tax.fapiao"), ("res_id", "=", fapiao.id)]
            + [("action", "=", "platform_issue")]
        )

    def test_an_issuer_who_lost_the_right_before_the_job_ran_sends_nothing(self):
        fapiao = self.prepare()
        fapiao._submit()
        job = pending_jobs(self.env, fapiao)
        self.assertEqual(job.user_id, self.issuer)
        self.issuer.groups_id -= self.env.ref("tax_gateway.group_fapiao_issuer")
        run_queued_jobs(self.env, fapiao)
        self.assertEqual((fapiao.state, fapiao.error_code), ("failed", "CHECK"))
        self.assertIn("no longer a Fapiao Issuer", fapiao.error_message)
        self.assertEqual(self.sent(fapiao), 0)

    def test_the_cron_requeues_a_lost_job_as_the_submitter(self):
        fapiao = self.prepare()
        fapiao._submit()
        pending_jobs(self.env, fapiao).unlink()  # the worker crashed with it
        self.env["tax.fapiao"]._cron_poll_issuing()  # as OdooBot
        self.assertEqual(pending_jobs(self.env, fapiao).user_id, self.issuer)
        run_queued_jobs(self.env, fapiao)
        self.assertEqual(fapiao.state, "issued")
        self.assertEqual(self.sent(fapiao), 1)

    def test_two_fapiao_of_one_invoice_never_carry_more_than_the_invoice(self):
        fapiao = self.prepare()
        twin = fapiao.copy()  # any second fapiao: a copy, an import, a script
        self.assertEqual(twin.amount_total, fapiao.amount_total)
        fapiao._submit()
        with self.assertRaisesRegex(UserError, "would carry"):
            twin._submit()
        self.assertEqual(twin.state, "draft")
        run_queued_jobs(self.env, fapiao)
        self.assertEqual(fapiao.state, "issued")
        with self.assertRaisesRegex(UserError, "would carry"):
            twin._submit()


@tagged("post_install", "-at_install")
class TestRpcSecrets(RpcAdversaryMixin, FapiaoCommon, HttpCase):
    def test_the_platform_secret_is_read_by_no_one(self):
        provider = self.env["tax.gateway.provider"].create(
            {"name": "诺诺", "company_id": self.company.id, "app_secret": "production-secret"}
        )
        for role in ("fapiao_user", "issuer", "manager"):
            for name in ("app_secret", "app_secret_enc", "access_token_enc"):
                with self.subTest(role=role, field=name):
                    self.assertRefused(
                        self.rpc(role, "tax.gateway.provider", "read", provider.ids, [name]),
                        "AccessError",
                    )
        # a system administrator sees that a secret is set, never the secret
        self.role_users["manager"].groups_id |= self.env.ref("base.group_system")
        values, error = self.rpc(
            "manager",
            "tax.gateway.provider",
            "read",
            provider.ids,
            ["app_secret", "app_secret_set"],
        )
        self.assertIsNone(error)
        self.assertEqual((values[0]["app_secret"], values[0]["app_secret_set"]), (False, True))
