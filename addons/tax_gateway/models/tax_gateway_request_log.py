import datetime
import functools

from fapiao_core import errors

from odoo import SUPERUSER_ID, _, api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL

CHINA = datetime.timezone(datetime.timedelta(hours=8))

# key of the rows waiting in a transaction's pre-commit data
PENDING_KEY = "tax_gateway.request_log.pending"
# the columns a row is inserted with (the outcome columns from errors.call_outcome)
ROW_COLUMNS = (
    "provider_id",
    "company_id",
    "dialect",
    "method",
    "duration_ms",
    "http_status",
    "code",
    "success",
    "platform_failure",
)


# How long platform calls are kept (days): 365 by default, as wholesalers' deployment guides
# ask; never below 180.
RETENTION_PARAM = "tax_gateway.request_log_retention_days"
DEFAULT_RETENTION_DAYS = 365
MIN_RETENTION_DAYS = 180
PURGE_BATCH = 10000


class _PendingRows(list):
    """Request-log rows of one transaction; the first ``inserted`` of them are in the
    database."""

    inserted = 0


class TaxGatewayRequestLog(models.Model):
    _name = "tax.gateway.request.log"
    _description = "Tax Platform Request Log"
    _order = "id desc"

    provider_id = fields.Many2one("tax.gateway.provider", ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", index=True)
    method = fields.Char(index=True)
    duration_ms = fields.Float(string="Latency (ms)", aggregator="avg")
    http_status = fields.Integer(string="HTTP Status")
    code = fields.Char(index=True)
    dialect = fields.Char(string="Platform", help="The platform that answered this code.")

    @api.model_create_multi
    def create(self, vals_list):
        """A row's code is read in its platform's dialect: the provider's, when not given."""
        for vals in vals_list:
            if not vals.get("dialect") and vals.get("provider_id"):
                provider = self.env["tax.gateway.provider"].browse(vals["provider_id"])
                vals["dialect"] = provider.sudo().dialect  # reason: the log is the system's own
        return super().create(vals_list)

    def init(self):
        """The dashboard reads the last days' rows by their China day (the statistics view's
        ``day``: UTC+8, no daylight saving, an immutable expression): an index on it keeps that
        read flat however long the log grows."""
        res = super().init()
        self.env.cr.execute("DROP INDEX IF EXISTS tax_gateway_request_log_utc_day_index")
        tools.create_index(
            self.env.cr,
            "tax_gateway_request_log_china_day_index",
            self._table,
            ["((create_date + interval '8 hours')::date)", "provider_id"],
        )
        return res

    # precomputed: known when the row is inserted, no second UPDATE per call
    success = fields.Boolean(compute="_compute_success", store=True, precompute=True)
    platform_failure = fields.Boolean(
        compute="_compute_success",
        store=True,
        precompute=True,
        help="The platform failed (network, TLS, timeout, HTTP 5xx, unreadable answer, busy), "
        "as the circuit breaker counts it; a refused fapiao is not a failure.",
    )

    # ------------------------------------------------------------------ retention
    @api.model
    def _retention_days(self):
        value = self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM)
        try:
            days = int(value) if value else DEFAULT_RETENTION_DAYS
        except ValueError:
            days = DEFAULT_RETENTION_DAYS
        return max(days, MIN_RETENTION_DAYS)

    @api.model
    def _check_retention(self, key, value):
        """Refuse a retention shorter than MIN_RETENTION_DAYS (ir.config_parameter hook)."""
        if key != RETENTION_PARAM or value in (None, False, ""):
            return
        try:
            days = int(value)
        except (TypeError, ValueError):
            days = 0
        if days < MIN_RETENTION_DAYS:
            raise UserError(
                _(
                    "Platform calls are kept for at least %s days: a shorter retention is "
                    "refused.",
                    MIN_RETENTION_DAYS,
                )
            )

    @api.model
    def _cron_purge(self):
        """Drop the calls older than the retention, in batches (the statistics are a view of
        the log: they cover the same days)."""
        limit = fields.Datetime.now() - datetime.timedelta(days=self._retention_days())
        dropped = 0
        while True:
            self.env.cr.execute(
                SQL(
                    "DELETE FROM tax_gateway_request_log WHERE id IN ("
                    " SELECT id FROM tax_gateway_request_log WHERE create_date < %s LIMIT %s)",
                    limit,
                    PURGE_BATCH,
                )
            )
            dropped += self.env.cr.rowcount
            if self.env.cr.rowcount < PURGE_BATCH:
                break
        self.invalidate_model()
        return dropped

    # ------------------------------------------- rows waiting for the transaction's end
    @api.model
    def _log_later(self, vals_list):
        """Keep rows until the transaction commits (or this model is searched): one INSERT per
        job instead of one per platform call. A savepoint rolled back does not take them
        along (a failed result query or download inside the job's savepoint is still
        counted), and if the whole transaction is rolled back (a failing job) they are written
        in a transaction of their own: failed calls always count in the error rate.
        Returns the rows, with their outcome (``success``, ``platform_failure``)."""
        rows = []
        for values in vals_list:
            success, failure = errors.call_outcome(
                values.get("dialect"), values.get("code"), values.get("http_status")
            )
            rows.append(dict(values, success=success, platform_failure=failure))
        cr = self.env.cr
        pending = cr.precommit.data.get(PENDING_KEY)
        if pending is None:
            pending = cr.precommit.data[PENDING_KEY] = _PendingRows()
            cr.precommit.add(functools.partial(self._insert_pending, pending))
            cr.postrollback.add(functools.partial(self._write_after_rollback, pending))
        pending.extend(rows)
        return rows

    @api.model
    def _waiting_rows(self):
        """The rows of this transaction not inserted yet."""
        pending = self.env.cr.precommit.data.get(PENDING_KEY)
        return pending[pending.inserted :] if pending else []

    @api.model
    def _insert_pending(self, pending=None):
        if pending is None:
            pending = self.env.cr.precommit.data.get(PENDING_KEY)
        if pending and pending.inserted < len(pending):
            rows = pending[pending.inserted :]
            pending.inserted = len(pending)
            self._insert_rows(rows)

    @api.model
    def _insert_rows(self, rows):
        """One parameterised INSERT, the way Odoo writes ir.logging: an append-only technical
        log has no default, no computed field (the outcome comes with the row), no tracking
        and nothing cached to keep in step, so the ORM's create would only add its cost to
        every issuing job. Written for whichever user's job called the platform (no access
        check: the log is searched by managers only)."""
        now = SQL("(now() AT TIME ZONE 'UTC')")
        self.env.cr.execute(
            SQL(
                "INSERT INTO tax_gateway_request_log (%s, create_uid, write_uid, create_date,"
                " write_date) VALUES %s",
                SQL(", ").join(SQL.identifier(column) for column in ROW_COLUMNS),
                SQL(", ").join(
                    SQL(
                        "(%s, %s, %s, %s, %s)",
                        SQL(", ").join(
                            row.get(column) or None
                            if column in ("provider_id", "company_id")
                            else row[column]
                            for column in ROW_COLUMNS
                        ),
                        self.env.uid,
                        self.env.uid,
                        now,
                        now,
                    )
                    for row in rows
                ),
            )
        )

    def flush_model(self, fnames=None):
        """A search of the log in the same transaction sees its waiting rows."""
        self._insert_pending()
        return super().flush_model(fnames)

    def _write_after_rollback(self, pending):
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            providers = env["tax.gateway.provider"].browse(
                {values["provider_id"] for values in pending}
            )
            alive = set(providers.exists().ids)
            # the rows as the job's user wrote them (a plain INSERT: no access check)
            env[self._name].with_user(self.env.uid)._insert_rows(
                [
                    dict(
                        values, provider_id=values["provider_id"] in alive and values["provider_id"]
                    )
                    for values in pending
                ],
            )
            for provider in providers.filtered(lambda p: p.id in alive):
                if any(v["platform_failure"] for v in pending if v["provider_id"] == provider.id):
                    provider._breaker_update()

    @api.depends("dialect", "code", "http_status")
    def _compute_success(self):
        for log in self:
            log.success, log.platform_failure = errors.call_outcome(
                log.dialect, log.code, log.http_status
            )


