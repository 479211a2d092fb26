import datetime
import logging
import re
import time

from fapiao_core import money, platform, ratelimit, states, validators
from fapiao_core.client import Config, PlatformError, shared_session
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import config, ormcache

from .tax_gateway_encrypted_mixin import get_keyring

# getCreditLine: at most once per 30 s and 20 times a day (Odoo's l10n_cn_edi_nuonuo client notes)
CREDIT_MIN_INTERVAL = 30
CREDIT_CALLS_PER_DAY = 20
# a call waits inline for a rate-limit token at most this long; longer, the job is retried later
RATE_MAX_INLINE_WAIT = 2.0
# fields typed in once and never shown again (stored as <name>_enc)
WRITE_ONLY_SECRETS = ("app_secret", "client_key_password", "api_password")

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
    """Connection of one company to its tax platform, in the platform's dialect: where it is,
    the credentials, the client, the rate limit, the request log and the credit line."""

    _name = "tax.gateway.provider"
    _description = "Tax Platform Provider"
    # by concern: the connection and its credentials here; health, breaker and offline mode;
    # the drawer's session; polling (one owner)
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "tax.gateway.guarded.mixin",
        "tax.gateway.provider.health",
        "tax.gateway.provider.session",
        "tax.gateway.provider.polling",
    ]
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
                .search_count(company + [("state", "in", states.IN_FLIGHT)])
            )
            forms = (
                self.env["tax.red.form"]
                .sudo()
                .search_count(company + [("state", "in", states.FORM_IN_FLIGHT)])
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
        """Take one token of this provider's bucket (fapiao_core.ratelimit), shared by all worker
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
                "dialect": self.dialect,
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
