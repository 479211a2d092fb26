"""The connector's metrics (fapiao_core.metrics renders them for Prometheus at
/tax_gateway/metrics) and the alert on a platform answering HTTP 5xx too often."""

import datetime
import logging
import time

from fapiao_core import diagnostics, metrics, states

from odoo import _, api, fields, models
from odoo.tools import SQL

from .tax_gateway_provider_health import PLATFORM_JOB_MODELS

_logger = logging.getLogger(__name__)
# the certificates' days left need a TLS handshake with the platform: read once an hour
CERTIFICATE_CACHE_SECONDS = 3600
_certificate_cache = {}


class TaxGatewayMetrics(models.AbstractModel):
    _name = "tax.gateway.metrics"
    _description = "Fapiao Connector Metrics"

    @api.model
    def _window_start(self):
        return fields.Datetime.now() - datetime.timedelta(seconds=metrics.WINDOW_SECONDS)

    @api.model
    def _call_stats(self, since):
        """{provider id: {"calls", "http_5xx", "latency": {method: histogram}}} of the window's
        calls, counted in the database."""
        buckets = SQL(", ").join(
            SQL("count(*) FILTER (WHERE duration_ms <= %s)", bound * 1000.0)
            for bound in metrics.LATENCY_BUCKETS
        )
        self.env.cr.execute(
            SQL(
                "SELECT provider_id, method, count(*), coalesce(sum(duration_ms), 0),"
                " count(*) FILTER (WHERE http_status >= 500), %s"
                " FROM tax_gateway_request_log WHERE create_date >= %s"
                " GROUP BY provider_id, method",
                buckets,
                since,
            )
        )
        stats = {}
        for provider_id, method, count, total_ms, http_5xx, *cumulative in self.env.cr.fetchall():
            row = stats.setdefault(provider_id, {"calls": 0, "http_5xx": 0, "latency": {}})
            row["calls"] += count
            row["http_5xx"] += http_5xx
            row["latency"][method or "-"] = {
                "buckets": cumulative,
                "count": count,
                "sum": total_ms / 1000.0,
            }
        return stats

    @api.model
    def _certificate_days(self, provider):
        key = (self.env.cr.dbname, provider.id)  # a process may serve several databases
        cached = _certificate_cache.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        now = datetime.datetime.now(datetime.timezone.utc)
        days = {
            str(label): diagnostics.days_left(cert, now) for label, cert in provider._certificates()
        }
        _certificate_cache[key] = (time.monotonic() + CERTIFICATE_CACHE_SECONDS, days)
        return days

    @api.model
    def _snapshot(self):
        """The plain values fapiao_core.metrics renders. Called as superuser by the metrics route
        (authenticated by its token): it reads counts across companies, no record."""
        since = self._window_start()
        calls = self._call_stats(since)
        month_start = fields.Datetime.now().replace(day=1, hour=0, minute=0, second=0)
        providers = []
        for provider in self.env["tax.gateway.provider"].search([]):
            stats = calls.get(provider.id, {"calls": 0, "http_5xx": 0, "latency": {}})
            known = provider.credit_checked_at and provider.credit_checked_at >= month_start
            providers.append(
                {
                    "company": provider.company_id.name,
                    "provider": provider.name,
                    "online": provider.state == "online",
                    "credit_available": provider.credit_available if known else None,
                    "certificates": self._certificate_days(provider),
                    **stats,
                }
            )
        Fapiao = self.env["tax.fapiao"]
        queued = Fapiao._read_group(
            [("state", "in", (*states.IN_FLIGHT, "failed"))], ["company_id", "state"], ["__count"]
        )
        finished = Fapiao._read_group(
            [("submitted_at", ">=", since), ("state", "in", (*states.ISSUED, "failed"))],
            ["company_id", "state"],
            ["__count"],
        )
        oldest = Fapiao._read_group(
            [("state", "in", states.IN_FLIGHT)], ["company_id"], ["submitted_at:min"]
        )
        now = fields.Datetime.now()
        companies = {}
        for company in self.env["res.company"].search([]):
            companies[company] = {
                "company": company.name,
                "issued": 0,
                "failed": 0,
                "queue": dict.fromkeys((*states.IN_FLIGHT, "failed"), 0),
                "oldest_waiting": 0.0,
            }
        for company, state, count in queued:
            companies[company]["queue"][state] = count
        for company, state, count in finished:
            companies[company]["failed" if state == "failed" else "issued"] += count
        for company, first in oldest:
            if first:
                companies[company]["oldest_waiting"] = (now - first).total_seconds()
        jobs = self.env["queue.job"]._read_group(
            [("model_name", "in", PLATFORM_JOB_MODELS)], ["state"], ["__count"]
        )
        return {
            "providers": providers,
            "companies": list(companies.values()),
            "jobs": dict(jobs),
        }

    @api.model
    def _cron_alert_5xx(self):
        """An activity for a Fapiao Manager when a platform answered HTTP 5xx to at least
        0.5 % of the window's calls; one open at a time per platform."""
        since = self._window_start()
        stats = self._call_stats(since)
        summary = _("Tax platform errors (HTTP 5xx) above 0.5 %")
        for provider in self.env["tax.gateway.provider"].search([]):
            row = stats.get(provider.id)
            if not row or not metrics.alert_5xx(row["calls"], row["http_5xx"]):
                continue
            if provider.activity_ids.filtered(lambda a, s=summary: a.summary == s):
                continue
            provider.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                note=_(
                    "Tax platform %(provider)s answered %(errors)s of %(calls)s calls with a "
                    "server error (HTTP 5xx) in the last hour. Fapiao are retried; check the "
                    "platform's status and the request log.",
                    provider=provider.name,
                    errors=row["http_5xx"],
                    calls=row["calls"],
                ),
                user_id=provider.company_id._fapiao_manager_user().id,
                date_deadline=fields.Date.context_today(self),
            )
            _logger.warning(
                "platform %s: %s of %s calls with HTTP 5xx",
                provider.name,
                row["http_5xx"],
                row["calls"],
            )
