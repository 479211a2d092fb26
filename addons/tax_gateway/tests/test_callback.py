"""The platform's callback is a hint: it schedules a query, it never changes a fapiao itself."""

import json
from urllib.parse import urlencode

from fapiao_core import nuonuo

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, tagged

from ..models.tax_gateway_workflow import in_transition
from .common import FapiaoCommon, new_role_user, pending_jobs

FORM = "application/x-www-form-urlencoded"


@tagged("post_install", "-at_install")
class TestPlatformCallback(FapiaoCommon, HttpCase):
    def setUp(self):
        super().setUp()
        self.provider = self.env["tax.gateway.provider"].create(
            {"name": "诺诺", "company_id": self.company.id, "use_callback": True}
        )

    def push(self, provider, order_no, content=None, raw=None, content_type=FORM):
        """The platform's result push: a form of operater=callback, orderno and content (a
        JSON text), or ``raw`` bytes."""
        if raw is None:
            raw = urlencode(
                {
                    "operater": "callback",
                    "orderno": order_no,
                    "content": json.dumps(content or {"c_status": "1"}, ensure_ascii=False),
                }
            )
        answer = self.url_open(
            f"/tax_gateway/callback/{provider.id}",
            data=raw,
            headers={"Content-Type": content_type},
        )
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(answer.json(), {"code": "E0000", "describe": ""})

    def test_callback_schedules_a_query_and_trusts_nothing(self):
        move = self.make_invoice()
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        self.assertEqual(
            nuonuo.order_of(fapiao._platform_request())["callBackUrl"],
            f"{self.provider.get_base_url()}/tax_gateway/callback/{self.provider.id}",
        )
        fapiao._submit()
        with in_transition():  # submitted; the platform is working on it
            fapiao.state = "issuing"
        self.env["queue.job"].sudo().search([("model_name", "=", "tax.fapiao")]).unlink()
        self.provider._enqueue_poll()  # the platform's poll, waiting for its interval
        self.push(self.provider, fapiao.order_no, {"c_status": "1", "c_fphm": "2" * 20})
        fapiao.invalidate_recordset()
        self.assertEqual(fapiao.state, "issuing")
        self.assertFalse(fapiao.number)
        # that poll runs now, once
        poll = pending_jobs(self.env, fapiao)
        self.assertEqual(poll.mapped("method_name"), ["_job_poll_issuing"])
        self.assertLessEqual(poll.eta, fields.Datetime.now())

    def test_the_callback_runs_as_its_own_user_and_polls_as_the_submitter(self):
        """No superuser: the callback's user reads a platform and finds a fapiao, nothing more;
        the poll it asks for runs as the 开票员 who submitted the fapiao."""
        issuer = new_role_user(self.env, "callback_issuer", self.company)
        move = self.make_invoice()
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        fapiao.with_user(issuer)._submit()
        with in_transition():
            fapiao.state = "issuing"
        self.env["queue.job"].sudo().search(
            [("model_name", "in", ("tax.fapiao", "tax.gateway.provider"))]
        ).unlink()
        self.push(self.provider, fapiao.order_no)
        poll = pending_jobs(self.env, fapiao)
        self.assertEqual(poll.mapped("method_name"), ["_job_poll_issuing"])
        self.assertEqual(poll.user_id, issuer)
        self.assertEqual(poll.company_id, self.company)
        caller = self.env.ref("tax_gateway.user_fapiao_callback")
        self.assertFalse(caller.active)  # nobody logs in as it
        self.assertFalse(caller._is_superuser() or caller._is_admin())
        as_caller = self.env(user=caller, context={"allowed_company_ids": [self.company.id]})
        self.assertEqual(
            as_caller["tax.fapiao"].search([("order_no", "=", fapiao.order_no)]), fapiao
        )
        for model in ("tax.fapiao", "tax.gateway.provider", "queue.job", "account.move"):
            with self.assertRaises(AccessError):
                as_caller[model].check_access("write")
        with self.assertRaises(AccessError):
            as_caller["account.move"].check_access("read")
        # a company made later is one the callback can serve too
        other = self.env["res.company"].create({"name": "回调第二公司"})
        self.assertIn(other, caller.company_ids)

    def test_unknown_or_garbage_callbacks_answer_the_same_and_do_nothing(self):
        jobs = self.env["queue.job"].sudo().search_count([])
        self.push(self.provider, "TGUNKNOWN")
        self.push(self.provider, None, raw=b"\xff not a form")
        self.push(self.provider.browse(999999), "TGUNKNOWN")
        # a body in another shape than the platform's names nothing, even a real key
        fapiao = self.issuing_fapiao()
        jobs = self.env["queue.job"].sudo().search_count([])
        body = json.dumps({"orderNo": fapiao.order_no})
        self.push(self.provider, None, raw=body, content_type="application/json")
        self.push(self.provider, None, raw=urlencode({"operater": "x", "orderno": fapiao.order_no}))
        self.assertEqual(self.env["queue.job"].sudo().search_count([]), jobs)

    def queued_polls(self):
        return (
            self.env["queue.job"].sudo().search_count([("model_name", "=", "tax.gateway.provider")])
        )

    def issuing_fapiao(self):
        move = self.make_invoice()
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        fapiao._submit()
        with in_transition():  # submitted; the platform is working on it
            fapiao.state = "issuing"
        self.env["queue.job"].sudo().search([]).unlink()
        return fapiao

    def test_a_body_above_the_cap_is_refused_unread(self):
        fapiao = self.issuing_fapiao()
        body = urlencode(
            {"operater": "callback", "orderno": fapiao.order_no, "content": "x" * 70_000}
        )
        answer = self.url_open(
            f"/tax_gateway/callback/{self.provider.id}",
            data=body,
            headers={"Content-Type": FORM},
        )
        self.assertEqual(answer.status_code, 413)
        self.assertEqual(self.queued_polls(), 0)

    def test_a_callback_from_outside_the_allow_list_is_ignored(self):
        fapiao = self.issuing_fapiao()
        self.provider.callback_allowed_ips = "203.0.113.0/24"
        self.push(self.provider, fapiao.order_no)  # the test client is 127.0.0.1
        self.assertEqual(self.queued_polls(), 0)
        self.provider.callback_allowed_ips = "203.0.113.0/24, 127.0.0.1"
        self.push(self.provider, fapiao.order_no)
        self.assertEqual(self.queued_polls(), 1)
        with self.assertRaisesRegex(ValidationError, "not an IP address"):
            self.provider.callback_allowed_ips = "platform.example.com"

    def test_platform_urls_are_https_only(self):
        with self.assertRaisesRegex(ValidationError, "https://"):
            self.provider.base_url = "http://sandbox.nuonuocs.cn"

    def test_no_callback_url_unless_asked(self):
        self.provider.use_callback = False
        move = self.make_invoice()
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        self.assertNotIn("callBackUrl", nuonuo.order_of(fapiao._platform_request()))
