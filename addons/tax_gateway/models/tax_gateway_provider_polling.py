"""Polling, the one place it lives: one poll job per platform asks for the results of its
company's fapiao still issuing, as many per query as the platform takes; the fapiao only take
their own result (``tax.fapiao._take_polled``)."""

import logging

from fapiao_core import states
from fapiao_core.client import PlatformError

from odoo import _, fields, models
from odoo.tools import SQL, split_every

_logger = logging.getLogger(__name__)

# fapiao a poll job asks for: one query's worth. With a real platform's latency, some 0.3-0.5 s
# per fapiao issued (its documents downloaded and archived): 15-25 s a job, well within a
# worker's time limit whatever the backlog
POLL_PER_JOB = 50


class TaxGatewayProviderPolling(models.AbstractModel):
    """Polling of the results of the fapiao issuing.

    A concern of ``tax.gateway.provider``, which inherits it."""

    _name = "tax.gateway.provider.polling"
    _description = "Tax Platform Provider: Polling"

    poll_interval = fields.Integer(string="Poll Every (s)", default=5)

    query_on_submit = fields.Boolean(
        string="Ask for the Result at Once",
        default=True,
        help="Right after a fapiao is submitted, the same job asks the platform for its result: "
        "a platform that issues at once is done in one job and one call less later. A fapiao "
        "still issuing is then polled as usual.",
    )

    pending_count = fields.Integer(compute="_compute_pending_count", string="Waiting Fapiao")

    waiting_login_count = fields.Integer(
        compute="_compute_pending_count", string="Fapiao Waiting for the Login"
    )

    def _compute_pending_count(self):
        Fapiao = self.env["tax.fapiao"]
        for provider in self:
            company = ("company_id", "=", provider.company_id.id)
            provider.pending_count = Fapiao.search_count(
                [company, ("state", "in", states.AWAITING_PLATFORM)]
            )
            provider.waiting_login_count = Fapiao.search_count(
                [company, ("state", "=", "waiting_login")]
            )

    def _enqueue_poll(self, delay=None, after_id=0):
        """One poll job per platform: it asks for the results of the company's fapiao still
        issuing, as many per query as the platform takes, rather than one query and one job
        per fapiao. A job takes POLL_PER_JOB of them; the next ones (``after_id``: the last id
        taken) are left to a job queued at once."""
        self.ensure_one()
        key = f"tax_gateway_provider_poll_{self.id}"
        # the job's company is the platform's (woken with the company's jobs when back online)
        job = (
            self.with_company(self.company_id)
            .with_delay(
                channel="root.fapiao",
                eta=delay if delay is not None else self.poll_interval,
                identity_key=f"{key}_after_{after_id}" if after_id else key,
                description=_("Fetch the results of the fapiao waiting for %s", self.name),
            )
            ._job_poll_issuing(after_id=after_id)
        )
        # a poll already waiting is reused (identity key: queue_job then returns its queue.job
        # record, as superuser); asked for now (a callback, the cron), it is brought forward
        now = fields.Datetime.now()
        if delay == 0 and isinstance(job, models.BaseModel) and job.eta and job.eta > now:
            job.eta = now

    def _job_poll_issuing(self, after_id=0):
        """Queue job: the results of the company's fapiao still issuing, POLL_PER_JOB of them
        from ``after_id`` on (a job stays well within a worker's time limit, whatever the
        backlog). It queues the next ones at once, and the first ones again after the poll
        interval while any is left; safe to run twice (each fapiao is taken under a row
        lock)."""
        self.ensure_one()
        self._check_online()
        fapiao = self.env["tax.fapiao"].with_company(self.company_id)
        issuing = [("company_id", "=", self.company_id.id), ("state", "=", "issuing")]
        waiting = fapiao.search(
            issuing + [("id", ">", after_id)], order="id", limit=POLL_PER_JOB + 1
        )
        page = waiting[:POLL_PER_JOB]
        if not page:
            return "no fapiao issuing"
        still = self._poll_results(page, self._client())
        if len(waiting) > POLL_PER_JOB:
            self._enqueue_poll(delay=0, after_id=page[-1].id)
        elif fapiao.search_count(issuing, limit=1):
            self._enqueue_poll()
        return f"{len(page) - len(still)} of {len(page)} fapiao done"

    def _poll_results(self, fapiao, client):
        """Ask the platform for the results of ``fapiao``, as many per call as it takes, and each
        takes its own in a savepoint: one fapiao's refusal or bad document never holds up
        the others. A fapiao another worker holds (its issuing job) is skipped. Returns the
        fapiao still issuing, skipped ones included."""
        cr = self.env.cr
        for ids in split_every(client.query_batch, fapiao.ids):
            cr.execute(
                SQL(
                    "SELECT id FROM tax_fapiao WHERE id = ANY(%s) AND state = 'issuing' "
                    "ORDER BY id FOR UPDATE SKIP LOCKED",
                    list(ids),
                )
            )
            locked = fapiao.browse([row[0] for row in cr.fetchall()])
            if not locked:
                continue
            locked.invalidate_recordset()
            requests = {one.order_no: one._platform_request() for one in locked}
            try:
                outcomes = client.query_many(requests)
            except PlatformError as err:
                if err.transient:  # asked again at the next poll (the request log has it)
                    _logger.info("poll of %s fapiao: %s, asked again later", len(locked), err)
                    break
                outcomes = dict.fromkeys(requests, err)  # as if each had been asked alone
            for one in locked:
                one._take_polled(outcomes[one.order_no], client)
        fapiao.invalidate_recordset(["state"])
        return fapiao.filtered(lambda one: one.state == "issuing")
