import datetime
import logging
import re
import time

import requests
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, config, ormcache

from odoo.addons.base.models.res_users import check_identity
from odoo.addons.queue_job.exception import RetryableJobError

from ..tg_core import breaker, diagnostics, money, platform, ratelimit, validators
from ..tg_core.client import Config, PlatformError, shared_session
from ..tg_core.diagnostics import MAX_CLOCK_SKEW, diagnose
from ..tg_core.export import pending_xlsx
from .tax_gateway_encrypted_mixin import get_keyring
from .tax_red_form import IN_FLIGHT_STATES as RED_FORM_IN_FLIGHT

# days before a certificate expires when managers get an activity (once per limit and certificate)
CERT_ALERT_DAYS = (30, 7)
# getCreditLine: at most once per 30 s and 20 times a day (Odoo's l10n_cn_edi_nuonuo client notes)
QR_RENEW_INTERVAL = 60  # seconds between two new QR codes of the bureau
QR_RENEWALS_PER_DAY = 20
CREDIT_MIN_INTERVAL = 30
CREDIT_CALLS_PER_DAY = 20
# a call waits inline for a rate-limit token at most this long; longer, the job is retried later
RATE_MAX_INLINE_WAIT = 2.0
# fapiao a poll job asks for: one query's worth. With a real platform's latency, some 0.3-0.5 s
# per fapiao issued (its documents downloaded and archived): 15-25 s a job, well within a
# worker's time limit whatever the backlog
# fields typed in once and never shown again (stored as <name>_enc)
WRITE_ONLY_SECRETS = ("app_secret", "client_key_password", "api_password")
POLL_PER_JOB = 50  # fapiao a poll job takes (one query of Nuonuo's; more queries elsewhere)
# jobs that talk to the platform: held while it is offline, woken in order when it is back
PLATFORM_JOB_MODELS = ("tax.fapiao", "tax.red.form", "tax.gateway.provider")
# a CRL or an OCSP answer larger than this is not read
MAX_REVOCATION_BYTES = 10 * 1024 * 1024
# the heartbeat reads an online platform's clock this often (seconds)
CLOCK_CHECK_INTERVAL = 3600

_logger = logging.getLogger(__name__)


# a host name of the document allow-list: "example.com", ".example.com" for its subdomains
HOST_RE = re.compile(
    r"\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*",
    re.I | re.A,
)
# the sandbox preset's secret (sandbox/server.py): a sandbox provider without a secret of its own
SANDBOX_APP_SECRET = "sandbox-app-secret"
# the platform user of the bundled test platform's Baiwang router (sandbox/server.py)
SANDBOX_API_USER = ("sandbox-user", "sandbox-password", "sandbox-salt")


