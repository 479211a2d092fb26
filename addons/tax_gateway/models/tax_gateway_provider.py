import datetime
import functools
import logging

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import config

from ..tg_core.client import Config, NuonuoClient
from ..tg_core.diagnostics import diagnose

_logger = logging.getLogger(__name__)


class TaxGatewayProvider(models.Model):
    """Connection of one company to its tax platform (Nuonuo dialect)."""

    _name = "tax.gateway.provider"
    _description = "Tax Platform Provider"
    _inherit = ["mail.thread"]
    _check_company_auto = True

    name = fields.Char(required=True, default="Nuonuo")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    dialect = fields.Selection([("nuonuo", "Nuonuo")], required=True, default="nuonuo")
    environment = fields.Selection(
        [("sandbox", "Sandbox"), ("production", "Production")],
        required=True,
        default="sandbox",
        tracking=True,
    )
    base_url = fields.Char(
        string="Base URL",
        required=True,
        tracking=True,
        default=lambda self: config.get("fapiao_sandbox_url") or "https://127.0.0.1:8443",
    )
    ca_bundle = fields.Char(
        string="CA Bundle Path",
        default=lambda self: config.get("fapiao_sandbox_ca") or False,
        help="PEM file of the certificate authorities trusted for this platform (TLS ≥ 1.2). "
        "Empty: the system's trusted authorities.",
    )
    client_cert_path = fields.Char(string="Client Certificate Path", groups="base.group_system")
    client_key_path = fields.Char(groups="base.group_system")
    document_cert_path = fields.Char(
        string="Platform Signing Certificate",
        help="PEM certificate that verifies the signatures of issued documents; "
        "empty: the CA bundle.",
    )
    app_key = fields.Char(groups="base.group_system", default="sandbox-app-key")
    app_secret = fields.Char(groups="base.group_system", default="sandbox-app-secret")
    access_token = fields.Char(groups="base.group_system", copy=False)
    token_expires = fields.Datetime(groups="base.group_system", copy=False)
    connect_timeout = fields.Float(default=5.0)
    read_timeout = fields.Float(default=15.0)
    max_attempts = fields.Integer(string="Attempts per Call", default=4)
    poll_interval = fields.Integer(string="Poll Every (s)", default=5)
    heartbeat_interval = fields.Integer(string="Heartbeat (s)", default=60)
    last_check = fields.Datetime(readonly=True)
    last_check_ok = fields.Boolean(readonly=True)
    last_check_report = fields.Text(readonly=True)
    cert_days_left = fields.Integer(string="Certificate Days Left", readonly=True)

    _sql_constraints = [
        (
            "heartbeat_range",
            "CHECK (heartbeat_interval BETWEEN 30 AND 300)",
            "The heartbeat interval is between 30 seconds and 5 minutes.",
        ),
    ]

    @api.model
    def _for_company(self, company):
        provider = self.search([("company_id", "=", company.id)], limit=1)
        if not provider:
            raise UserError(_("No tax platform is configured for company %s.", company.name))
        return provider

    def _client(self):
        """A client for this provider. Secrets are read as superuser: they are restricted to
        system administrators, while issuers must be able to issue."""
        self.ensure_one()
        secret = self.sudo()  # reason: app key/secret and token fields are group_system only
        cert = None
        if secret.client_cert_path and secret.client_key_path:
            cert = (secret.client_cert_path, secret.client_key_path)
        token = secret.access_token
        if secret.token_expires and secret.token_expires < fields.Datetime.now():
            token = None
        return NuonuoClient(
            Config(
                base_url=self.base_url.rstrip("/"),
                app_key=secret.app_key or "",
                app_secret=secret.app_secret or "",
                user_tax=self.company_id.vat or "",
                ca_bundle=self.ca_bundle or True,
                client_cert=cert,
                connect_timeout=self.connect_timeout,
                read_timeout=self.read_timeout,
                max_attempts=max(1, self.max_attempts),
            ),
            token=token,
            on_token=self._store_token,
            on_call=self._log_call,
        )

    def _store_token(self, token, expires_in):
        self.sudo().write(
            {  # reason: token fields are group_system only
                "access_token": token,
                "token_expires": fields.Datetime.now()
                + datetime.timedelta(seconds=expires_in - 60),
            }
        )

    def _log_call(self, method, seconds, http_status, code):
        """Request log. Written in the current transaction; if that transaction is rolled back
        (a failing job), the entry is written again in a transaction of its own, so failed calls
        still count in the error rate."""
        values = {
            "provider_id": self.id,
            "company_id": self.company_id.id,
            "method": method,
            "duration_ms": round(seconds * 1000, 1),
            "http_status": http_status or 0,
            "code": code or "",
        }
        self.env["tax.gateway.request.log"].sudo().create(values)  # reason: technical log
        self.env.cr.postrollback.add(functools.partial(self._log_after_rollback, values))

    def _log_after_rollback(self, values):
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            if not env["tax.gateway.provider"].browse(values["provider_id"]).exists():
                values = dict(values, provider_id=False)
            env["tax.gateway.request.log"].create(values)

    def _document_certificate(self):
        path = self.document_cert_path or self.ca_bundle
        if not path:
            raise UserError(_("Set the platform signing certificate of provider %s.", self.name))
        with open(path, "rb") as handle:
            return handle.read()

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
