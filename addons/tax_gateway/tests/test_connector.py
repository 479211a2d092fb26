"""Issuing through queue_job against the sandbox platform process, over HTTPS."""

import datetime
import sqlite3
import threading
from unittest.mock import patch

from fapiao_core import nuonuo, platform
from fapiao_core.client import Config, PlatformError

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.sql_db import Savepoint
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.exception import RetryableJobError

from ..models import tax_gateway_provider_polling
from ..models.tax_gateway_workflow import in_transition
from ..sandbox.testing import free_port
from .common import (
    FapiaoCommon,
    for_each_dialect,
    only_for,
    pending_jobs,
    queued_methods,
    run_queued_jobs,
)


@for_each_dialect
@tagged("post_install", "-at_install")
class TestConnector(FapiaoCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_sandbox()

    def setUp(self):
        super().setUp()
        self.sandbox.fault("clear")

    def platform_invoices(self, order_no=None):
        with sqlite3.connect(self.sandbox.data_dir / "sandbox.sqlite3") as db:
            if order_no:
                return db.execute(
                    "SELECT count(*) FROM invoices WHERE order_no = ?", (order_no,)
                ).fetchone()[0]
            return db.execute("SELECT count(*) FROM invoices").fetchone()[0]

    def submit(self, move=None):
        move = move or self.make_invoice()
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        fapiao.action_submit()
        self.assertEqual(fapiao.state, "to_issue")
        self.assertEqual(queued_methods(self.env, fapiao), ["_job_issue"])
        return fapiao

    def outside_client(self):
        """A client of the same seller that is not Odoo's (another worker, another system)."""
        provider = self.provider
        return provider._dialect()(
            Config(
                base_url=self.sandbox.url,
                token_url=self.sandbox.token_url if self.dialect == "nuonuo" else "",
                app_key=self.sandbox.APP_KEY,
                app_secret=self.sandbox.APP_SECRET,
                user_tax=self.company.vat,
                ca_bundle=self.sandbox.ca,
                options={**provider._dialect_options(), **provider._credential_options()},
            )
        )

    def run_jobs(self, fapiao):
        """Run the issue job, then the polls it enqueues, as the job runner would."""
        run_queued_jobs(self.env, fapiao)

    def test_issue_over_the_wire(self):
        fapiao = self.submit()
        key = fapiao.order_no
        detail = nuonuo.order_of(fapiao._platform_request())["invoiceDetail"][0]
        self.assertEqual((detail["num"], detail["price"]), ("100", "12.5"))
        self.assertLessEqual(len(key), 20)
        self.run_jobs(fapiao)
        self.assertEqual(fapiao.state, "issued")
        self.assertEqual(len(fapiao.number), 20)
        self.assertEqual(fapiao.move_id.fapiao, fapiao.number)
        self.assertEqual(fapiao.order_no, key)
        attachments = self.env["ir.attachment"].search(
            [("res_model", "=", "tax.fapiao"), ("res_id", "=", fapiao.id)]
        )
        self.assertEqual(
            sorted(a.name.rsplit(".", 1)[1] for a in attachments), ["pdf", "sig", "xml"]
        )
        self.assertEqual((fapiao.signature_state, fapiao.signature_note), ("verified", False))
        self.assertTrue(
            attachments.filtered(lambda a: a.mimetype == "application/pdf").raw.startswith(b"%PDF")
        )
        self.assertEqual(self.platform_invoices(key), 1)
        logs = self.env["tax.gateway.request.log"].search([("provider_id", "=", self.provider.id)])
        self.assertTrue(logs.filtered("success"))
        # the three documents came at once, each in the request log
        downloads = logs.filtered(lambda log: log.method == "download")
        self.assertEqual(len(downloads), 3)
        self.assertTrue(all(downloads.mapped("success")))

    def test_a_company_changes_platform_only_with_nothing_in_flight(self):
        other = next(name for name, _label in platform.dialect_choices() if name != self.dialect)
        provider = self.provider.sudo()  # reason: the platform user is a group_system field
        fapiao = self.submit()
        self.assertEqual(fapiao.dialect, self.dialect)
        with self.assertRaisesRegex(UserError, "cannot change its tax platform"):
            provider.write({"dialect": other})
        self.run_jobs(fapiao)
        self.assertEqual(fapiao.state, "issued")
        # nothing waits any more: the company moves; what it issued stays with its platform
        provider.write({"dialect": other, "token_url": False})
        self.assertEqual(fapiao.dialect, self.dialect)
        moved = self.submit()
        self.run_jobs(moved)
        self.assertEqual((moved.state, moved.dialect), ("issued", other))
        self.assertEqual(self.platform_invoices(moved.order_no), 1)
        with self.assertRaises(UserError):  # written by the state machine only
            fapiao.write({"dialect": other})

    def test_the_provider_of_a_company_follows_its_changes(self):
        # the provider's id is cached per company (three look-ups in every issuing job)
        Provider = self.env["tax.gateway.provider"]
        self.assertEqual(Provider._for_company(self.company), self.provider)
        self.provider.active = False
        with self.assertRaises(UserError):
            Provider._for_company(self.company)
        self.provider.active = True
        self.assertEqual(Provider._for_company(self.company), self.provider)
        other = self.env["res.company"].create({"name": "另一家公司"})
        with self.assertRaises(UserError):
            Provider._for_company(other)
        moved = self.provider.copy({"company_id": other.id})
        self.assertEqual(Provider._for_company(other), moved)
        moved.unlink()
        with self.assertRaises(UserError):
            Provider._for_company(other)
        self.assertEqual(Provider._for_company(self.company), self.provider)

    def test_request_log_rows_survive_a_rolled_back_savepoint(self):
        # a job's calls are logged when its transaction ends; a savepoint rolled back inside
        # the job (the one around the result) does not take them along
        Log = self.env["tax.gateway.request.log"]
        domain = [("provider_id", "=", self.provider.id)]
        before = Log.search_count(domain)
        savepoint = Savepoint(self.env.cr)
        self.provider._log_call([("download", 0.02, 200, ""), ("download", 0.03, 503, "HTTP_503")])
        savepoint.close(rollback=True)
        logs = Log.search(domain, order="id")
        self.assertEqual(len(logs), before + 2)
        self.assertEqual(logs[-2:].mapped("platform_failure"), [False, True])
        # and they are inserted once
        self.env.cr.precommit.run()
        self.assertEqual(Log.search_count(domain), before + 2)

    def test_request_log_rows_of_a_rolled_back_job_are_written(self):
        # a job that fails is rolled back whole; the calls it made still count: their rows are
        # written in a transaction of their own (the error rate, the circuit breaker)
        Log = self.env["tax.gateway.request.log"]
        domain = [("provider_id", "=", self.provider.id)]
        before = Log.search_count(domain)
        query = "nuonuo.OpeMplatform.queryInvoiceResult"
        # cursors of the registry share the test's transaction (as in HttpCase)
        self.registry.enter_test_mode(self.env.cr)
        self.addCleanup(self.registry.leave_test_mode)
        with self.registry.cursor() as cr:  # the job's transaction
            provider = self.provider.with_env(self.env(cr=cr))
            provider._log_call([(query, 0.05, 0, "TIMEOUT"), ("download", 0.01, 200, "")])
            cr.rollback()  # the job failed
        logs = Log.search(domain, order="id")
        self.assertEqual(len(logs), before + 2)
        self.assertEqual(
            [(log.method, log.code, log.success, log.platform_failure) for log in logs[-2:]],
            [(query, "TIMEOUT", False, True), ("download", "", True, False)],
        )
        self.assertEqual(logs[-1].company_id, self.company)
        self.assertEqual(logs[-1].create_uid, self.env.user)

    def test_a_number_typed_on_the_invoice_is_kept(self):
        move = self.make_invoice()
        move.fapiao = "12345678"  # a legacy 税控 number, typed in by the accountant
        fapiao = self.submit(move)
        self.run_jobs(fapiao)
        self.assertEqual(fapiao.state, "issued")
        self.assertEqual(move.fapiao, "12345678")
        # an invoice without one gets the platform's number
        other = self.submit()
        self.run_jobs(other)
        self.assertEqual(other.move_id.fapiao, other.number)

    def test_one_chatter_line_when_issued_at_once(self):
        # the tests' environment has the chatter's tracking off (Odoo's test default)
        self.env = self.env(
            context=dict(self.env.context, tracking_disable=False, mail_notrack=False)
        )
        fapiao = self.submit()
        self.env.cr.precommit.run()  # the click's transaction ends
        run_queued_jobs(self.env, fapiao)
        self.env.cr.precommit.run()  # the job's transaction ends: its chatter lines are posted
        self.assertEqual(fapiao.state, "issued")
        label = dict(fapiao._fields["state"]._description_selection(self.env))
        steps = fapiao.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "state"
        )
        self.assertEqual(
            [(v.old_value_char, v.new_value_char) for v in steps.sorted("id")],
            [(label["to_issue"], label["issued"])],  # not a line for "issuing" in between
        )
        # the invoice shows its fapiao number, set by the platform, not by a user
        number = fapiao.move_id.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "fapiao"
        )
        self.assertEqual(number.new_value_char, fapiao.number)
        self.assertFalse(fapiao.move_id.is_manually_modified)

    @only_for("nuonuo", reason="Baiwang issues synchronously: nothing is left to poll")
    def test_one_job_when_the_platform_issues_at_once(self):
        # the sandbox issues at once: the submitting job takes the result itself
        fapiao = self.submit()
        jobs = run_queued_jobs(self.env, fapiao)
        self.assertEqual([job.method_name for job in jobs], ["_job_issue"])
        self.assertEqual(fapiao.state, "issued")
        # the query fails in the submitting job: the submission stands, the result is polled
        self.sandbox.fault("5xx", count=8, method="nuonuo.OpeMplatform.queryInvoiceResult")
        fapiao = self.submit()
        run_queued_jobs(self.env, fapiao, rounds=1)
        self.assertEqual((fapiao.state, self.platform_invoices(fapiao.order_no)), ("issuing", 1))
        self.assertTrue(fapiao.platform_serial)  # written with the submission, not undone
        # the failed query is in the request log (not undone with the savepoint around the
        # result): it counts in the error rate
        failed = self.env["tax.gateway.request.log"].search(
            [
                ("provider_id", "=", self.provider.id),
                ("method", "=", "nuonuo.OpeMplatform.queryInvoiceResult"),
                ("platform_failure", "=", True),
            ]
        )
        self.assertEqual(len(failed), 1)
        self.assertEqual(queued_methods(self.env, fapiao), ["_job_poll_issuing"])
        self.sandbox.fault("clear")
        run_queued_jobs(self.env, fapiao)
        self.assertEqual(fapiao.state, "issued")
        # without the setting (a platform known to be slow), the result is polled
        self.provider.query_on_submit = False
        fapiao = self.submit()
        jobs = run_queued_jobs(self.env, fapiao)
        self.assertEqual([job.method_name for job in jobs], ["_job_issue", "_job_poll_issuing"])
        self.assertEqual(fapiao.state, "issued")

    def pdfs(self, fapiao):
        return self.env["ir.attachment"].search_count(
            [
                ("res_model", "=", fapiao._name),
                ("res_id", "=", fapiao.id),
                ("mimetype", "=", "application/pdf"),
            ]
        )

    def platform_queries(self):
        return self.env["tax.gateway.request.log"].search_count(
            [
                ("provider_id", "=", self.provider.id),
                ("method", "=", "nuonuo.OpeMplatform.queryInvoiceResult"),
            ]
        )

    @only_for("nuonuo", reason="Baiwang issues synchronously: nothing is left to poll")
    def test_fapiao_waiting_for_the_platform_are_polled_together(self):
        # a platform that does not issue at once: the results come by polling
        self.provider.query_on_submit = False
        self.sandbox.fault("fail_issue", count=1)
        refused, slow, issued = fapiao = self.env["tax.fapiao"].concat(
            *(self.submit() for _i in range(3))
        )
        # the platform's next issues: the first at once, the second stays issuing
        self.sandbox.fault("slow_issue", count=1, seconds=0)
        self.sandbox.fault("slow_issue", count=1, seconds=3600)
        queries = self.platform_queries()
        jobs = run_queued_jobs(self.env, fapiao, rounds=2)
        self.assertEqual(
            [job.method_name for job in jobs],
            ["_job_issue", "_job_issue", "_job_issue", "_job_poll_issuing"],
        )
        self.assertEqual(self.platform_queries() - queries, 1)  # one query for the three
        # each took its own answer: the refusal and the slow one held up nothing
        self.assertEqual(refused.state, "failed")
        self.assertEqual(refused.error_code, "22")
        self.assertEqual(refused.error_policy, "new_key")  # the form says: correct, new key
        self.assertEqual(slow.state, "issuing")
        self.assertEqual(issued.state, "issued")
        self.assertEqual(self.pdfs(issued), 1)
        # the poll job queued itself again for what is left, and only that is asked for
        self.assertEqual(queued_methods(self.env, fapiao), ["_job_poll_issuing"])
        jobs = run_queued_jobs(self.env, fapiao, rounds=1)
        self.assertEqual(self.platform_queries() - queries, 2)
        self.assertEqual((slow.state, issued.state), ("issuing", "issued"))
        self.assertEqual(self.pdfs(issued), 1)
        self.assertEqual(queued_methods(self.env, fapiao), ["_job_poll_issuing"])

    @only_for("nuonuo", reason="Baiwang issues synchronously: nothing is left to poll")
    def test_a_poll_job_takes_one_page_and_queues_the_next(self):
        self.provider.query_on_submit = False
        fapiao = self.env["tax.fapiao"].concat(*(self.submit() for _i in range(3)))
        run_queued_jobs(self.env, fapiao, rounds=1)  # the issuing jobs
        self.assertEqual(set(fapiao.mapped("state")), {"issuing"})
        queries = self.platform_queries()
        with patch.object(tax_gateway_provider_polling, "POLL_PER_JOB", 2):
            first = run_queued_jobs(self.env, fapiao, rounds=1)
            # the first two, then the next page at once
            self.assertEqual(fapiao.mapped("state"), ["issued", "issued", "issuing"])
            queued = pending_jobs(self.env, fapiao)
            self.assertEqual(queued.kwargs, {"after_id": fapiao[1].id})
            self.assertLessEqual(queued.eta or fields.Datetime.now(), fields.Datetime.now())
            run_queued_jobs(self.env, fapiao)
        self.assertEqual(len(first), 1)
        self.assertEqual(set(fapiao.mapped("state")), {"issued"})
        self.assertEqual(self.platform_queries() - queries, 2)
        self.assertFalse(pending_jobs(self.env, fapiao))  # nothing left: no poll queued

    @only_for("nuonuo", reason="Baiwang issues synchronously: nothing is left to poll")
    def test_a_result_odoo_refuses_holds_up_no_other_fapiao(self):
        self.provider.query_on_submit = False
        clash, other = self.env["tax.fapiao"].concat(*(self.submit() for _i in range(2)))
        run_queued_jobs(self.env, clash | other, rounds=1)  # the issuing jobs alone
        # a number the platform did not give (typed in elsewhere): the platform's is refused
        self.env.cr.execute("UPDATE tax_fapiao SET number = %s WHERE id = %s", ["2" * 20, clash.id])
        clash.invalidate_recordset(["number"])
        with self.assertLogs("odoo.addons.tax_gateway.models.tax_fapiao", "WARNING") as logged:
            run_queued_jobs(self.env, clash | other, rounds=1)
        self.assertIn("result refused", logged.output[0])
        self.assertEqual(other.state, "issued")
        self.assertEqual(self.pdfs(other), 1)
        self.assertEqual(clash.state, "issuing")
        self.assertIn("2" * 20, clash.error_message)
        self.assertEqual(clash.activity_ids.summary, "Check the issued document")
        self.assertEqual(self.pdfs(clash), 0)  # its documents rolled back with it
        self.assertEqual(queued_methods(self.env, clash), ["_job_poll_issuing"])

    def test_one_poll_job_per_platform(self):
        self.provider.query_on_submit = False
        fapiao = self.env["tax.fapiao"].concat(*(self.submit() for _i in range(2)))
        for one in fapiao:
            one._enqueue_poll()
        # the cron and a callback ask again: still one job
        self.env["tax.fapiao"]._cron_poll_issuing()
        fapiao[0]._enqueue_poll(delay=0)
        self.assertEqual(
            sorted(queued_methods(self.env, fapiao)),
            ["_job_issue", "_job_issue", "_job_poll_issuing"],
        )
        run_queued_jobs(self.env, fapiao)
        self.assertEqual(set(fapiao.mapped("state")), {"issued"})
        self.assertEqual(queued_methods(self.env, fapiao), [])

    def test_transient_errors_are_retried_once_issued(self):
        # 4 failures in some 20 calls would open the circuit (test_offline): here, only the
        # retries are looked at
        self.provider.breaker_min_calls = 1000
        for fault in ("5xx", "lost_after_commit", "reset", "garbage"):
            self.sandbox.fault(fault, count=1)
            fapiao = self.submit()
            self.run_jobs(fapiao)
            self.assertEqual(fapiao.state, "issued", fault)
            self.assertEqual(self.platform_invoices(fapiao.order_no), 1, fault)

    def test_job_killed_mid_call_then_requeued(self):
        fapiao = self.submit()
        # the worker sent the request and died before committing: Odoo never saw the answer
        client = self.outside_client()
        lost = client.issue(fapiao._platform_request())
        self.run_jobs(fapiao)  # the requeued job
        self.assertEqual(fapiao.state, "issued")
        self.assertEqual(fapiao.platform_serial, lost.serial)
        self.assertEqual(self.platform_invoices(fapiao.order_no), 1)

    def test_a_fapiao_the_platform_may_have_is_asked_for_before_it_goes_back_to_draft(self):
        fapiao = self.submit()
        # the job sent it and its answer was lost: the fapiao is still to issue in Odoo
        self.outside_client().issue(fapiao._platform_request())
        action = fapiao.action_reset_to_draft()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn(fapiao.state, ("issuing", "issued"))
        self.run_jobs(fapiao)
        self.assertEqual(fapiao.state, "issued")
        self.assertEqual(self.platform_invoices(fapiao.order_no), 1)
        # one the platform never got goes back to draft
        other = self.submit()
        self.assertTrue(other.action_reset_to_draft())
        self.assertEqual(other.state, "draft")
        # and a platform that cannot answer keeps it to issue
        self.provider.breaker_min_calls = 1000  # only the refusal is looked at here
        again = self.submit()
        self.sandbox.fault("5xx", count=20)
        with self.assertRaisesRegex(UserError, "cannot say now"):
            again.action_reset_to_draft()
        self.sandbox.fault("clear")
        self.assertEqual(again.state, "to_issue")

    def test_platform_failure_gets_a_new_key_on_retry(self):
        self.sandbox.fault("fail_issue", count=1)
        fapiao = self.submit()
        first_key = fapiao.order_no
        self.run_jobs(fapiao)
        self.assertEqual(fapiao.state, "failed")
        self.assertEqual(fapiao.error_code, self.BUREAU_REFUSAL)
        self.assertTrue(fapiao.platform_serial)  # the platform's serial of the failed attempt
        self.assertIn("The platform failed to issue the fapiao", fapiao.error_message)
        self.assertFalse(fapiao.order_no)
        fapiao.action_submit()
        self.assertNotEqual(fapiao.order_no, first_key)
        self.run_jobs(fapiao)
        self.assertEqual(fapiao.state, "issued")

    @only_for("nuonuo", reason="a seal failure is not a state of Baiwang's synchronous issue")
    def test_a_fapiao_the_platform_keeps_after_a_seal_failure_cannot_be_edited(self):
        """签章失败 (24): the platform holds the fapiao under its business key and retries
        the same content; an edit would make Odoo's record differ from the platform's."""
        self.sandbox.fault("seal_fail", count=1)
        fapiao = self.submit()
        key = fapiao.order_no
        self.run_jobs(fapiao)
        self.assertEqual((fapiao.state, fapiao.error_code), ("failed", "24"))
        self.assertTrue(fapiao.error_retryable)
        # what the form says is what happens: nothing retries it until a user issues it again
        self.assertEqual(fapiao.error_policy, "reissue")
        self.assertEqual(fapiao.order_no, key)
        for values in ({"remark": "改"}, {"buyer_name": "别的公司"}):
            with self.assertRaisesRegex(UserError, "only the same content"):
                fapiao.write(values)
        with self.assertRaisesRegex(UserError, "only the same content"):
            fapiao.line_ids[0].quantity = 1
        fapiao.invalidate_recordset()
        self.assertFalse(fapiao.remark)
        # a refusal that drops the key (22) leaves the fapiao to correct
        with in_transition():
            fapiao._mark_failed("22", "开票失败", new_key=True)
        fapiao.remark = "改"
        self.assertEqual(fapiao.remark, "改")

    @only_for("nuonuo", reason="a seal failure is not a state of Baiwang's synchronous issue")
    def test_a_seal_failure_is_issued_again_by_the_platform_under_its_key(self):
        """Issuing again after 签章失败 asks the platform to retry (reInvoice) the fapiao it
        keeps: same business key, same serial, one invoice on the platform, then issued."""
        self.sandbox.fault("seal_fail", count=1)
        fapiao = self.submit()
        key = fapiao.order_no
        self.run_jobs(fapiao)
        self.assertEqual((fapiao.state, fapiao.error_code), ("failed", "24"))
        serial = fapiao.platform_serial
        fapiao.action_submit()
        self.run_jobs(fapiao)
        self.assertEqual(fapiao.state, "issued")
        self.assertEqual((fapiao.order_no, fapiao.platform_serial), (key, serial))
        self.assertFalse(fapiao.error_code or fapiao.error_retryable)
        self.assertEqual(len(fapiao.number), 20)
        self.assertEqual(self.platform_invoices(key), 1)
        audit = self.env["tax.gateway.audit"].search(
            [("res_model", "=", "tax.fapiao"), ("res_id", "=", fapiao.id)]
        )
        self.assertIn("platform_reissue", audit.mapped("action"))

    def test_bad_document_signature_is_not_archived(self):
        self.sandbox.fault("bad_signature", count=1)
        fapiao = self.submit()
        self.run_jobs(fapiao)
        self.assertEqual(fapiao.state, "issuing")  # the bureau has it: never 'failed'
        self.assertEqual(fapiao.error_code, "SIGNATURE")
        self.assertTrue(fapiao.platform_serial)
        self.assertFalse(fapiao.number)
        self.assertTrue(fapiao.activity_ids)
        self.assertFalse(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", "tax.fapiao"), ("res_id", "=", fapiao.id)]
            )
        )

    def test_document_redirect_is_not_followed_nor_archived(self):
        self.sandbox.fault("document_redirect", count=1)
        fapiao = self.submit()
        self.run_jobs(fapiao)
        self.assertEqual(fapiao.state, "issuing")  # issued at the bureau: held, never failed
        self.assertEqual(fapiao.error_code, "DOCUMENT_REDIRECT")
        self.assertIn("redirects elsewhere", fapiao.error_message)
        self.assertFalse(fapiao.number)
        self.assertFalse(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", "tax.fapiao"), ("res_id", "=", fapiao.id)]
            )
        )

    def test_document_hosts_are_host_names(self):
        self.provider.document_hosts = ".nuonuo.com, inv.jss.com.cn"
        client = self.provider._client()
        self.assertEqual(client.config.document_hosts, (".nuonuo.com", "inv.jss.com.cn"))
        self.assertEqual(client.config.max_document_bytes, 20 * 1024 * 1024)
        for bad in ("https://evil.test", "a b/c", "*.nuonuo.com"):
            with self.assertRaises(ValidationError), self.cr.savepoint():
                self.provider.document_hosts = bad
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.provider.max_document_mb = 0

    def test_platform_down_nothing_lost(self):
        self.provider.base_url = f"https://127.0.0.1:{free_port()}"
        self.provider.max_attempts = 2
        fapiao = self.submit()
        with self.assertRaises(RetryableJobError):
            fapiao._job_issue()
        self.assertEqual(fapiao.state, "to_issue")
        self.assertEqual(queued_methods(self.env, fapiao), ["_job_issue"])
        self.assertTrue(fapiao.order_no)
        self.provider.base_url = self.sandbox.url
        self.run_jobs(fapiao)
        self.assertEqual(fapiao.state, "issued")

    def test_workers_taking_rate_tokens_at_once_never_fail(self):
        # many workers take tokens of the one bucket at the same moment: each waits for the
        # row's lock and goes on; none fails to serialize (which rolled back its job)
        provider = self.provider
        provider.write({"rate_limit": 1000.0, "rate_burst": 1000})
        provider.flush_recordset()
        errors, barrier = [], threading.Barrier(8)

        def worker():
            barrier.wait()
            for _i in range(10):
                try:
                    provider._take_rate_token()
                except Exception as err:  # noqa: BLE001 - every failure is reported below
                    errors.append(repr(err))

        threads = [threading.Thread(target=worker) for _i in range(8)]
        with mute_logger("odoo.sql_db"):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        self.assertEqual(errors, [])

    def test_rate_limit_is_one_bucket_for_every_client(self):
        # the bucket lives outside the test's transaction: it starts full here, whatever the
        # class's other tests took from it
        with self.env.registry.cursor() as cr:
            cr.execute(
                "UPDATE tax_gateway_rate_bucket SET tokens = NULL WHERE provider_id = %s",
                [self.provider.id],
            )
        self.provider.write({"rate_limit": 0.001, "rate_burst": 2, "max_attempts": 1})
        logs = self.env["tax.gateway.request.log"].sudo()
        sent = logs.search_count([("provider_id", "=", self.provider.id)])
        self.provider._client().ping()
        self.provider._client().ping()  # another client (another worker): same bucket
        with self.assertRaises(PlatformError) as refused:
            self.provider._client().ping()
        self.assertEqual(refused.exception.code, "RATE_LIMITED")
        self.assertTrue(refused.exception.transient)
        # an issuing job waits for its turn: retried later, nothing sent, nothing lost
        fapiao = self.submit()
        with self.assertRaises(RetryableJobError):
            fapiao._job_issue()
        self.assertEqual(fapiao.state, "to_issue")
        self.assertEqual(self.platform_invoices(fapiao.order_no), 0)
        self.assertEqual(logs.search_count([("provider_id", "=", self.provider.id)]), sent + 2)
        self.assertEqual(self.provider.state, "online")  # our own limit is not a failure
        self.provider.rate_limit = 0
        self.run_jobs(fapiao)
        self.assertEqual(fapiao.state, "issued")

    def test_reconciliation_with_the_platform_list(self):
        issued = []
        for _i in range(2):
            fapiao = self.submit()
            self.run_jobs(fapiao)
            self.assertEqual(fapiao.state, "issued")
            issued.append(fapiao)
        wizard = self.env["tax.gateway.reconcile"].create({"provider_id": self.provider.id})
        wizard.action_reconcile()
        numbers = set(wizard.line_ids.mapped("number"))
        self.assertFalse(numbers & set(f.number for f in issued), wizard.line_ids.mapped("kind"))
        self.assertGreaterEqual(wizard.platform_count, 2)
        # now make the books and the platform disagree, one way each
        outside = self.make_invoice()  # issued on the platform by another system
        order = self.env["tax.fapiao"].new(self.env["tax.fapiao"]._prepare_from_move(outside))
        order.order_no = "TGOUTSIDE0000000001"
        stray = self.outside_client()
        serial = stray.issue(order._platform_request()).serial
        stray_number = stray.query_serial(serial).number
        self.env.cr.execute(  # the books say 1.00 more than what the bureau issued
            "UPDATE tax_fapiao SET amount_total = amount_total + 1 WHERE id = %s",
            [issued[1].id],
        )
        issued[1].invalidate_recordset()
        ghost = self.env["tax.fapiao"].browse(self.make_invoice().action_prepare_fapiao()["res_id"])
        ghost._submit()
        ghost._mark_issued("26319999999999999999", datetime.datetime.now(), serial="GHOST")
        wizard = self.env["tax.gateway.reconcile"].create({"provider_id": self.provider.id})
        wizard.action_reconcile()
        found = {(line.kind, line.number) for line in wizard.line_ids}
        self.assertIn(("missing_in_odoo", stray_number), found)
        self.assertIn(("amount_mismatch", issued[1].number), found)
        self.assertIn(("missing_on_platform", "26319999999999999999"), found)
        self.assertNotIn(issued[0].number, {number for _kind, number in found})
        mismatch = wizard.line_ids.filtered(lambda line: line.number == issued[1].number)
        self.assertEqual(mismatch.odoo_total - mismatch.platform_total, 1.0)
        self.assertEqual(mismatch.fapiao_id, issued[1])

    def test_check_against_the_platform_after_a_restore(self):
        issued = []
        for _i in range(4):
            fapiao = self.submit()
            self.run_jobs(fapiao)
            self.assertEqual(fapiao.state, "issued")
            issued.append(fapiao)
        Wizard = self.env["tax.gateway.reconcile"]
        wizard = Wizard.create({"provider_id": self.provider.id})
        wizard.action_check_after_restore()
        self.assertEqual(wizard.state, "done")
        # (the class's sandbox also holds what other tests issued: only ours are looked at)
        ours = {f.number for f in issued}
        self.assertFalse(ours & set(wizard.line_ids.mapped("number")))
        self.assertGreaterEqual(wizard.platform_count, 3)
        before = set(wizard.line_ids.mapped("number"))
        # after the backup, the platform issued one more (the restored books lack it), and the
        # books' newest fapiao says 1.00 more than the bureau issued
        outside = self.make_invoice()
        order = self.env["tax.fapiao"].new(self.env["tax.fapiao"]._prepare_from_move(outside))
        order.order_no = "TGAFTERBACKUP000001"
        stray = self.outside_client()
        stray_number = stray.query_serial(stray.issue(order._platform_request()).serial).number
        self.env.cr.execute(
            "UPDATE tax_fapiao SET amount_total = amount_total + 1 WHERE id = %s",
            [issued[-1].id],
        )
        issued[-1].invalidate_recordset()
        wizard = Wizard.create({"provider_id": self.provider.id, "last_count": 2})
        wizard.action_check_after_restore()
        found = sorted((line.kind, line.number) for line in wizard.line_ids)
        self.assertEqual(
            [(kind, number) for kind, number in found if number not in before],
            sorted([("missing_in_odoo", stray_number), ("amount_mismatch", issued[-1].number)]),
        )
        # the period runs from the oldest of the last two, in China's calendar, until today
        china = datetime.timezone(datetime.timedelta(hours=8))
        self.assertEqual(
            wizard.date_from,
            issued[-2].issue_date.replace(tzinfo=datetime.timezone.utc).astimezone(china).date(),
        )
        # make check-platform: every platform of every company, as its Fapiao Manager
        report = {
            provider: sorted((kind, number) for kind, number, _o, _p in lines)
            for _company, provider, lines in Wizard._check_all_after_restore(count=2)
        }
        self.assertEqual(report[self.provider.name], found)

    def test_expiring_certificates_alert_managers_once_per_limit(self):
        from fapiao_core import diagnostics

        self.provider.document_cert_path = self.sandbox.ca
        server = diagnostics.server_certificate(self.provider._client().config)[1]
        ca = diagnostics.pem_certificate(self.sandbox.ca)
        self.assertGreater(diagnostics.expiry(ca), diagnostics.expiry(server))
        expires = diagnostics.expiry(server)

        def summaries():
            return self.provider.activity_ids.mapped("summary")

        self.provider._check_certificates(now=expires - datetime.timedelta(days=45))
        self.assertEqual(summaries(), [])
        self.provider._check_certificates(now=expires - datetime.timedelta(days=20))
        self.assertEqual(summaries(), ["Platform server (TLS) certificate expires within 30 days"])
        self.assertIn(f"{expires:%Y-%m-%d}", self.provider.activity_ids.note)
        self.provider._check_certificates(now=expires - datetime.timedelta(days=19))
        self.assertEqual(len(summaries()), 1)  # the daily cron does not repeat itself
        self.provider._check_certificates(now=expires - datetime.timedelta(days=5))
        self.assertEqual(
            sorted(summaries()),
            [
                "Platform server (TLS) certificate expires within 30 days",
                "Platform server (TLS) certificate expires within 7 days",
            ],
        )
        # the signing certificate (the sandbox CA) lives longer: its turn comes later
        self.provider._check_certificates(now=diagnostics.expiry(ca) - datetime.timedelta(days=3))
        self.assertIn("Platform signing certificate expires within 7 days", summaries())
        self.assertEqual(self.provider.activity_ids.user_id, self.env.user)

    def test_a_revoked_certificate_alerts_managers_once(self):
        def summaries():
            return self.provider.activity_ids.mapped("summary")

        self.provider._check_certificates()
        self.assertNotIn("Platform server (TLS) certificate revoked", summaries())
        self.sandbox.revoke("server")
        try:
            self.provider._check_certificates()
            self.assertIn("Platform server (TLS) certificate revoked", summaries())
            note = self.provider.activity_ids.filtered(lambda a: a.summary.endswith("revoked")).note
            self.assertIn(f"OCSP {self.sandbox.url}/pki/ocsp", str(note))
            self.provider._check_certificates()  # the daily cron does not repeat itself
            self.assertEqual(summaries().count("Platform server (TLS) certificate revoked"), 1)
        finally:
            # the class's sandbox serves that certificate to the other tests: reinstated
            self.sandbox.data_dir.joinpath("revoked.txt").unlink()

    def test_test_connection_reports_each_step(self):
        action = self.provider.action_test_connection()
        self.assertEqual(action["params"]["type"], "success", self.provider.last_check_report)
        self.assertTrue(self.provider.last_check_ok)
        self.assertGreater(self.provider.cert_days_left, 700)
        # the platform has no health route (nor has this sandbox): a signed call proves it
        for step in ("DNS", "TCP", "TLS", "AUTH", "CLOCK", "CALL"):
            self.assertIn(step, self.provider.last_check_report)
        self.assertLessEqual(abs(self.provider.clock_offset), 2)
        self.assertTrue(self.provider.clock_checked_at)

    def test_a_skewed_clock_is_reported_and_alerted(self):
        summary = "This server's clock is off the tax platform's"
        self.sandbox.skew_clock(-420)  # the platform is 7 minutes behind this server
        try:
            action = self.provider.action_test_connection()
            self.assertEqual(action["params"]["type"], "danger")
            self.assertIn("CLOCK", self.provider.last_check_report.splitlines()[-1])
            self.assertIn("NTP", self.provider.last_check_report)
            self.assertAlmostEqual(self.provider.clock_offset, -420, delta=3)
            self.assertEqual(self.provider.activity_ids.mapped("summary"), [summary])
            # the hourly heartbeat reads it again; one activity stays open
            self.provider.clock_checked_at = fields.Datetime.subtract(
                fields.Datetime.now(), hours=2
            )
            self.env["tax.gateway.provider"]._cron_heartbeat()
            self.assertEqual(len(self.provider.activity_ids), 1)
        finally:
            self.sandbox.skew_clock(0)
        self.provider.clock_checked_at = fields.Datetime.subtract(fields.Datetime.now(), hours=2)
        self.env["tax.gateway.provider"]._cron_heartbeat()
        self.assertLessEqual(abs(self.provider.clock_offset), 2)
        self.assertEqual(self.provider.state, "online")

    # each dialect's published addresses: production (services, tokens), the platform's
    # sandbox (services), a host its sandbox's documents come from
    PUBLISHED = {
        "nuonuo": (
            ("https://sdk.nuonuo.com", "https://open.nuonuo.com/accessToken"),
            "https://sandbox.nuonuocs.cn",
            ".nntest.cn",
        ),
        "baiwang": (
            ("https://openapi.baiwang.com", "https://openapi.baiwang.com"),
            "https://sandbox-openapi.baiwang.com",
            ".baiwang.com",
        ),
    }

    def test_each_environment_uses_the_platform_s_published_addresses(self):
        production, sandbox, document_host = self.PUBLISHED[self.dialect]
        provider = self.provider.sudo()  # reason: the secrets are group_system fields
        provider.write({"environment": "production", "base_url": False, "token_url": False})
        config = provider._client().config
        self.assertEqual(
            (config.base_url, config.token_url, config.app_secret),
            (*production, "sandbox-app-secret"),
        )
        provider.write({"environment": "sandbox", "app_secret_enc": False})
        config = provider._client().config
        self.assertEqual(config.base_url, sandbox)
        self.assertEqual(config.app_secret, "", "only the bundled test platform lends a secret")
        self.assertIn(document_host, config.document_hosts)
        with self.assertRaises(ValidationError):
            provider.write({"environment": "test"})  # without its URL
        with self.assertRaises(ValidationError):
            provider.write({"token_url": "http://open.nuonuo.com/accessToken"})

    def test_database_copy_falls_back_to_sandbox(self):
        from odoo.modules.neutralize import neutralize_database

        production = {
            "environment": "production",
            "base_url": "https://sdk.nuonuo.com",
            "app_key": "production-key",
            "app_secret": "production-secret",
            "client_cert_path": "/etc/fapiao/client.pem",
            "client_key_path": "/etc/fapiao/client.key",
            "use_callback": True,
            "api_username": "production-user",
            "api_password": "production-password",
            "api_salt": "production-salt",
        }
        self.provider.sudo().write(production)  # reason: secrets are group_system fields
        self.assertEqual(
            self.provider._credential_options(),
            {
                "username": "production-user",
                "password": "production-password",
                "salt": "production-salt",
            },
        )
        self.assertNotIn("production-password", self.provider.sudo().api_password_enc)
        self.provider._store_token("production-token", 3600)
        self.assertEqual(self.provider._client().config.app_secret, "production-secret")
        # the client key's passphrase: write-only, encrypted, and gone from a copy
        self.provider.sudo().client_key_password = "key passphrase"
        self.provider.invalidate_recordset()
        self.assertFalse(self.provider.sudo().client_key_password)
        self.assertTrue(self.provider.sudo().client_key_password_set)
        self.assertNotIn("key passphrase", self.provider.sudo().client_key_password_enc)
        self.assertEqual(self.provider._decrypt_secret("client_key_password"), "key passphrase")
        self.provider.flush_recordset()
        neutralize_database(self.env.cr)
        self.provider.invalidate_recordset()
        copy = self.provider.sudo()
        self.assertEqual(
            (copy.environment, copy.base_url, copy.token_url, copy.use_callback),
            ("test", "https://127.0.0.1:8443", False, False),
        )
        self.assertEqual(
            (copy.app_key, copy.app_secret_enc, copy.access_token_enc, copy.client_cert_path),
            ("sandbox-app-key", False, False, False),
        )
        self.assertFalse(copy.client_key_password_enc)
        self.assertFalse(copy.api_username or copy.api_password_enc or copy.api_salt)
        client = self.provider._client()
        self.assertEqual((client.config.app_secret, client.token), ("sandbox-app-secret", None))
        # the copy's platform user is the sandbox's
        self.assertEqual(client.config.options["username"], "sandbox-user")

    def test_the_upgrade_encrypts_the_secrets_stored_in_clear(self):
        import importlib.util

        from odoo.modules.module import get_module_path

        path = f"{get_module_path('tax_gateway')}/migrations/18.0.1.1.0/post-migrate.py"
        spec = importlib.util.spec_from_file_location("tax_gateway_post_migrate_1_1", path)
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        cr = self.env.cr
        # the columns of 18.0.1.0.0, with clear values
        cr.execute("ALTER TABLE tax_gateway_provider ADD COLUMN app_secret varchar")
        cr.execute("ALTER TABLE tax_gateway_provider ADD COLUMN access_token varchar")
        cr.execute(
            "UPDATE tax_gateway_provider SET app_secret = 'old-secret', access_token = 'old-token'"
            " WHERE id = %s",
            [self.provider.id],
        )
        script.migrate(cr, "18.0.1.0.0")
        cr.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = "
            "'tax_gateway_provider' AND column_name IN ('app_secret', 'access_token')"
        )
        self.assertEqual(cr.fetchone()[0], 0)
        self.provider.invalidate_recordset()
        client = self.provider._client()
        self.assertEqual((client.config.app_secret, client.token), ("old-secret", "old-token"))

    def test_the_upgrade_drops_the_per_fapiao_poll_jobs_left_waiting(self):
        import importlib.util

        from odoo.modules.module import get_module_path

        path = f"{get_module_path('tax_gateway')}/migrations/18.0.1.3.0/post-migrate.py"
        spec = importlib.util.spec_from_file_location("tax_gateway_post_migrate_1_3", path)
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        fapiao = self.submit()
        Job = self.env["queue.job"].sudo()  # reason: jobs are the runner's records
        Job = Job.with_context(_job_edit_sentinel=Job.EDIT_SENTINEL)
        values = {"model_name": "tax.fapiao", "method_name": "_job_poll", "name": "poll"}
        waiting, done = (
            Job.create(
                {
                    **values,
                    "uuid": str(uuid_),
                    "state": state,
                    "records": fapiao,
                    "args": [],
                    "kwargs": {},
                }
            )
            for uuid_, state in ((1, "pending"), (2, "done"))
        )
        script.migrate(self.env.cr, "18.0.1.2.0")
        self.assertFalse(waiting.exists())  # the cron queues the platform's poll job instead
        self.assertTrue(done.exists())  # the history stays
        self.assertEqual(queued_methods(self.env, fapiao), ["_job_issue"])

    def test_secrets_are_encrypted_and_shown_to_no_one(self):
        self.provider.app_secret = "production-secret"
        self.provider._store_token("production-token", 3600)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT app_secret_enc, access_token_enc FROM tax_gateway_provider WHERE id = %s",
            [self.provider.id],
        )
        stored = self.env.cr.fetchone()
        self.assertTrue(all(value.startswith("enc1:") for value in stored))
        self.assertFalse(any("production" in value for value in stored))
        self.provider.invalidate_recordset()
        self.assertEqual((self.provider.app_secret, self.provider.app_secret_set), (False, True))
        self.assertEqual(self.provider.read(["app_secret"])[0]["app_secret"], False)
        client = self.provider._client()
        self.assertEqual(
            (client.config.app_secret, client.token), ("production-secret", "production-token")
        )

    def test_archived_documents_cannot_be_deleted_or_changed(self):
        fapiao = self.submit()
        self.run_jobs(fapiao)
        attachments = self.env["ir.attachment"].search(
            [("res_model", "=", "tax.fapiao"), ("res_id", "=", fapiao.id)]
        )
        self.assertEqual(len(attachments), 3)
        with self.assertRaises(UserError):
            attachments[0].unlink()
        with self.assertRaises(UserError):
            attachments[0].raw = b"tampered"
        with self.assertRaises(UserError):
            attachments[0].res_id = fapiao.move_id.id
        self.assertEqual(len(attachments.exists()), 3)
