"""The platform's callback is a hint: it schedules a query, it never changes a fapiao itself."""

import json

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import FapiaoCommon, pending_jobs


@tagged("post_install", "-at_install")
class TestPlatformCallback(FapiaoCommon, HttpCase):
    def setUp(self):
        super().setUp()
        self.provider = self.env["tax.gateway.provider"].create(
            {"name": "诺诺", "company_id": self.company.id, "use_callback": True}
        )

    def push(self, provider, payload):
        answer = self.url_open(
            f"/tax_gateway/callback/{provider.id}",
            data=payload if isinstance(payload, bytes) else json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(answer.json(), {"code": "E0000", "describe": ""})

    def test_callback_schedules_a_query_and_trusts_nothing(self):
        move = self.make_invoice()
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        self.assertEqual(
            fapiao._nuonuo_order()["callBackUrl"],
            f"{self.provider.get_base_url()}/tax_gateway/callback/{self.provider.id}",
        )
        fapiao._submit()
        fapiao.state = "issuing"  # submitted; the platform is working on it
        self.env["queue.job"].sudo().search([("model_name", "=", "tax.fapiao")]).unlink()
        self.provider._enqueue_poll()  # the platform's poll, waiting for its interval
        self.push(
            self.provider,
            {"orderNo": fapiao.order_no, "status": "2", "allElectronicInvoiceNumber": "2" * 20},
        )
        fapiao.invalidate_recordset()
        self.assertEqual(fapiao.state, "issuing")
        self.assertFalse(fapiao.number)
        # that poll runs now, once
        poll = pending_jobs(self.env, fapiao)
        self.assertEqual(poll.mapped("method_name"), ["_job_poll_issuing"])
        self.assertLessEqual(poll.eta, fields.Datetime.now())

    def test_unknown_or_garbage_callbacks_answer_the_same_and_do_nothing(self):
        jobs = self.env["queue.job"].sudo().search_count([])
        self.push(self.provider, {"orderNo": "TGUNKNOWN"})
        self.push(self.provider, b"\xff not json")
        self.push(self.provider.browse(999999), {"orderNo": "TGUNKNOWN"})
        self.assertEqual(self.env["queue.job"].sudo().search_count([]), jobs)

    def test_no_callback_url_unless_asked(self):
        self.provider.use_callback = False
        move = self.make_invoice()
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        self.assertNotIn("callBackUrl", fapiao._nuonuo_order())