class TaxGatewayProvider(models.Model):
    """Connection of one company to its tax platform, in the platform's dialect."""

    _name = "tax.gateway.provider"
    _description = "Tax Platform Provider"
    _inherit = ["mail.thread", "mail.activity.mixin", "tax.gateway.guarded.mixin"]
    _check_company_auto = True
    # changed from the web client only after the identity check (tokens, check results and the
    # breaker's state are written by the connector itself)
    _guarded_fields = (
        "name",
        "active",
        "company_id",
        "dialect",
        "environment",
        "base_url",
        "token_url",
        "ca_bundle",
        "client_cert_path",
        "client_key_path",
        "client_key_password",
        "document_cert_path",
        "document_hosts",
        "max_document_mb",
        "app_key",
        "app_secret",
        "connect_timeout",
        "read_timeout",
        "max_attempts",
        "poll_interval",
        "query_on_submit",
        "heartbeat_interval",
        "breaker_window",
        "breaker_failure_rate",
        "breaker_min_calls",
        "rate_limit",
        "rate_burst",
        "use_callback",
        "callback_allowed_ips",
        "paper_vehicle_line",
        "vehicle_type_code",
        "api_username",
        "api_password",
        "api_salt",
        "max_lines",
        "ele_account",
        "extension_number",
        "credit_max_age",
    )

    name = fields.Char(required=True, default="Nuonuo")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    dialect = fields.Selection(
        selection=lambda self: platform.dialect_choices(),
        string="Platform",
        required=True,
        default=platform.DEFAULT_DIALECT,
        help="The tax platform this company issues through: each speaks its own protocol.",
    )
    environment = fields.Selection(
        [
            ("production", "Production"),
            ("sandbox", "Platform Sandbox"),
            ("test", "Test Platform (bundled)"),
        ],
        required=True,
        default="test",
        tracking=True,
        help="Production and Platform Sandbox: the platform's published addresses (tokens and "
        "services are on different hosts). Test Platform: the sandbox platform shipped with "
        "this product, at the URL below; nothing issued there has legal value.",
    )
    base_url = fields.Char(
        string="Platform URL",
        tracking=True,
        default=lambda self: config.get("fapiao_sandbox_url") or "https://127.0.0.1:8443",
        help="Scheme, host and port of the platform's services, e.g. a proxy. Empty: the "
        "environment's published address. Required for the Test Platform.",
    )
    token_url = fields.Char(
        string="Token URL",
        tracking=True,
        help="Full address of the token service. Empty: the environment's published one "
        "(the Test Platform: its own /accessToken).",
    )
    endpoint_summary = fields.Char(compute="_compute_endpoint_summary", string="Addresses in Use")
    ca_bundle = fields.Char(
        string="CA Bundle Path",
        default=lambda self: config.get("fapiao_sandbox_ca") or False,
        help="PEM file of the certificate authorities trusted for this platform (TLS ≥ 1.2). "
        "Empty: the system's trusted authorities.",
    )
    client_cert_path = fields.Char(string="Client Certificate Path", groups="base.group_system")
    client_key_path = fields.Char(groups="base.group_system")
    client_key_password = fields.Char(
        string="Client Key Passphrase",
        compute="_compute_write_only_secrets",
        inverse="_inverse_write_only_secrets",
        groups="base.group_system",
        help="Write-only: the passphrase of the client key file, when it has one. Stored "
        "encrypted with the personal-data key (outside the database), never shown again.",
    )
    client_key_password_set = fields.Boolean(
        string="Passphrase Set", compute="_compute_write_only_secrets", groups="base.group_system"
    )
    client_key_password_enc = fields.Char(groups="base.group_system", copy=False)
    document_cert_path = fields.Char(
        string="Platform Signing Key",
        default=lambda self: config.get("fapiao_sandbox_signing_key") or False,
        help="PEM public key or certificate of the key the platform signs issued documents with "
        "(SM2 for the tax bureau). Empty: signatures are not checked and each fapiao says so.",
    )
    document_hosts = fields.Char(
        help="Hosts the issued documents (XML, signature, PDF, OFD) may be downloaded from, "
        "comma separated, besides the platform's own host; '.example.com' allows its "
        "subdomains. A document anywhere else, over http or behind a redirect is refused.",
    )
    max_document_mb = fields.Integer(
        string="Largest Document (MB)", default=20, help="A larger document is not downloaded."
    )
    app_key = fields.Char(groups="base.group_system", default="sandbox-app-key")
    app_secret = fields.Char(
        compute="_compute_write_only_secrets",
        inverse="_inverse_write_only_secrets",
        groups="base.group_system",
        help="Write-only: type the secret to change it; it is stored encrypted with the "
        "personal-data key (outside the database) and never shown again. Empty on a sandbox "
        "platform: the sandbox's own secret.",
    )
    app_secret_set = fields.Boolean(
        compute="_compute_write_only_secrets", groups="base.group_system"
    )
    # ciphertexts (tax.gateway.encrypted.mixin's keyring): the secret, the platform's token
    app_secret_enc = fields.Char(groups="base.group_system", copy=False)
    access_token_enc = fields.Char(groups="base.group_system", copy=False)
    token_expires = fields.Datetime(groups="base.group_system", copy=False)
    connect_timeout = fields.Float(default=5.0)
    read_timeout = fields.Float(default=15.0)
    max_attempts = fields.Integer(string="Attempts per Call", default=4)
    poll_interval = fields.Integer(string="Poll Every (s)", default=5)
    query_on_submit = fields.Boolean(
        string="Ask for the Result at Once",
        default=True,
        help="Right after a fapiao is submitted, the same job asks the platform for its result: "
        "a platform that issues at once is done in one job and one call less later. A fapiao "
        "still issuing is then polled as usual.",
    )
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
    pending_count = fields.Integer(compute="_compute_pending_count", string="Waiting Fapiao")
    # the drawer's session at the tax bureau, as the platform last said (tg_core.platform)
    session_state = fields.Selection(
        [
            (platform.SESSION_OK, "Logged In"),
            (platform.SESSION_LOGIN, "Login Needed"),
            (platform.SESSION_VERIFY, "Identity Check Needed"),
            (platform.SESSION_UNKNOWN, "Unknown"),
        ],
        string="Drawer's Session",
        default=platform.SESSION_OK,
        readonly=True,
        copy=False,
        help="Whether the drawer (开票员) is logged in to the tax bureau, as the platform last "
        "said. While a login or an identity check is needed, fapiao wait instead of being sent.",
    )
    session_checked_at = fields.Datetime(string="Session Checked On", readonly=True, copy=False)
    # the bureau hands out a new QR code at most once a minute and 20 times a day
    session_qr_renewals = fields.Char(readonly=True, copy=False, help="day:count:last (epoch)")
    waiting_login_count = fields.Integer(
        compute="_compute_pending_count", string="Fapiao Waiting for the Login"
    )
    ele_account = fields.Char(
        string="Tax Bureau Account",
        help="The drawer's account at the electronic tax bureau (电子税务局: a mobile number or "
        "an ID number), named in the platform's login calls.",
    )
    extension_number = fields.Char(
        help="分机号 of the company's account at the platform, when it has several.",
    )
    cert_alerts = fields.Char(
        readonly=True,
        copy=False,
        help="Certificate expiry alerts already raised (certificate, limit, expiry date).",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    # the month's 发票总额度 (tax excluded), as the platform last said (getCreditLine answers
    # at most once per 30 s and 20 times a day)
    credit_total = fields.Monetary(string="Credit Line", readonly=True, copy=False)
    credit_used = fields.Monetary(string="Used This Month", readonly=True, copy=False)
    credit_available = fields.Monetary(string="Left This Month", readonly=True, copy=False)
    credit_checked_at = fields.Datetime(string="Credit Line Read On", readonly=True, copy=False)
    credit_calls = fields.Char(
        readonly=True, copy=False, help="Calls of the day: 'YYYY-MM-DD:count'."
    )
    credit_max_age = fields.Integer(
        string="Credit Line Kept (min)",
        default=30,
        help="The credit line read from the platform is used this long before it is read "
        "again (the platform answers at most 20 times a day).",
    )
    paper_vehicle_line = fields.Char(
        string="Paper Vehicle Code",
        help="The platform's invoiceLine code of a paper motor-vehicle fapiao (87). It is not "
        "published: ask the platform. While it is empty, no paper motor-vehicle fapiao is "
        "sent. (The bundled test platform answers to 'jz'.)",
    )
    vehicle_type_code = fields.Char(
        string="Vehicle Fapiao Code",
        help="Baiwang: the platform's invoiceTypeCode of a 数电 motor-vehicle fapiao (83). It is "
        "not published: ask the platform. While it is empty, no motor-vehicle fapiao is sent "
        "through Baiwang. (The bundled test platform answers to '83'.)",
    )
    # Baiwang asks its token for a platform user of the application (password grant)
    api_username = fields.Char(
        string="Platform User",
        groups="base.group_system",
        help="Baiwang: the platform user the application's token is asked for.",
    )
    api_password = fields.Char(
        string="Platform User's Password",
        compute="_compute_write_only_secrets",
        inverse="_inverse_write_only_secrets",
        groups="base.group_system",
        help="Write-only: stored encrypted with the personal-data key (outside the database), "
        "never shown again. Empty on the Test Platform: the sandbox's own.",
    )
    api_password_set = fields.Boolean(
        string="Password Set", compute="_compute_write_only_secrets", groups="base.group_system"
    )
    api_password_enc = fields.Char(groups="base.group_system", copy=False)
    api_salt = fields.Char(
        string="Password Salt",
        groups="base.group_system",
        help="Baiwang: the salt the platform gave with the user (the password is sent as "
        "SHA-256 of password and salt).",
    )
    max_lines = fields.Integer(
        string="Lines per Fapiao",
        default=2000,
        help="The most lines the platform takes on one fapiao (not published in its interface "
        "pages; 2,000 is what platforms state for 数电票). A fapiao with more is refused before "
        "it is sent.",
    )
    use_callback = fields.Boolean(
        string="Platform Callback",
        help="Ask the platform to push each result to this Odoo (callBackUrl): the fapiao is "
        "then queried at once instead of at its next poll. Only a hint: every result is still "
        "confirmed by a query. Needs Odoo reachable from the platform at its web.base.url.",
    )
    callback_url = fields.Char(compute="_compute_callback_url", string="Callback URL")
    callback_allowed_ips = fields.Char(
        string="Callback Allowed From",
        help="Addresses or networks (e.g. 203.0.113.0/24) the platform calls back from, comma "
        "separated. A callback from elsewhere is ignored. Empty: any address (the callback is "
        "only ever a hint).",
    )
    rate_limit = fields.Float(
        string="Calls per Second",
        default=10.0,
        help="Token bucket shared by every Odoo worker: on average at most this many signed "
        "calls per second to the platform (0: no limit).",
    )
    rate_burst = fields.Integer(
        string="Burst", default=20, help="Calls that may go out at once after a quiet period."
    )

    @api.constrains("environment", "base_url", "token_url")
    def _check_base_url(self):
        """Signed calls and their secrets go over TLS only."""
        for provider in self:
            if provider.environment == "test" and not provider.base_url:
                raise ValidationError(_("The Test Platform needs its URL."))
            for url in filter(None, (provider.base_url, provider.token_url)):
                if not url.lower().startswith("https://"):
                    raise ValidationError(
                        _("The platform's URL must start with https:// (%s).", url)
                    )

    @api.depends("environment", "base_url", "token_url")
    def _compute_endpoint_summary(self):
        for provider in self:
            try:
                found = provider._endpoints()
            except ValueError:
                provider.endpoint_summary = False
                continue
            services = provider._dialect().services_url(found.base_url)
            provider.endpoint_summary = f"{services} · {found.token_url}"

    def _endpoints(self):
        """Where this provider's platform is (the dialect's published addresses, or the
        overrides)."""
        self.ensure_one()
        return self._dialect().endpoints(self.environment, self.base_url, self.token_url)

    def _dialect(self):
        """The client class of this provider's platform."""
        self.ensure_one()
        return platform.client_class(self.dialect)

    def _dialect_options(self):
        """The settings the dialect reads (``Config.options``)."""
        self.ensure_one()
        options = {
            "paper_vehicle_line": self.paper_vehicle_line or "",
            "vehicle_type_code": self.vehicle_type_code or "",
            "max_lines": self.max_lines or 0,
            "ele_account": self.ele_account or "",
            "extension_number": self.extension_number or "",
        }
        return options

    def _credential_options(self):
        """The platform user a password-grant token is asked for (Baiwang): read as superuser
        like the app secret, for the issuers' jobs."""
        secret = self.sudo()  # reason: the platform user's fields are group_system only
        user, password, salt = (
            secret.api_username,
            self._decrypt_secret("api_password"),
            secret.api_salt,
        )
        if self.environment == "test":
            user, password, salt = (
                user or SANDBOX_API_USER[0],
                password or SANDBOX_API_USER[1],
                salt or SANDBOX_API_USER[2],
            )
        return {"username": user or "", "password": password or "", "salt": salt or ""}

    def _check_request(self, request):
        """Refuse (FapiaoError), before anything is sent, what this platform cannot take."""
        self.ensure_one()
        self._dialect().check(request, self._dialect_options())

    @api.constrains("document_hosts", "max_document_mb")
    def _check_document_hosts(self):
        for provider in self:
            for entry in (provider.document_hosts or "").replace(",", " ").split():
                if not HOST_RE.fullmatch(entry):
                    raise ValidationError(_("%s is not a host name.", entry))
            if provider.max_document_mb < 1:
                raise ValidationError(_("The largest document must be at least 1 MB."))

    @api.constrains("callback_allowed_ips")
    def _check_callback_allowed_ips(self):
        for provider in self:
            bad = validators.network_entries(provider.callback_allowed_ips)[1]
            if bad:
                raise ValidationError(_("%s is not an IP address or network.", bad))

    def _compute_callback_url(self):
        for provider in self:
            provider.callback_url = (
                f"{provider.get_base_url()}/tax_gateway/callback/{provider.id}"
                if provider.id and provider.use_callback
                else False
            )

    def _compute_pending_count(self):
        Fapiao = self.env["tax.fapiao"]
        for provider in self:
            company = ("company_id", "=", provider.company_id.id)
            provider.pending_count = Fapiao.search_count(
                [company, ("state", "in", ("to_issue", "issuing"))]
            )
            provider.waiting_login_count = Fapiao.search_count(
                [company, ("state", "=", "waiting_login")]
            )

    _sql_constraints = [
        (
            "rate_positive",
            "CHECK (rate_limit >= 0 AND rate_burst >= 1)",
            "The burst is at least 1.",
        ),
        (
            "heartbeat_range",
            "CHECK (heartbeat_interval BETWEEN 30 AND 300)",
            "The heartbeat interval is between 30 seconds and 5 minutes.",
        ),
    ]

    @api.model
    def _of_company(self, company):
        """The company's provider, or an empty recordset."""
        return self.browse(self._provider_id_for_company(company.id))

    @api.model
    def _for_company(self, company):
        provider = self._of_company(company)
        if not provider:
            raise UserError(_("No tax platform is configured for company %s.", company.name))
        return provider

    @ormcache("company_id")
    def _provider_id_for_company(self, company_id):
        """Asked three times by every issuing job: cached per process, cleared on every change
        of a provider's company or activity (and in the other workers by the registry)."""
        # reason: only the id is cached, for any user; the provider's fields are then read with
        # the caller's rights
        return (
            self.sudo()
            .with_context(active_test=True)
            .search([("company_id", "=", company_id)], limit=1)
            .id
        )

    @api.model_create_multi
    def create(self, vals_list):
        providers = super().create(vals_list)
        self.env.registry.clear_cache()
        return providers

    def write(self, vals):
        if "dialect" in vals or "company_id" in vals:
            self._check_nothing_in_flight(vals)
        if {"company_id", "active"} & set(vals):
            self.env.registry.clear_cache()
        return super().write(vals)

    def _check_nothing_in_flight(self, vals):
        """A company changes platform only when no fapiao and no red form waits for the one it
        was sent to: a business key means something on its own platform only."""
        for provider in self:
            if (
                vals.get("dialect", provider.dialect) == provider.dialect
                and vals.get("company_id", provider.company_id.id) == provider.company_id.id
            ):
                continue
            company = [("company_id", "=", provider.company_id.id)]
            # reason: counted for every user: the change is refused whoever may see them
            fapiao = (
                self.env["tax.fapiao"]
                .sudo()
                .search_count(company + [("state", "in", ("to_issue", "waiting_login", "issuing"))])
            )
            forms = (
                self.env["tax.red.form"]
                .sudo()
                .search_count(company + [("state", "in", RED_FORM_IN_FLIGHT)])
            )
            if fapiao or forms:
                raise UserError(
                    _(
                        "%(company)s cannot change its tax platform while %(fapiao)s fapiao and "
                        "%(forms)s red forms wait for the current one: let them finish (or reset "
                        "them to draft) first.",
                        company=provider.company_id.name,
                        fapiao=fapiao,
                        forms=forms,
                    )
                )

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()

    @api.depends("app_secret_enc", "client_key_password_enc", "api_password_enc")
    def _compute_write_only_secrets(self):
        for provider in self:
            for name in WRITE_ONLY_SECRETS:  # shown to no one
                provider[name] = False
                provider[f"{name}_set"] = bool(provider[f"{name}_enc"])

    def _inverse_write_only_secrets(self):
        """A secret typed in is stored encrypted; an empty field keeps the one stored."""
        for provider in self:
            for name in WRITE_ONLY_SECRETS:
                if provider[name]:
                    provider[f"{name}_enc"] = self._encrypt_secret(provider[name], name)

    @api.model
    def _encrypt_secret(self, clear, name):
        return get_keyring(self.env).encrypt(clear, f"{self._name}.{name}") if clear else False

    def _decrypt_secret(self, name):
        stored = self.sudo()[f"{name}_enc"]  # reason: ciphertexts are group_system only
        return get_keyring(self.env).decrypt(stored, f"{self._name}.{name}") if stored else ""

    def _client(self):
        """A client for this provider. Secrets are read as superuser: they are restricted to
        system administrators, while issuers must be able to issue."""
        self.ensure_one()
        secret = self.sudo()  # reason: app key/secret and token fields are group_system only
        cert = None
        if secret.client_cert_path and secret.client_key_path:
            cert = (secret.client_cert_path, secret.client_key_path)
        key_password = self._decrypt_secret("client_key_password") if cert else ""
        token = self._decrypt_secret("access_token") or None
        if secret.token_expires and secret.token_expires < fields.Datetime.now():
            token = None
        where = self._endpoints()
        base_url = where.base_url
        extra_hosts = tuple((self.document_hosts or "").replace(",", " ").lower().split())
        # the company's tax ID alone: reading company.vat loads every column of its partner,
        # which nothing else in an issuing job reads (a millisecond of every job)
        partner = self.company_id.partner_id
        partner.fetch(["vat"])
        return self._dialect()(
            Config(
                base_url=base_url,
                token_url=where.token_url,
                app_key=secret.app_key or "",
                app_secret=self._decrypt_secret("app_secret")
                or (SANDBOX_APP_SECRET if self.environment == "test" else ""),
                user_tax=partner.vat or "",
                ca_bundle=self.ca_bundle or True,
                client_cert=cert,
                client_key_password=key_password,
                connect_timeout=self.connect_timeout,
                read_timeout=self.read_timeout,
                max_attempts=max(1, self.max_attempts),
                document_hosts=where.document_hosts + extra_hosts,
                max_document_bytes=max(1, self.max_document_mb or 20) * 1024 * 1024,
                options={**self._dialect_options(), **self._credential_options()},
            ),
            token=token,
            # the key's passphrase is in the session: its ciphertext keys it, never the clear
            session=shared_session(
                (base_url, self.ca_bundle, cert, secret.client_key_password_enc or ""),
                cert,
                key_password,
            ),
            on_token=self._store_token,
            on_call=self._log_call,
            before_call=self._take_rate_token,
        )

    def init(self):
        """The rate-limit buckets live outside the provider row: a job holds that row locked
        once it stored a token, and the bucket is taken in a transaction of its own."""
        res = super().init()
        self.env.cr.execute(
            """
            CREATE TABLE IF NOT EXISTS tax_gateway_rate_bucket (
                provider_id integer PRIMARY KEY,
                tokens double precision,
                stamp double precision
            )
            """
        )
        return res

    # ------------------------------------------------------------- credit line
    def _credit_line(self, refresh=False, read=True):
        """(available, checked at) of the month's credit line, the cached value unless it is
        older than credit_max_age (or ``refresh``) and the day's calls allow another; None
        when it was never read and cannot be now. ``read=False``: the cached value only (a
        click that plans fapiao does not wait for the platform)."""
        self.ensure_one()
        now = fields.Datetime.now()
        month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        fresh = self.credit_checked_at and self.credit_checked_at >= now - datetime.timedelta(
            minutes=max(1, self.credit_max_age)
        )
        day, _sep, count = (self.credit_calls or "").partition(":")
        calls = int(count) if day == str(now.date()) and count.isdigit() else 0
        recent = self.credit_checked_at and self.credit_checked_at > now - datetime.timedelta(
            seconds=CREDIT_MIN_INTERVAL
        )
        online = self.state == "online"
        stale = refresh or not fresh
        if read and online and stale and calls < CREDIT_CALLS_PER_DAY and not recent:
            client = self._client()
            # read in a user's click: it does not feed the breaker (the jobs' calls judge the
            # platform), like a probe
            client.on_call = None
            try:
                line = client.credit_line()
            except PlatformError as err:
                _logger.info("credit line of %s not read: %s", self.name, err)
            else:
                # reason: the connector's own cache, written for whichever user asked
                self.sudo().write(
                    {
                        "credit_total": float(line["total"]),
                        "credit_used": float(line["used"]),
                        "credit_available": float(line["available"]),
                        "credit_checked_at": now,
                        "credit_calls": f"{now.date()}:{calls + 1}",
                    }
                )
        if not self.credit_checked_at or self.credit_checked_at < month_start:
            return None  # never read, or read last month: a new month starts a new line
        return money.D(self.credit_available), self.credit_checked_at

    def action_refresh_credit_line(self):
        self.ensure_one()
        if self._credit_line(refresh=True) is None:
            raise UserError(_("The platform did not give its credit line; try again later."))
        return True

    def _take_rate_token(self, method=None):
        """Take one token of this provider's bucket (tg_core.ratelimit), shared by all worker
        processes through a row lock held for a few statements in a cursor of its own. Waits up
        to RATE_MAX_INLINE_WAIT; beyond that the call is refused as transient (nothing sent),
        so a job retries later instead of holding a worker."""
        self.ensure_one()
        if self.rate_limit <= 0:
            return
        while True:
            with self.env.registry.cursor() as cr:
                # read committed: a worker that waited for the row's lock then reads the row
                # its holder wrote. Under Odoo's repeatable read it failed to serialize instead,
                # and a job whose submission had gone out rolled back and sent it again (the
                # platform answered "duplicate": adopted, but one call and one job wasted).
                # Only in a transaction of its own: a test's cursor shares the test's.
                if cr.connection.get_transaction_status() == TRANSACTION_STATUS_IDLE:
                    cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                cr.execute(
                    "INSERT INTO tax_gateway_rate_bucket (provider_id) VALUES (%s) "
                    "ON CONFLICT (provider_id) DO NOTHING",
                    [self.id],
                )
                cr.execute(
                    "SELECT tokens, stamp FROM tax_gateway_rate_bucket "
                    "WHERE provider_id = %s FOR UPDATE",
                    [self.id],
                )
                tokens, stamp = cr.fetchone()
                allowed, tokens, stamp, wait = ratelimit.take(
                    tokens, stamp, time.time(), self.rate_limit, self.rate_burst
                )
                cr.execute(
                    "UPDATE tax_gateway_rate_bucket SET tokens = %s, stamp = %s "
                    "WHERE provider_id = %s",
                    [tokens, stamp, self.id],
                )
            if allowed:
                return
            if wait > RATE_MAX_INLINE_WAIT:
                raise PlatformError(
                    "RATE_LIMITED",
                    _(
                        "Rate limit of %(rate)s calls per second reached; next call in %(wait)s s.",
                        rate=self.rate_limit,
                        wait=round(wait, 1),
                    ),
                    transient=True,
                )
            time.sleep(wait)

    def _store_token(self, token, expires_in):
        self.sudo().write(
            {  # reason: token fields are group_system only
                "access_token_enc": self._encrypt_secret(token, "access_token"),
                "token_expires": fields.Datetime.now()
                + datetime.timedelta(seconds=expires_in - 60),
            }
        )

    def _log_call(self, calls):
        """Request log of ``calls`` ([(method, seconds, http status, code)], see PlatformClient),
        one row each, inserted with the transaction's other rows when it ends
        (tax.gateway.request.log._log_later)."""
        vals_list = [
            {
                "provider_id": self.id,
                "company_id": self.company_id.id,
                "method": method,
                "duration_ms": round(seconds * 1000, 1),
                "http_status": http_status or 0,
                "code": code or "",
            }
            for method, seconds, http_status, code in calls
        ]
        rows = self.env["tax.gateway.request.log"]._log_later(vals_list)
        # an answer never opens the circuit: the breaker is read only after a failure
        if any(row["platform_failure"] for row in rows):
            self._breaker_update()

    # ----------------------------------------------------------- circuit breaker
    def _breaker_update(self):
        """Go offline when the platform is unreachable or failing too often (tg_core.breaker)."""
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

    # ------------------------------------------------------ the drawer's session
    def _check_session_rights(self):
        if not self.env.user.has_group("tax_gateway.group_fapiao_issuer"):
            raise UserError(
                _("Only a Fapiao Issuer (开票员) or Manager logs in to the tax bureau.")
            )

    def _set_session_state(self, state):
        """Record what the platform said of the drawer's session. Written by whoever asked
        (an issuing job runs as its 开票员)."""
        self.ensure_one()
        if state == self.session_state and self.session_checked_at:
            self.sudo().session_checked_at = fields.Datetime.now()  # reason: connector's cache
            return
        # reason: the provider row is the connector's cache of the platform's state
        self.sudo().write({"session_state": state, "session_checked_at": fields.Datetime.now()})

    def _check_qr_renewal(self):
        """Refuse a new QR code the bureau would refuse: more than one a minute, 20 a day."""
        _day, count, last = self._qr_renewals()
        wait = int(last + QR_RENEW_INTERVAL - time.time())
        if wait > 0:
            raise UserError(
                _("The tax bureau gives a new QR code at most once a minute: wait %s s.", wait)
            )
        if count >= QR_RENEWALS_PER_DAY:
            raise UserError(
                _(
                    "The tax bureau gave its %s QR codes of the day: log in by SMS code, or "
                    "tomorrow.",
                    QR_RENEWALS_PER_DAY,
                )
            )

    def _qr_renewals(self):
        today = str(fields.Date.context_today(self))
        day, _s, rest = (self.session_qr_renewals or "").partition(":")
        count, _s, last = rest.partition(":")
        if day != today:
            return today, 0, float(last or 0)
        return day, int(count or 0), float(last or 0)

    def _count_qr_renewal(self):
        day, count, _last = self._qr_renewals()
        # reason: the connector's count of the bureau's limit, kept for whoever logs in
        self.sudo().session_qr_renewals = f"{day}:{count + 1}:{time.time():.0f}"

    def _probe_session(self):
        """Ask the platform for the drawer's session; a platform that cannot say refuses."""
        self.ensure_one()
        try:
            state = self._client().session_state()
        except PlatformError as err:
            raise UserError(
                _(
                    "The platform did not say whether the drawer is logged in: %s",
                    self.env["tax.gateway.error"]._describe(err.code, err.message),
                )
            ) from err
        self._set_session_state(state)
        return state

    def action_drawer_login(self):
        """Log In to the Tax Bureau: the platform is asked first; a drawer already logged in
        (at the platform's own site, say) releases the waiting fapiao at once."""
        self.ensure_one()
        self._check_session_rights()
        return self._after_session_change()

    def _after_session_change(self):
        state = self._probe_session()
        if state in (platform.SESSION_LOGIN, platform.SESSION_VERIFY):
            wizard = self.env["tax.gateway.drawer.login"].create(
                {"provider_id": self.id, "purpose": state}
            )
            return wizard._reopen()
        released = self._release_waiting_login()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("The drawer is logged in"),
                "message": _("%s fapiao that waited for the login go out now.", released),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _release_waiting_login(self):
        """The fapiao that waited for the drawer go out, oldest first."""
        self.ensure_one()
        waiting = self.env["tax.fapiao"].search(
            [("company_id", "=", self.company_id.id), ("state", "=", "waiting_login")],
            order="id",
        )
        waiting._release_after_login()
        return len(waiting)

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
        still = page._poll_results(self._client())
        if len(waiting) > POLL_PER_JOB:
            self._enqueue_poll(delay=0, after_id=page[-1].id)
        elif fapiao.search_count(issuing, limit=1):
            self._enqueue_poll()
        return f"{len(page) - len(still)} of {len(page)} fapiao done"

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
                ("state", "in", ("to_issue", "waiting_login", "issuing", "failed")),
            ],
            order="id",
        )
        kinds = dict(waiting._fields["kind"]._description_selection(self.env))
        states = dict(waiting._fields["state"]._description_selection(self.env))
        rows = [
            {
                "invoice": f.move_id.name,
                "kind": kinds.get(f.kind),
                "buyer_name": f.buyer_name,
                "buyer_tax_id": f.buyer_tax_id,
                "amount": money.D(f.amount_untaxed),
                "tax": money.D(f.amount_tax),
                "total": money.D(f.amount_total),
                "state": states.get(f.state),
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
