"""Talking to a tax platform (plain Python, no Odoo): what every dialect shares.

``PlatformClient`` is the interface the Odoo side relies on. It takes the neutral requests of
``fapiao_core.platform`` and answers neutral results; each platform's dialect
(``fapiao_core.nuonuo``...) implements it over the pooled HTTPS transport below.
Every dialect keeps the same promises:

- nothing is lost and nothing is issued twice: the business key is chosen by the caller, stored
  before the first call, and reused; an unknown outcome (read timeout, reset, 5xx, garbage after
  sending) is answered by a query on the key before anything is sent again, and a "duplicate"
  answer adopts the submission the platform already has;
- transient errors are retried with exponential backoff and jitter, a bounded number of times;
  permanent ones raise at once with the platform's code;
- documents are fetched over https from the platform's own hosts only, without redirects, capped.
"""

import concurrent.futures
import datetime
import email.utils
import json
import random
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlsplit

import requests
from urllib3.util.ssl_ import create_urllib3_context

from . import errors

DOWNLOAD = "download"  # the request log's method of document downloads (no envelope)


class PlatformError(Exception):
    """``code``: platform code or one of TIMEOUT, NETWORK, HTTP_5xx, BAD_RESPONSE, TLS, MISMATCH,
    RATE_LIMITED (nothing was sent: our own limit).

    ``transient``: worth retrying later. ``unknown``: the request may have been processed.
    ``dialect``: the platform whose code it is (None: the connector's own).
    """

    def __init__(self, code, message, transient=False, unknown=False, dialect=None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.transient = transient
        self.unknown = unknown
        self.dialect = dialect


@dataclass
class Config:
    base_url: str  # the services host (the dialect's ``endpoints``)
    app_key: str
    app_secret: str
    user_tax: str
    token_url: str = ""  # empty: the dialect's own token path on base_url (the test platform)
    ca_bundle: str | bool = True
    client_cert: tuple | None = None  # (certificate path, key path)
    client_key_password: str = ""  # the key file's passphrase, when it has one
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    # documents (XML, signature, PDF, OFD) are fetched only over https from the platform's own
    # host or these hosts ("example.com" exactly, ".example.com" any subdomain), without
    # following redirects, and at most this many bytes each
    document_hosts: tuple = ()
    max_document_bytes: int = 20 * 1024 * 1024
    # settings of the dialect (a platform's unpublished codes, etc.): name -> value
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Endpoints:
    """Where one environment of a platform is: its services host (the dialect's
    ``services_url`` adds the path), its token service, the hosts its documents come from."""

    base_url: str
    token_url: str
    document_hosts: tuple = ()

    @classmethod
    def of(cls, presets, environment, base_url=None, token_url=None, token_of=None):
        """The endpoints of ``environment`` (a key of a dialect's ``presets``), or of the URL
        given as an override (a proxy, the bundled test platform): its token service is then
        ``token_url``, else ``token_of(base_url, preset)``, the dialect's default."""
        preset = presets.get(environment)
        if base_url:
            base_url = base_url.rstrip("/")
            return cls(
                base_url,
                token_url or token_of(base_url, preset),
                preset.document_hosts if preset else (),
            )
        if preset is None:
            raise ValueError(f"no address is known for environment {environment!r}: set one")
        return cls(preset.base_url, token_url or preset.token_url, preset.document_hosts)


def clock_offset(date_header, previous=None):
    """Seconds the platform's clock is ahead of ours, from an answer's HTTP Date header (1 s
    resolution); ``previous`` when the header is missing or unreadable."""
    if not date_header:
        return previous
    try:
        theirs = email.utils.parsedate_to_datetime(date_header)
    except (TypeError, ValueError):
        return previous
    if theirs.tzinfo is None:
        return previous
    now = datetime.datetime.now(datetime.timezone.utc)
    return round((theirs - now).total_seconds(), 1)


class PlatformClient:
    """One platform's client. A dialect implements the methods that raise NotImplementedError
    (``fapiao_core.platform`` says what the requests and results carry) and registers itself
    (``platform.register``)."""

    dialect = None  # set by platform.register
    query_batch = 1  # business keys one query may carry
    NOT_FOUND = "NOT_FOUND"  # the code of a PlatformError for a business key the platform lacks

    # ------------------------------------------------------------ the dialect's
    @staticmethod
    def endpoints(environment, base_url=None, token_url=None):
        """Where ``environment`` of this platform is (services, tokens, document hosts)."""
        raise NotImplementedError

    @staticmethod
    def services_url(base_url):
        raise NotImplementedError

    @staticmethod
    def callback_business_key(content_type, form):
        """The business key a result push of the platform names, or ""."""
        raise NotImplementedError

    @staticmethod
    def callback_answer():
        """The body the platform expects in answer to its result push."""
        raise NotImplementedError

    @classmethod
    def check(cls, request, options=None):
        """Refuse (``FapiaoError``), before anything is sent, what this platform cannot take
        (``options``: the dialect's settings, as ``Config.options``)."""
        raise NotImplementedError

    def ping(self):
        """A real call that changes nothing; the round trip in milliseconds."""
        raise NotImplementedError

    def issue(self, request):
        """Submit a ``FapiaoRequest`` at most once: a ``Result``."""
        raise NotImplementedError

    def reissue(self, request, serial):
        """Ask the platform to issue again, under the same key, a fapiao whose result was
        ``platform.RETRY``: a ``Result``."""
        raise NotImplementedError

    def query(self, business_key, request=None):
        """The ``Result`` of one business key (its echoed total checked against ``request``)."""
        raise NotImplementedError

    def query_many(self, requests_by_key):
        """``{key: request}`` -> ``{key: Result or PlatformError}``, ``query_batch`` at most."""
        raise NotImplementedError

    def query_serial(self, serial):
        raise NotImplementedError

    def list_invoices(self, start, end):
        raise NotImplementedError

    def credit_line(self):
        """The month's credit line: {"total", "used", "available"} as Decimal."""
        raise NotImplementedError

    def void_paper(self, serial, paper_code, paper_number):
        raise NotImplementedError

    def session_state(self):
        """The drawer's session at the bureau: one of platform.SESSION_STATES."""
        raise NotImplementedError

    def session_qr(self, purpose, renew=False):
        """The QR code the drawer scans to log in (``purpose`` SESSION_LOGIN) or to confirm
        their identity (SESSION_VERIFY): {"qr", "app", "auth_id", "expires", "renewed"}.
        ``renew``: a new one from the bureau (rate-limited there); "renewed" says whether the
        bureau made a new one."""
        raise NotImplementedError

    def session_sms(self):
        """Text a login code to the drawer's phone."""
        raise NotImplementedError

    def session_confirm(self, purpose, sms_code=None, auth_id=None):
        """After the scan (or with the texted code): True once the bureau confirmed."""
        raise NotImplementedError

    def request_red_form(self, form):
        """Apply for a 红字确认单 (``platform.RedFormRequest``) at most once."""
        raise NotImplementedError

    def query_red_form(self, bill_id=None, bill_no=None, bill_uuid=None):
        raise NotImplementedError

    def list_red_forms(self, status=None):
        """The forms the seller sees, all pages; ``status``: only those in this bureau state."""
        raise NotImplementedError

    def confirm_red_form(self, bill_uuid, agree=True):
        raise NotImplementedError

    def cancel_red_form(self, bill_uuid):
        raise NotImplementedError

    def fetch_red_invoice(self, form):
        raise NotImplementedError

    # ----------------------------------------------------------------- shared
    def __init__(
        self,
        config,
        token=None,
        on_token=None,
        session=None,
        sleep=time.sleep,
        on_call=None,
        before_call=None,
    ):
        self.config = config
        self.token = token
        self.on_token = on_token  # persists a new token (the Odoo provider stores it)
        # seconds the platform's clock is ahead of ours, as its last answer's Date header said
        self.clock_offset = None
        # request log: fn([(method, seconds, http_status, code), ...]), the calls that ended
        # together (one signed call, or the downloads of one document set)
        self.on_call = on_call
        # rate limit: fn(method) before every signed call; raises PlatformError(RATE_LIMITED,
        # transient) when the call must wait longer than the caller can
        self.before_call = before_call
        self.session = session or pooled_session(config.client_cert, config.client_key_password)
        self.sleep = sleep

    # ------------------------------------------------------------ transport
    def _request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", (self.config.connect_timeout, self.config.read_timeout))
        kwargs.setdefault("verify", self.config.ca_bundle)
        if self.config.client_cert and not self.config.client_key_password:
            # a key with a passphrase is in the session's TLS context (pooled_session)
            kwargs.setdefault("cert", self.config.client_cert)
        try:
            answer = self.session.request(method, url, **kwargs)
        except requests.exceptions.SSLError as err:
            raise PlatformError("TLS", str(err)) from err
        except requests.exceptions.ConnectTimeout as err:
            raise PlatformError("TIMEOUT", str(err), transient=True) from err
        except requests.exceptions.ReadTimeout as err:
            raise PlatformError("TIMEOUT", str(err), transient=True, unknown=True) from err
        except requests.exceptions.ConnectionError as err:
            # refused before sending, or reset after: the outcome may be unknown
            sent = "NewConnectionError" not in repr(err)
            raise PlatformError("NETWORK", str(err), transient=True, unknown=sent) from err
        self.clock_offset = clock_offset(answer.headers.get("Date"), self.clock_offset)
        return answer

    @staticmethod
    def _json(answer, exact=False):
        """The answer's JSON object; ``exact``: its decimals as Decimal, never float. A 5xx,
        garbage or anything but an object is an unknown outcome."""
        if answer.status_code >= 500:
            raise PlatformError(
                f"HTTP_{answer.status_code}", answer.text[:200], transient=True, unknown=True
            )
        try:
            body = json.loads(answer.content, parse_float=Decimal) if exact else answer.json()
        except ValueError as err:
            raise PlatformError(
                "BAD_RESPONSE", answer.text[:200], transient=True, unknown=True
            ) from err
        if not isinstance(body, dict):
            raise PlatformError("BAD_RESPONSE", "not a JSON object", transient=True, unknown=True)
        return body

    def _query_or_none(self, business_key, request=None):
        """``query``, or None when the platform does not know the key."""
        try:
            return self.query(business_key, request)
        except PlatformError as err:
            if err.code == self.NOT_FOUND:
                return None
            raise

    def _adoptable(self, business_key, request=None):
        """What the platform already has under ``business_key``, marked adopted; None."""
        found = self._query_or_none(business_key, request)
        if found:
            found.adopted = True
        return found

    def _exchange(self, method, post, read):
        """One signed call over HTTP, rate-limited (``before_call``) and logged (``on_call``)
        however it ends: ``post()`` sends it and returns the HTTP answer, ``read(answer)``
        returns (envelope, the platform's code)."""
        if self.before_call:
            self.before_call(method)
        start = time.perf_counter()
        status = code = None
        try:
            answer = post()
            status = answer.status_code
            envelope, code = read(answer)
            return envelope
        except PlatformError as err:
            code = code or err.code
            raise
        finally:
            if self.on_call:
                self.on_call([(method, time.perf_counter() - start, status, code)])

    def _at_most_once(self, send, find, refusal):
        """Send a request that creates something (a fapiao, a red form) without ever creating
        it twice: ``send()`` returns the envelope; after an unknown outcome ``find()`` asks
        the platform for what it may already have (None: nothing) before anything is sent
        again; transient errors and envelopes ``refusal(envelope)`` calls transient are
        retried with backoff. Returns (envelope, None) or (None, what ``find`` found)."""
        last = None
        for attempt in range(self.config.max_attempts):
            if attempt:
                self.sleep(self._backoff(attempt - 1))
            try:
                envelope = send()
            except PlatformError as err:
                last = err
                if err.unknown:
                    found = find()
                    if found:
                        return None, found
                if err.transient:
                    continue
                raise
            refused = refusal(envelope)
            if refused is not None and refused.transient:
                last = refused
                continue
            return envelope, None
        raise last

    def _act_on_form(self, send, current, done):
        """An action on a red form (confirm, deny, revoke), sent once: whatever the answer, or
        none, the form's state decides. ``current()`` reads the form; in a state of ``done``
        (now, or by an earlier attempt whose answer was lost) it is returned; otherwise the
        refusal is raised."""
        try:
            envelope = send()
        except PlatformError as err:
            if not err.unknown:
                raise
            envelope = None
        form = current()
        if form and form.status in done:
            return form
        if envelope is None:
            raise PlatformError("TIMEOUT", "no answer", transient=True)
        self._checked(envelope)
        return form

    def _with_token(self, send, code_of):
        """``send()`` with an access token: fetched first when there is none, and fetched again
        once when the answer's code (``code_of(envelope)``) says it expired (``errors.TOKEN``).
        Returns the envelope."""
        for refreshed in (False, True):
            if not self.token:
                self.fetch_token()
            envelope = send()
            if refreshed or not self._means(code_of(envelope), errors.TOKEN):
                return envelope
            self.token = None
        raise AssertionError("unreachable: the second attempt always returns")

    def _means(self, code, action):
        """Whether this dialect's ``code`` is of class ``action`` in the error table."""
        return errors.action(self.dialect, code) == action

    def _refused(self, code, message):
        """The PlatformError of a refusal, retried or not as the error table says."""
        return PlatformError(
            code, message, transient=errors.is_transient(self.dialect, code), dialect=self.dialect
        )

    def _backoff(self, attempt):
        delay = min(self.config.backoff_max, self.config.backoff_base * 2**attempt)
        return delay + random.uniform(0, self.config.backoff_base)  # noqa: S311 (jitter, not crypto)

    def download(self, url):
        content, outcome = self._download(url)
        self._log_downloads([outcome])
        if outcome[2]:
            raise outcome[2]
        return content

    def download_all(self, urls):
        """``{name: url}`` -> ``{name: content}``, fetched at the same time over the pooled
        connections: one round trip instead of one per document. The first failure is raised
        once every download has ended."""
        if len(urls) < 2:
            return {name: self.download(url) for name, url in urls.items()}
        with concurrent.futures.ThreadPoolExecutor(len(urls)) as pool:
            futures = {name: pool.submit(self._download, url) for name, url in urls.items()}
        done = {name: future.result() for name, future in futures.items()}
        # the request log is the caller's: written from this thread, in one go
        self._log_downloads([outcome for _content, outcome in done.values()])
        failed = next((outcome for _c, outcome in done.values() if outcome[2]), None)
        if failed:
            raise failed[2]
        return {name: content for name, (content, _outcome) in done.items()}

    def _download(self, url):
        """(content, (seconds, http status, error)): errors are returned, not raised, so that
        downloads running in threads are logged by the caller."""
        start, status = time.perf_counter(), None
        try:
            check_document_url(url, self.config)
            answer = self._request("GET", url, allow_redirects=False, stream=True)
            with answer:
                status = answer.status_code
                if 300 <= status < 400:
                    # a document that moved is not followed: the new place is not checked
                    raise PlatformError("DOCUMENT_REDIRECT", url)
                if status != 200:
                    raise PlatformError(f"HTTP_{status}", url, transient=True)
                content = _read_capped(answer, self.config.max_document_bytes, url)
            return content, (time.perf_counter() - start, status, None)
        except PlatformError as err:
            return None, (time.perf_counter() - start, status, err)

    def _log_downloads(self, outcomes):
        if self.on_call:
            self.on_call(
                [
                    (DOWNLOAD, seconds, status, error.code if error else "")
                    for seconds, status, error in outcomes
                ]
            )


def document_hosts(base_url, extra=()):
    """The hosts documents may come from: the platform's own, then the configured ones."""
    own = urlsplit(base_url).hostname or ""
    return tuple(dict.fromkeys(h.strip().lower() for h in (own, *extra) if h and h.strip()))


def check_document_url(url, config):
    """Refuse (permanently) a document URL that is not https on one of the platform's hosts:
    an answer naming another host must not make Odoo fetch it (SSRF)."""
    try:
        parts = urlsplit(str(url))
        host = (parts.hostname or "").lower()
    except ValueError as err:
        raise PlatformError("DOCUMENT_HOST", str(url)) from err
    allowed = document_hosts(config.base_url, config.document_hosts)
    matches = any(
        host == entry or (entry.startswith(".") and host.endswith(entry)) for entry in allowed
    )
    if parts.scheme != "https" or not host or not matches or parts.username:
        raise PlatformError("DOCUMENT_HOST", str(url))


def _read_capped(answer, limit, url):
    declared = answer.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PlatformError("DOCUMENT_TOO_LARGE", url)
    chunks, size = [], 0
    try:
        for chunk in answer.iter_content(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise PlatformError("DOCUMENT_TOO_LARGE", url)
            chunks.append(chunk)
    except requests.exceptions.RequestException as err:
        raise PlatformError("NETWORK", str(err), transient=True) from err
    return b"".join(chunks)


_SESSIONS = {}
_SESSIONS_LOCK = threading.Lock()


class TLSAdapter(requests.adapters.HTTPAdapter):
    """HTTPS at TLS 1.2 or above, whatever the system's OpenSSL would accept. The context is
    urllib3's own (it checks the host name itself) and trusts nothing to start with: urllib3
    loads the CA bundle and the client certificate of each request into it, and a session
    serves one endpoint with one set of them (shared_session), so a provider's CA bundle stays
    the only trust of its connections, as without this adapter."""

    def __init__(self, *args, client_cert=None, key_password="", **kwargs):
        # requests passes a client certificate per request but cannot open a key protected by
        # a passphrase: such a key is loaded once into this adapter's context instead
        self._client_cert = client_cert if key_password else None
        self._key_password = key_password
        super().__init__(*args, **kwargs)

    def init_poolmanager(self, *args, **kwargs):
        context = create_urllib3_context()
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if self._client_cert:
            try:
                context.load_cert_chain(*self._client_cert, password=self._key_password)
            except (OSError, ssl.SSLError) as err:
                raise PlatformError(
                    "TLS", f"client key not readable (passphrase or file): {err}"
                ) from err
        kwargs["ssl_context"] = context
        return super().init_poolmanager(*args, **kwargs)


def pooled_session(client_cert=None, key_password=""):
    session = requests.Session()
    adapter = TLSAdapter(
        pool_connections=4, pool_maxsize=16, client_cert=client_cert, key_password=key_password
    )
    session.mount("https://", adapter)
    return session


def shared_session(key, client_cert=None, key_password=""):
    """One pooled session per ``key`` (endpoint and TLS settings) for the whole process: the
    HTTPS connections stay open from one call, and one job, to the next instead of paying a
    TLS handshake each time. TLS verification and the client certificate are passed with each
    request (a key with a passphrase is loaded into the session once), so the key keeps
    different endpoints and client keys apart."""
    with _SESSIONS_LOCK:
        session = _SESSIONS.get(key)
        if session is None:
            session = _SESSIONS[key] = pooled_session(client_cert, key_password)
        return session


def new_order_no():
    """A 20-character business key (Nuonuo's orderNo is at most 20)."""
    return "TG" + uuid.uuid4().hex[:18].upper()
