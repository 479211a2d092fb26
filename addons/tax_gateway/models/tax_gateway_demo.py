"""A working day for the demo database: what `make demo` plays once against its sandbox.

The demo data (``demo/*.xml``) leave invoices with fapiao ready to issue. Once the sandbox
runs, ``make demo`` plays a day on them through the real connector, as the demo users of each
role: fapiao of each kind issued, a platform outage that took the platform offline and back,
a partial red letter, the credit line read. The trade add-ons add their part of the day.
"""

import datetime
import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)


def pending_jobs(env, records):
    """The pending jobs of ``records`` (of their model's methods when it is empty); for
    fapiao, with the poll jobs of their platforms, which fetch the results of all the fapiao
    of a company."""
    providers = env["tax.gateway.provider"]
    if records._name == "tax.fapiao":
        # reason: the providers of the fapiao's companies, whoever runs the jobs
        providers = providers.sudo().search([("company_id", "in", records.sudo().company_id.ids)])
    return (
        env["queue.job"]
        .sudo()  # reason: queue.job records are readable by queue managers only
        .search(
            [
                ("model_name", "in", (records._name, providers._name)),
                ("state", "in", ("pending", "enqueued")),
            ],
            order="id",
        )
        .filtered(
            # a model's own jobs (on no record) go with an empty ``records``
            lambda rec: (rec.records & records or not (records or rec.records))
            if rec.model_name == records._name
            else rec.records & providers
        )
    )


def run_queued_jobs(env, records, rounds=5):
    """Run the pending queue.job records of ``records`` the way the job runner does (load,
    start, perform, done/postpone, store), ignoring their eta. Returns the performed jobs.

    Used by the demo's working day and by the tests. (queue_job's own trap_jobs helper does not
    import on this Odoo: it needs odoo.tests.common.SETATTR_SOURCES. Running the stored jobs is
    closer to production anyway.)
    """
    from odoo.addons.queue_job.exception import RetryableJobError
    from odoo.addons.queue_job.job import Job

    performed = []
    for _round in range(rounds):
        pending = pending_jobs(env, records)
        if not pending:
            break
        for record in pending:
            job = Job.load(env, record.uuid)
            job.set_started()
            job.store()
            try:
                job.perform()
            except RetryableJobError as err:
                job.postpone(result=str(err), seconds=0)
                job.set_pending(reset_retry=False)
            else:
                job.set_done()
            job.store()
            performed.append(job)
    return performed


class TaxGatewayDemo(models.AbstractModel):
    _name = "tax.gateway.demo"
    _description = "Demo: a Working Day"

    _DONE = "tax_gateway.demo_working_day"

    @api.model
    def _play_working_day(self, platform):
        """Play the demo's working day once per database (``make demo`` calls it at each
        start; later calls change nothing). ``platform`` tells the sandbox what happens at
        the bureau: ``fault(name, **spec)`` and ``buyer(action, **spec)``, as
        ``sandbox.testing.SandboxAdmin``. Returns whether the day was played."""
        params = self.env["ir.config_parameter"].sudo()  # reason: the demo's own marker
        if params.get_param(self._DONE):
            return False
        self._working_day(platform)
        # the month's credit line as the platform tells it once the day's fapiao are out
        # (the cached reading of the morning is forgotten; the demo reads it at once)
        providers = self.env["tax.gateway.provider"].search([])
        providers.write({"credit_checked_at": False})
        for provider in providers:
            provider._credit_line(refresh=True)
        params.set_param(self._DONE, fields.Datetime.now())
        return True

    @api.model
    def _working_day(self, platform):
        """The wholesaler's fapiao of tax_gateway's demo: the 普票 to a natural person goes
        out through an outage, the 专票 to a company is issued, then partly reversed."""
        company = self.env.ref("base.demo_company_cn", raise_if_not_found=False)
        if not company or not self.env["tax.gateway.provider"]._for_company(company):
            return
        issuer = self._demo_env(company, "tax_gateway.demo_user_issuer")
        manager = self._demo_env(company, "tax_gateway.demo_user_manager")
        drafts = issuer["tax.fapiao"].search(
            [("company_id", "=", company.id), ("state", "=", "draft"), ("direction", "=", "blue")]
        )
        person = drafts.filtered(
            lambda f: f.partner_id == self.env.ref("tax_gateway.demo_partner_person")
        )
        buyer = drafts.filtered(
            lambda f: f.partner_id == self.env.ref("tax_gateway.demo_partner_buyer")
            and f.kind == "81"
        )
        if person:
            self._demo_outage(platform, person[:1])
        if buyer:
            blue = self._demo_issue(buyer[:1])
            self._demo_partial_red_letter(manager, blue)

    # ------------------------------------------------------------------ steps
    @api.model
    def _demo_env(self, company, user_xmlid):
        user = self.env.ref(user_xmlid)
        return self.with_user(user).with_context(allowed_company_ids=company.ids).env

    @api.model
    def _demo_issue(self, fapiao):
        """The 开票员's Issue, and the job runner after it."""
        fapiao._submit()
        run_queued_jobs(fapiao.env, fapiao)
        if fapiao.state != "issued":
            _logger.warning(
                "demo: %s is %s (%s)", fapiao.display_name, fapiao.state, fapiao.error_message
            )
        return fapiao

    @api.model
    def _demo_outage(self, platform, fapiao):
        """The platform fails (HTTP 5xx) while a fapiao goes out: the breaker takes it offline
        and the fapiao waits; the platform comes back, the heartbeat's probe puts it online
        and the fapiao is issued, once."""
        provider = fapiao._provider()
        platform.fault("5xx", count=200)
        fapiao._submit()
        for _round in range(10):
            run_queued_jobs(fapiao.env, fapiao, rounds=1)
            provider.invalidate_recordset()
            if provider.state == "offline":
                break
        platform.fault("clear")
        # reason: the heartbeat runs as the cron's user; the probe is due at once
        provider.sudo().last_probe = fields.Datetime.now() - datetime.timedelta(hours=1)
        provider.sudo()._cron_heartbeat()
        run_queued_jobs(fapiao.env, fapiao)
        return fapiao

    @api.model
    def _demo_partial_red_letter(self, manager, blue, quantity=100, reason="销货退回"):
        """The 财务经理 takes back part of the first line of ``blue`` (goods returned): a
        credit note for ``quantity`` of it, its red-letter form, the red fapiao."""
        if blue.state != "issued":
            return None
        invoice = manager["account.move"].browse(blue.move_id.id)
        wizard = (
            manager["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": reason})
        )
        credit = manager["account.move"].browse(wizard.refund_moves()["res_id"])
        first = credit.invoice_line_ids[:1]
        credit.write(
            {
                "invoice_line_ids": [(1, first.id, {"quantity": quantity})]
                + [(2, line.id) for line in credit.invoice_line_ids - first]
            }
        )
        form = manager["tax.red.form"].browse(
            credit.with_context(fapiao_red_reason="02").action_request_red_letter()["res_id"]
        )
        form._submit()
        run_queued_jobs(manager, form)
        return form
