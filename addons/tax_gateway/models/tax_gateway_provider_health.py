"""The provider's health: the circuit breaker and offline mode, the heartbeat and its probe,
the platform's clock, certificate expiry and revocation, Test Connection."""

import datetime
import logging

import requests
from fapiao_core import breaker, diagnostics, money, platform, states
from fapiao_core.client import PlatformError
from fapiao_core.diagnostics import MAX_CLOCK_SKEW, diagnose
from fapiao_core.export import pending_xlsx

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.base.models.res_users import check_identity
from odoo.addons.queue_job.exception import RetryableJobError

_logger = logging.getLogger(__name__)

# days before a certificate expires when managers get an activity (once per limit and certificate)
CERT_ALERT_DAYS = (30, 7)
# jobs that talk to the platform: held while it is offline, woken in order when it is back
PLATFORM_JOB_MODELS = ("tax.fapiao", "tax.red.form", "tax.gateway.provider")
# a CRL or an OCSP answer larger than this is not read
MAX_REVOCATION_BYTES = 10 * 1024 * 1024
# the heartbeat reads an online platform's clock this often (seconds)
CLOCK_CHECK_INTERVAL = 3600


class TaxGatewayProviderHealth(models.AbstractModel):
    """The provider's health: breaker, offline mode, heartbeat, clock, certificates.

    A concern of ``tax.gateway.provider``, which inherits it."""

    _name = "tax.gateway.provider.health"
    _description = "Tax Platform Provider: Health"

    heartbeat_interval = fields.Integer(string="Heartbeat (s)", default=60)

    last_check = fields.Datetime(readonly=True)

    last_check_ok = fields.Boolean(readonly=True)

    last_check_report = fields.Text(readonly=True)

    cert_days_left = fields.Integer(string="Certificate Days Left", readonly=True)

    state = fields.Selection(
        [("online", "Online"), ("offline", "Offline")],
        default="online",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        help="Offline: the platform is unreachable or failing; fapiao wait locally and go out "
        "in order once a heartbeat probe succeeds.",
    )

    offline_since = fields.Datetime(readonly=True, copy=False)

    offline_reason = fields.Char(readonly=True, copy=False)

    last_probe = fields.Datetime(readonly=True, copy=False)

    clock_offset = fields.Float(
        string="Clock Offset (s)",
        readonly=True,
        copy=False,
        digits=(16, 1),
        help="Seconds the platform's clock is ahead of this server's (negative: behind), from "
        "its answers, read by Test Connection and hourly by the heartbeat. Beyond 5 minutes the "
        "platform refuses this server's signatures: set the server's time (NTP).",
    )

    clock_checked_at = fields.Datetime(string="Clock Checked On", readonly=True, copy=False)

    breaker_window = fields.Integer(
        string="Failure Window (min)", default=10, help="Sliding window of the failure rate."
    )

    breaker_failure_rate = fields.Float(
        string="Offline Above Failure Rate (%)",
        default=5.0,
        help="More platform failures than this share of the window's calls: offline.",
    )

    breaker_min_calls = fields.Integer(
        string="Minimum Calls in Window",
        default=20,
        help="Fewer calls than this in the window: the rate is not judged (three failures in "
        "a row still mean unreachable).",
    )

    cert_alerts = fields.Char(
        readonly=True,
        copy=False,
        help="Certificate expiry alerts already raised (certificate, limit, expiry date).",
    )

    # ----------------------------------------------------------- circuit breaker
    def _breaker_update(self):
        """Go offline when the platform is unreachable or failing too often
        (fapiao_core.breaker)."""
        self.ensure_one()
        if self.state == "offline":
            return
        since = fields.Datetime.now() - datetime.timedelta(minutes=max(1, self.breaker_window))
        # the rows in the database, read without inserting the transaction's waiting rows
        # (this may run inside a savepoint that is then rolled back), and then those
        self.env.cr.execute(
            SQL(
                "SELECT platform_failure FROM tax_gateway_request_log"
                " WHERE provider_id = %s AND create_date >= %s ORDER BY id DESC LIMIT 500",
                self.id,
                since,
            )
        )
        outcomes = [failure for (failure,) in reversed(self.env.cr.fetchall())]
        outcomes += [
            row["platform_failure"]
            for row in self.env["tax.gateway.request.log"]._waiting_rows()
            if row["provider_id"] == self.id
        ]
        policy = breaker.Policy(
            max_failure_rate=self.breaker_failure_rate / 100,
            min_calls=max(1, self.breaker_min_calls),
        )
        reason = breaker.verdict(outcomes, policy)
        if reason:
            self._go_offline(reason)

    def _go_offline(self, reason):
        kind, value = reason
        if kind == "unreachable":
            text = _("unreachable (%s failed calls in a row)", value)
        else:
            text = _("%s %% of the recent calls failed", value)
        # reason: the breaker acts for whichever user's call tripped it
        self.sudo().write(
            {"state": "offline", "offline_since": fields.Datetime.now(), "offline_reason": text}
        )
        self.sudo().message_post(
            body=_("Platform offline: %s. Fapiao wait here and go out when it answers again.", text)
        )
        _logger.warning("tax platform %s offline: %s", self.name, text)

    def _check_online(self):
        """Called by jobs before any platform call: while offline, they wait (nothing sent,
        nothing lost, no retry used up)."""
        self.ensure_one()
        if self.state == "offline":
            raise RetryableJobError(
                _("Platform %s is offline: waiting for it to answer.", self.name),
                seconds=self.heartbeat_interval,
                ignore_retry=True,
            )

    @api.model
    def _cron_heartbeat(self):
        now = fields.Datetime.now()
        # the clock of every platform online, hourly: a skew stops every signed call
        stale = now - datetime.timedelta(seconds=CLOCK_CHECK_INTERVAL)
        for provider in self.search(
            [
                ("state", "=", "online"),
                "|",
                ("clock_checked_at", "=", False),
                ("clock_checked_at", "<", stale),
            ]
        ):
            provider._probe()
        for provider in self.search([("state", "=", "offline")]):
            due = provider.last_probe and provider.last_probe + datetime.timedelta(
                seconds=provider.heartbeat_interval
            )
            if not due or due <= now:
                provider._probe()
        # a drawer who logged in elsewhere (the platform's own site) is noticed here too: the
        # session is asked every heartbeat interval while fapiao wait for it
        holds = (platform.SESSION_LOGIN, platform.SESSION_VERIFY)
        for provider in self.search([("state", "=", "online"), ("session_state", "in", holds)]):
            due = provider.session_checked_at and provider.session_checked_at + datetime.timedelta(
                seconds=provider.heartbeat_interval
            )
            if due and due > now:
                continue
            try:
                state = provider._probe_session()
            except UserError as err:
                _logger.info("session of %s not known: %s", provider.name, err)
                continue
            if state not in holds:
                provider._release_waiting_login()

    def _probe(self):
        """A real signed call that changes nothing (the platform has no health route):
        host, TLS, token, signature and the service must all answer. Back online on success,
        the backlog woken in order."""
        self.ensure_one()
        self.last_probe = fields.Datetime.now()
        client = self._client()
        client.on_call = None  # probes are not business calls: they do not feed the breaker
        try:
            client.ping()
            healthy = True
        except PlatformError as err:
            _logger.info("probe of %s failed: %s", self.name, err)
            healthy = False
        self._note_clock(client.clock_offset)
        if healthy and self.state == "offline":
            self._go_online()
        return healthy

    def _note_clock(self, offset):
        """Keep the platform's clock offset; beyond MAX_CLOCK_SKEW a Fapiao Manager gets an
        activity (one open at a time)."""
        self.ensure_one()
        if offset is None:
            return
        # reason: the connector's own reading, written for whichever user or cron asked
        self.sudo().write({"clock_offset": offset, "clock_checked_at": fields.Datetime.now()})
        if abs(offset) <= MAX_CLOCK_SKEW:
            return
        summary = _("This server's clock is off the tax platform's")
        if self.activity_ids.filtered(lambda a: a.summary == summary):
            return
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=summary,
            note=_(
                "Tax platform %(provider)s's clock is %(offset)s s ahead of this server's "
                "(negative: behind). Beyond %(limit)s s the platform refuses this server's "
                "signed calls: set the server's time (NTP).",
                provider=self.name,
                offset=round(offset),
                limit=MAX_CLOCK_SKEW,
            ),
            user_id=self.company_id._fapiao_manager_user().id,
            date_deadline=fields.Date.context_today(self),
        )

    def _go_online(self, by_hand=False):
        was = self.offline_since
        self.write({"state": "online", "offline_since": False, "offline_reason": False})
        jobs = (
            self.env["queue.job"]
            .sudo()  # reason: queue.job records are readable by queue managers only
            .search(
                [
                    ("model_name", "in", PLATFORM_JOB_MODELS),
                    ("state", "=", "pending"),
                    ("company_id", "=", self.company_id.id),
                ],
                order="id",
            )
        )
        jobs.write(
            {"eta": False}
        )  # in the order they were queued (the channel sends one at a time)
        body = _(
            "Platform back online (offline since %(since)s); %(count)s waiting job(s) resume.",
            since=was,
            count=len(jobs),
        )
        if by_hand:
            body = _("%(note)s Put back by %(user)s.", note=body, user=self.env.user.name)
        # reason: the connector's own note (posted as OdooBot, like the one that took it
        # offline): a manager putting it back needs no e-mail address; who did is audited
        self.sudo().message_post(body=body)

    def action_back_online(self):
        """A manager puts the platform back online by hand (the platform answers, whatever the
        heartbeat said): the waiting fapiao go out in order; if the platform still fails, the
        breaker opens again on its own. Audited, after the password."""
        self.ensure_one()
        if not self.env.user.has_group("tax_gateway.group_fapiao_manager"):
            raise UserError(_("Only a Fapiao Manager may put the platform back online."))
        if self.state != "offline":
            raise UserError(_("Platform %s is not offline.", self.name))
        return self._back_online_checked()

    @check_identity
    def _back_online_checked(self):
        self.ensure_one()
        if self.state != "offline":  # put back meanwhile, by a probe or another manager
            return True
        self.env["tax.gateway.audit"]._append(
            self, "back_online", detail=(self.offline_reason or "")[:250]
        )
        self._go_online(by_hand=True)
        return True

    def action_probe(self):
        self.ensure_one()
        healthy = self._probe()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Platform answers") if healthy else _("Platform still unreachable"),
                "message": self.offline_reason or _("Online"),
                "type": "success" if healthy else "warning",
            },
        }

    def action_export_pending(self):
        """XLSX of the fapiao not issued yet, for filing by hand while the platform is down."""
        self.ensure_one()
        if not self.env.user.has_group("tax_gateway.group_fapiao_manager"):
            raise UserError(_("Only a Fapiao Manager may export waiting fapiao."))
        waiting = self.env["tax.fapiao"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("state", "in", (*states.IN_FLIGHT, "failed")),
            ],
            order="id",
        )
        kinds = dict(waiting._fields["kind"]._description_selection(self.env))
        state_labels = dict(waiting._fields["state"]._description_selection(self.env))
        rows = [
            {
                "invoice": f.move_id.name,
                "kind": kinds.get(f.kind),
                "buyer_name": f.buyer_name,
                "buyer_tax_id": f.buyer_tax_id,
                "amount": money.D(f.amount_untaxed),
                "tax": money.D(f.amount_tax),
                "total": money.D(f.amount_total),
                "state": state_labels.get(f.state),
                "submitted_at": f.submitted_at,
                "error": f.error_message,
            }
            for f in waiting
        ]
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"pending-fapiao-{fields.Date.context_today(self)}.xlsx",
                "raw": pending_xlsx(rows),
                "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    def _document_key(self):
        """The PEM key (or certificate) documents are verified with; None when none is set."""
        if not self.document_cert_path:
            return None
        with open(self.document_cert_path, "rb") as handle:
            return handle.read()

    @api.model
    def _cron_check_certificates(self):
        for provider in self.search([]):
            provider._check_certificates()

    def _certificates(self):
        """(label, x509 certificate) of what this connection relies on: the platform's server
        certificate (TLS handshake), our client certificate and the platform's signing
        certificate (files). A certificate that cannot be read is skipped and logged."""
        self.ensure_one()
        secret = self.sudo()  # reason: the client certificate path is group_system only
        found = []
        try:
            found.append(
                (
                    _("Platform server (TLS)"),
                    diagnostics.server_certificate(self._client().config)[1],
                )
            )
        except (OSError, ValueError) as err:
            _logger.info("certificate check of %s: no TLS handshake: %s", self.name, err)
        for label, path in (
            (_("Client (mutual TLS)"), secret.client_cert_path),
            (_("Platform signing"), self.document_cert_path),
        ):
            if path:
                try:
                    with open(path, "rb") as handle:
                        if b"BEGIN CERTIFICATE" not in handle.read():
                            continue  # a public key alone: nothing expires
                    found.append((label, diagnostics.pem_certificate(path)))
                except (OSError, ValueError) as err:
                    _logger.warning("certificate %s of %s unreadable: %s", path, self.name, err)
        return found

    def _check_certificates(self, now=None):
        """An activity for a Fapiao Manager when a certificate expires within 30 days, another
        within 7, and one when its CA says it was revoked (OCSP, else the CRL it names); each
        once per certificate (a renewed certificate starts over)."""
        self.ensure_one()
        now = now or datetime.datetime.now(datetime.timezone.utc)
        raised = set(filter(None, (self.cert_alerts or "").split(",")))
        manager = self.company_id._fapiao_manager_user()
        trusted, fetch = self._revocation_means()
        for label, cert in self._certificates():
            alerts = []
            status, how = diagnostics.revocation(cert, trusted, fetch)
            if status == "revoked":
                alerts.append(
                    (
                        f"{cert.serial_number:x}:revoked",
                        _("%(cert)s certificate revoked", cert=label),
                        _(
                            "The certificate authority says the %(cert)s certificate of tax "
                            "platform %(provider)s was revoked (%(how)s). Calls relying on it "
                            "must not be trusted: replace it.",
                            cert=label,
                            provider=self.name,
                            how=how,
                        ),
                    )
                )
            days = diagnostics.days_left(cert, now)
            limits = [limit for limit in CERT_ALERT_DAYS if days <= limit]
            if limits:
                limit = min(limits)
                alerts.append(
                    (
                        f"{cert.serial_number:x}:{limit}",
                        _(
                            "%(cert)s certificate expires within %(limit)s days",
                            cert=label,
                            limit=limit,
                        ),
                        _(
                            "The %(cert)s certificate of tax platform %(provider)s expires on "
                            "%(date)s (%(days)s days). Renew it before then, or fapiao can no "
                            "longer be issued.",
                            cert=label,
                            provider=self.name,
                            date=diagnostics.expiry(cert).date(),
                            days=days,
                        ),
                    )
                )
            for key, summary, note in alerts:
                if key in raised:
                    continue
                raised.add(key)
                self.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=summary,
                    note=note,
                    user_id=manager.id,
                    date_deadline=fields.Date.context_today(self),
                )
        self.cert_alerts = ",".join(sorted(raised)) or False

    def _revocation_means(self):
        """(the CA bundle's certificates, a fetch for OCSP and CRL requests) of this platform."""
        trusted = []
        if self.ca_bundle:
            try:
                with open(self.ca_bundle, "rb") as handle:
                    trusted = diagnostics.pem_certificates(handle.read())
            except (OSError, ValueError) as err:
                _logger.warning("CA bundle %s of %s unreadable: %s", self.ca_bundle, self.name, err)
        verify = self.ca_bundle or True

        def fetch(method, url, body, content_type):
            headers = {"Content-Type": content_type} if content_type else {}
            try:
                answer = requests.request(
                    method,
                    url,
                    data=body,
                    headers=headers,
                    verify=verify,
                    timeout=(self.connect_timeout or 5, self.read_timeout or 10),
                    allow_redirects=False,
                )
            except requests.RequestException as err:
                raise OSError(str(err)) from err
            if answer.status_code != 200 or len(answer.content) > MAX_REVOCATION_BYTES:
                raise OSError(f"{url}: HTTP {answer.status_code}")
            return answer.content

        return trusted, fetch

    def action_test_connection(self):
        self.ensure_one()
        report = diagnose(self._client())
        lines = [
            f"{'✔' if s['ok'] else '✘'} {s['step'].upper()}: {s['detail']} ({s['ms']} ms)"
            for s in report["steps"]
        ]
        self.write(
            {
                "last_check": fields.Datetime.now(),
                "last_check_ok": report["ok"],
                "last_check_report": "\n".join(lines),
                "cert_days_left": report["cert_days"] or 0,
            }
        )
        self._note_clock(report["clock_offset"])
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Connection OK") if report["ok"] else _("Connection failed"),
                "message": "\n".join(lines),
                "sticky": not report["ok"],
                "type": "success" if report["ok"] else "danger",
            },
        }
