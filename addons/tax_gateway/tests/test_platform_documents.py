"""What the platform gives back varies by account and kind: every document is optional and
said plainly when missing (未验签); paper fapiao get their paper code and number."""

import datetime

from fapiao_core import nuonuo

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models.tax_gateway_workflow import in_transition
from .common import FapiaoCommon, run_queued_jobs


class DocumentsCase(FapiaoCommon):
    def issue(self, kind="82"):
        fapiao = self.prepare(kind)
        fapiao._submit()
        run_queued_jobs(self.env, fapiao)
        return fapiao

    def prepare(self, kind):
        move = self.make_invoice()
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        fapiao.kind = kind
        return fapiao

    def documents(self, fapiao):
        return sorted(
            self.env["ir.attachment"]
            .search([("res_model", "=", "tax.fapiao"), ("res_id", "=", fapiao.id)])
            .mapped(lambda a: a.name.rsplit(".", 1)[1])
        )


@tagged("post_install", "-at_install")
class TestAccountWithoutXml(DocumentsCase):
    """An account that gets the PDF only (the XML is an option of the platform's account)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_sandbox(sandbox_args=["--documents", "pdf"])

    def test_issued_on_the_platform_s_answer_and_said_not_verified(self):
        fapiao = self.issue()
        self.assertEqual(fapiao.state, "issued")
        self.assertEqual(len(fapiao.number), 20)
        self.assertEqual(self.documents(fapiao), ["pdf"])
        self.assertEqual(fapiao.signature_state, "unverified")
        self.assertIn("no XML", fapiao.signature_note)
        # issued once, not held: no activity, no poll left
        self.assertFalse(fapiao.activity_ids)
        self.assertFalse(fapiao.error_code)


@tagged("post_install", "-at_install")
class TestXmlWithoutSignature(DocumentsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_sandbox(sandbox_args=["--documents", "xml,pdf"])

    def test_the_xml_is_checked_and_the_missing_signature_said(self):
        fapiao = self.issue()
        self.assertEqual(fapiao.state, "issued")
        self.assertEqual(self.documents(fapiao), ["pdf", "xml"])
        self.assertEqual(fapiao.signature_state, "unverified")
        self.assertIn("no signature", fapiao.signature_note)


@tagged("post_install", "-at_install")
class TestSignedWithoutAKeyToCheck(DocumentsCase):
    """The platform signs (SM2), the provider has no signing key: issued, said unverified."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_sandbox()

    def test_the_missing_key_is_said_and_the_key_then_verifies(self):
        self.provider.document_cert_path = False
        fapiao = self.issue()
        self.assertEqual(fapiao.state, "issued")
        self.assertIn("sig", self.documents(fapiao))
        self.assertEqual(fapiao.signature_state, "unverified")
        self.assertIn("no Platform Signing Key", fapiao.signature_note)
        # with the platform's SM2 key the next one is verified
        self.provider.document_cert_path = self.sandbox.signing_key
        fapiao = self.issue()
        self.assertEqual((fapiao.signature_state, fapiao.signature_note), ("verified", False))


@tagged("post_install", "-at_install")
class TestPaperFapiao(DocumentsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_sandbox()

    def test_a_paper_fapiao_gets_its_code_and_number(self):
        fapiao = self.issue(kind="86")
        self.assertEqual(fapiao.state, "issued")
        self.assertRegex(fapiao.paper_code or "", r"^\d{12}$")
        self.assertRegex(fapiao.paper_number or "", r"^\d{8}$")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("tax_gateway.action_report_fapiao", fapiao.ids)[0]
            .decode()
        )
        self.assertIn(fapiao.paper_code, html)
        self.assertIn("纸质发票号码", html)
        # the QR code's content as the platform gave it, printed as a QR code
        self.assertIn(fapiao.number, fapiao.qr_payload)
        self.assertIn("data:image/png;base64,", html)
        electronic = self.issue(kind="82")
        self.assertFalse(electronic.paper_code or electronic.paper_number)

    def test_a_paper_fapiao_is_voided_by_the_platform_first(self):
        refused, voided = self.issue(kind="86"), self.issue(kind="86")
        # a code and number that are not the platform's (as a copy restored from elsewhere
        # would have): the platform refuses, and Odoo changes nothing
        self.env.cr.execute(
            "UPDATE tax_fapiao SET paper_number = '00000000' WHERE id = %s", [refused.id]
        )
        refused.invalidate_recordset()
        with self.assertRaisesRegex(UserError, "did not void"):
            refused.action_void()
        self.assertEqual(refused.state, "issued")
        voided.action_void()
        self.assertEqual(voided.state, "voided")
        audit = self.env["tax.gateway.audit"].search(
            [("res_model", "=", "tax.fapiao"), ("res_id", "=", voided.id), ("action", "=", "void")]
        )
        self.assertTrue(audit.sent_digest and audit.received_digest)
        # voided once: Odoo refuses a second void before asking the platform
        with self.assertRaises(UserError):
            voided.action_void()

    def test_a_paper_vehicle_fapiao_waits_for_its_unpublished_code(self):
        fapiao = self.prepare("87")
        with self.assertRaisesRegex(UserError, "not confirmed"):
            fapiao._check_platform_request()
        self.provider.paper_vehicle_line = "jz"
        # the setting reaches the dialect, which alone knows the platform's field
        client = self.provider._client()
        self.assertEqual(nuonuo.invoice_line(fapiao.kind, client.config.options), "jz")


@tagged("post_install", "-at_install")
class TestCreditLine(DocumentsCase):
    """The month's 授信额度 is read from the platform within its limits and checked before a
    fapiao is sent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_sandbox(sandbox_args=["--credit-line", "3000.00"])

    def test_a_fapiao_above_what_is_left_is_refused_before_sending(self):
        first = self.issue()  # 1,250.00 before tax
        self.assertEqual(first.state, "issued")
        self.provider.invalidate_recordset()
        self.assertEqual(self.provider.credit_available, 3000.0)  # read before the first
        second = self.prepare("82")
        third = self.prepare("82")  # planned while 1,750 are left
        second._submit()  # 1,250 of the 1,750 left (first is not in the cached figure)
        with self.assertRaisesRegex(UserError, r"1,250\.00 before tax, but only 500\.00 is left"):
            third._submit()
        self.assertEqual(third.state, "draft")
        self.assertFalse(third.submitted_at)
        # an invoice the line cannot carry is not even split into fapiao
        move = self.make_invoice()
        with self.assertRaisesRegex(UserError, r"1,250\.00 before tax, but only 500\.00 is left"):
            move.action_prepare_fapiao()
        self.assertFalse(move.fapiao_ids)
        # read once: cached for credit_max_age (the platform answers 20 times a day)
        self.assertEqual(self.provider.credit_calls.split(":")[1], "1")
        run_queued_jobs(self.env, second)
        self.assertEqual(second.state, "issued")
        # half an hour later the line is read again, and the platform counts both
        earlier = fields.Datetime.now() - datetime.timedelta(minutes=31)
        with in_transition():
            (first | second).submitted_at = earlier
        self.provider.credit_checked_at = earlier
        with self.assertRaisesRegex(UserError, "only 500.00 is left"):
            third._submit()
        self.assertEqual(self.provider.credit_used, 2500.0)
        self.assertEqual(self.provider.credit_calls.split(":")[1], "2")