class TaxGatewayRequestStats(models.Model):
    """Platform dashboard: one row per day and provider, from the request log."""

    _name = "tax.gateway.request.stats"
    _description = "Tax Platform Daily Statistics"
    _auto = False
    _order = "day desc, provider_id"

    day = fields.Date(readonly=True)
    provider_id = fields.Many2one("tax.gateway.provider", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    calls = fields.Integer(readonly=True)
    succeeded = fields.Integer(readonly=True)
    refused = fields.Integer(
        readonly=True, help="Answered by the platform with a refusal (bad buyer ID, ...)."
    )
    failed = fields.Integer(readonly=True, help="Platform failures, as the circuit breaker counts.")
    success_rate = fields.Float(string="Success Rate (%)", readonly=True, aggregator=None)
    error_rate = fields.Float(string="Error Rate (%)", readonly=True, aggregator=None)
    p50_ms = fields.Float(string="p50 Latency (ms)", readonly=True, aggregator=None)
    p95_ms = fields.Float(string="p95 Latency (ms)", readonly=True, aggregator=None)
    # the platform's state now, beside its history
    currency_id = fields.Many2one(related="provider_id.currency_id")
    credit_used = fields.Monetary(related="provider_id.credit_used", aggregator=None)
    credit_available = fields.Monetary(related="provider_id.credit_available", aggregator=None)
    session_state = fields.Selection(related="provider_id.session_state")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            """
            CREATE VIEW tax_gateway_request_stats AS
            SELECT min(log.id) AS id,
                   (log.create_date + interval '8 hours')::date AS day,
                   log.provider_id,
                   log.company_id,
                   count(*) AS calls,
                   count(*) FILTER (WHERE log.success) AS succeeded,
                   count(*) FILTER (WHERE NOT log.success AND NOT log.platform_failure) AS refused,
                   count(*) FILTER (WHERE log.platform_failure) AS failed,
                   round(100.0 * count(*) FILTER (WHERE log.success) / count(*), 2)
                       AS success_rate,
                   round(100.0 * count(*) FILTER (WHERE log.platform_failure) / count(*), 2)
                       AS error_rate,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY log.duration_ms) AS p50_ms,
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY log.duration_ms) AS p95_ms
              FROM tax_gateway_request_log log
             GROUP BY 2, log.provider_id, log.company_id
            """
        )

    # ------------------------------------------------------------ the dashboard
    @api.model
    def get_dashboard_data(self, days=30):
        """The platform dashboard's figures over the last ``days`` days, for the companies the
        user works in (the record rules apply): the fapiao issued per day (blue and red) and,
        per platform, the calls' success and error rates, the p95 latency, the credit line of
        the month, its state and what waits for it."""
        self.check_access("read")
        days = max(1, min(int(days), 366))
        # China days, as the bureau and the platform count them (and the statistics view)
        today = datetime.datetime.now(CHINA).date()
        start = today - datetime.timedelta(days=days - 1)
        since = (
            datetime.datetime.combine(start, datetime.time.min, CHINA)
            .astimezone(datetime.timezone.utc)
            .replace(tzinfo=None)
        )
        dates = [start + datetime.timedelta(days=n) for n in range(days)]
        index = {date: n for n, date in enumerate(dates)}
        issued = {"blue": [0] * days, "red": [0] * days}
        for day, direction, count in (
            self.env["tax.fapiao"]
            .with_context(tz="Asia/Shanghai")
            ._read_group(
                [("number", "!=", False), ("issue_date", ">=", since)],
                ["issue_date:day", "direction"],
                ["__count"],
            )
        ):
            day = day.date() if isinstance(day, datetime.datetime) else day
            if day in index:
                issued[direction][index[day]] += count
        providers = self.env["tax.gateway.provider"].search([])
        rows = {}
        # one query, the day's condition inside the view's grouping (a search then a read by
        # id would compute the view over the whole log: ids are aggregates)
        for row in self.search_fetch(
            [("day", ">=", start)],
            ["day", "provider_id", "calls", "success_rate", "error_rate", "p95_ms"],
        ):
            rows[(row.provider_id.id, row.day)] = row
        platforms = []
        for provider in providers:
            series = [rows.get((provider.id, date)) for date in dates]
            platforms.append(
                {
                    "id": provider.id,
                    "name": provider.display_name,
                    "company": provider.company_id.name,
                    "state": provider.state,
                    "state_label": dict(provider._fields["state"]._description_selection(self.env))[
                        provider.state
                    ],
                    "session_state": provider.session_state or False,
                    "pending": provider.pending_count,
                    "currency": provider.currency_id.symbol or "",
                    "credit_total": provider.credit_total,
                    "credit_used": provider.credit_used,
                    "credit_available": provider.credit_available,
                    "credit_checked_at": fields.Datetime.to_string(provider.credit_checked_at)
                    if provider.credit_checked_at
                    else False,
                    "calls": [row.calls if row else 0 for row in series],
                    "success_rate": [row.success_rate if row else None for row in series],
                    "error_rate": [row.error_rate if row else None for row in series],
                    "p95_ms": [round(row.p95_ms, 1) if row else None for row in series],
                }
            )
        return {
            "days": [fields.Date.to_string(date) for date in dates],
            "issued": issued,
            "platforms": platforms,
        }
