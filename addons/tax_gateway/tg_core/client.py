"""Tax-platform client (plain Python, no Odoo): the Nuonuo dialect over pooled HTTPS.

Nothing is lost and nothing is issued twice:
- the business key (orderNo) is chosen by the caller, stored before the first call, and reused;
- an unknown outcome (read timeout, reset, 5xx, garbage after sending) is answered by a query on
  the key before anything is sent again;
- a duplicate answer (E9106) means "already submitted": the existing invoice is queried and adopted;
- transient errors are retried with exponential backoff and jitter, a bounded number of times;
  permanent ones raise at once with the platform's code.

``PlatformClient`` is the interface the Odoo side uses, so Baiwang or Leqi dialects can follow.
"""

import concurrent.futures
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

from . import nuonuo

TRANSIENT_CODES = {"E9999", "070306"}
TOKEN_CODES = {"070101"}
DOWNLOAD = "download"  # the request log's method of document downloads (no envelope)
DUPLICATE = "E9106"
NOT_FOUND = "E9500"
QUERY_BATCH = 50  # queryInvoiceResult answers at most 50 business keys a call
DONE, ISSUING, FAILED, SEAL_FAILED = "2", "20", "22", "24"


class PlatformError(Exception):
    """``code``: platform code or one of TIMEOUT, NETWORK, HTTP_5xx, BAD_RESPONSE, TLS, MISMATCH,
    RATE_LIMITED (nothing was sent: our own limit).

    ``transient``: worth retrying later. ``unknown``: the request may have been processed.
    """

    def __init__(self, code, message, transient=False, unknown=False):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.transient = transient
        self.unknown = unknown


@dataclass
class Config:
    base_url: str  # the services host (nuonuo.endpoints)
    app_key: str
    app_secret: str
    user_tax: str
    token_url: str = ""  # empty: base_url + TOKEN_PATH (the bundled test platform)
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


@dataclass
class IssueResult:
    order_no: str
    serial: str
    status: str  # DONE / ISSUING / FAILED / SEAL_FAILED
    number: str | None = None
    issue_time_ms: int | None = None
    message: str = ""
    files: dict = field(default_factory=dict)
    adopted: bool = False  # True when an earlier submission was found and adopted
    total: Decimal | None = None  # tax included, as the platform echoes it (red: negative)
    paper_code: str | None = None  # 发票代码 and 发票号码 of a 数电 paper fapiao
    paper_number: str | None = None


# The bureau's red-letter reasons (01 开票有误, 02 销货退回, 03 服务中止, 04 销售折让) against
# Nuonuo's redReason, which numbers the first two the other way round (brief §2.1).
RED_REASONS = {"01": "2", "02": "1", "03": "3", "04": "4"}
RED_REASONS_BACK = {nuonuo: bureau for bureau, nuonuo in RED_REASONS.items()}


@dataclass
class RedFormResult:
    """A 红字确认单 as the platform knows it; amounts negative, ``status`` the bureau's 01-10."""

    bill_id: str
    bill_no: str
    bill_uuid: str
    status: str
    blue_number: str
    apply_source: str  # "0" seller, "1" buyer
    reason: str  # bureau code 01-04
    amount: Decimal
    tax: Decimal
    detail: list = field(default_factory=list)
    red_serial: str | None = None
    red_number: str | None = None

    @classmethod
    def from_nuonuo(cls, item):
        try:
            return cls(
                bill_id=str(item.get("billId") or ""),
                bill_no=str(item["billNo"]),
                bill_uuid=str(item["billUuid"]),
                status=str(item["billStatus"]),
                blue_number=str(item.get("blueElecInvoiceNumber") or ""),
                apply_source=str(item.get("applySource", "0")),
                reason=RED_REASONS_BACK.get(str(item.get("redReason")), "01"),
                amount=Decimal(str(item.get("taxExcludedAmount") or "0")),
                tax=Decimal(str(item.get("taxAmount") or "0")),
                detail=list(item.get("detail") or []),
                red_serial=item.get("invoiceSerialNum") or None,
                red_number=item.get("redInvoiceNumber") or None,
            )
        except (KeyError, ArithmeticError, TypeError) as err:
            raise PlatformError("BAD_RESPONSE", f"red form: {err!r}") from err


class PlatformClient:
    """What the Odoo layer relies on; one implementation per platform dialect."""

    def ping(self):
        raise NotImplementedError

    def issue(self, order):
        raise NotImplementedError

    def query(self, order_no):
        raise NotImplementedError

    def query_many(self, orders):
        raise NotImplementedError

    def request_red_form(self, form):
        raise NotImplementedError

    def query_red_form(self, bill_id=None, bill_no=None, bill_uuid=None):
        raise NotImplementedError

    def confirm_red_form(self, bill_uuid, agree=True):
        raise NotImplementedError

    def cancel_red_form(self, bill_uuid):
        raise NotImplementedError

    def fetch_red_invoice(self, form):
        raise NotImplementedError


class NuonuoClient(PlatformClient):
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
            return self.session.request(method, url, **kwargs)
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

    def ping(self):
        """Prove the whole path (host, TLS, token, signature, the service) with a real call
        that changes nothing: the result of a business key nobody used must be "not found".
        The platform has no health route. Returns the round trip in milliseconds."""
        start = time.perf_counter()
        envelope = self.call(
            "nuonuo.OpeMplatform.queryInvoiceResult", {"orderNos": [new_order_no()]}
        )
        code = envelope["code"]
        if code not in ("E0000", NOT_FOUND):
            raise PlatformError(
                code, envelope.get("describe", ""), transient=code in TRANSIENT_CODES
            )
        return round((time.perf_counter() - start) * 1000, 1)

    def fetch_token(self):
        answer = self._request(
            "POST",
            self.config.token_url or f"{self.config.base_url}{nuonuo.TOKEN_PATH}",
            data={
                "client_id": self.config.app_key,
                "client_secret": self.config.app_secret,
                "grant_type": "client_credentials",
            },
        )
        body = self._json(answer)
        if "access_token" not in body:
            raise PlatformError(body.get("error") or "AUTH", body.get("error_description", ""))
        self.token = body["access_token"]
        if self.on_token:
            self.on_token(self.token, int(body.get("expires_in", 0)))
        return self.token

    @staticmethod
    def _json(answer):
        if answer.status_code >= 500:
            raise PlatformError(
                f"HTTP_{answer.status_code}", answer.text[:200], transient=True, unknown=True
            )
        try:
            body = answer.json()
        except ValueError as err:
            raise PlatformError(
                "BAD_RESPONSE", answer.text[:200], transient=True, unknown=True
            ) from err
        if not isinstance(body, dict):
            raise PlatformError("BAD_RESPONSE", "not a JSON object", transient=True, unknown=True)
        return body

    def call(self, method, payload):
        """One signed call; returns the envelope. Refreshes an expired token once."""
        for refreshed in (False, True):
            if not self.token:
                self.fetch_token()
            body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
            senid, nonce, timestamp = nuonuo.new_senid(), nuonuo.new_nonce(), str(int(time.time()))
            headers = {
                "Content-Type": "application/json; charset=UTF-8",
                "X-Nuonuo-Sign": nuonuo.sign(
                    self.config.app_secret, self.config.app_key, senid, nonce, timestamp, body
                ),
                "accessToken": self.token,
                "userTax": self.config.user_tax,
                "method": method,
            }
            params = {
                "senid": senid,
                "nonce": nonce,
                "timestamp": timestamp,
                "appkey": self.config.app_key,
            }
            if self.before_call:
                self.before_call(method)
            start = time.perf_counter()
            status, code = None, None
            try:
                answer = self._request(
                    "POST",
                    f"{self.config.base_url}{nuonuo.SERVICES_PATH}",
                    params=params,
                    data=body.encode("utf-8"),
                    headers=headers,
                )
                status = answer.status_code
                envelope = self._json(answer)
                code = envelope.get("code")
                if not code:
                    raise PlatformError(
                        "BAD_RESPONSE", "no code in the answer", transient=True, unknown=True
                    )
            except PlatformError as err:
                code = code or err.code
                raise
            finally:
                if self.on_call:
                    self.on_call([(method, time.perf_counter() - start, status, code)])
            if code in TOKEN_CODES and not refreshed:
                self.token = None
                continue
            return envelope
        return envelope

    def _backoff(self, attempt):
        delay = min(self.config.backoff_max, self.config.backoff_base * 2**attempt)
        return delay + random.uniform(0, self.config.backoff_base)  # noqa: S311 (jitter, not crypto)

    # -------------------------------------------------------------- business
    def issue(self, order):
        """Submit ``order`` (a Nuonuo ``order`` with its orderNo) at most once: IssueResult."""
        order_no = order["orderNo"]
        last = None
        for attempt in range(self.config.max_attempts):
            if attempt:
                self.sleep(self._backoff(attempt - 1))
            try:
                envelope = self.call("nuonuo.OpeMplatform.requestBillingNew", {"order": order})
            except PlatformError as err:
                last = err
                if err.unknown:
                    found = self._query_or_none(order_no, order)
                    if found:
                        found.adopted = True
                        return found
                if err.transient:
                    continue
                raise
            code = envelope["code"]
            if code == "E0000":
                serial = (envelope.get("result") or {}).get("invoiceSerialNum")
                if not serial:
                    raise PlatformError(
                        "BAD_RESPONSE", "no invoiceSerialNum", transient=True, unknown=True
                    )
                return IssueResult(order_no, serial, ISSUING)
            if code == DUPLICATE:
                found = self._query_or_none(order_no, order)
                if found:
                    found.adopted = True
                    return found
                raise PlatformError(code, envelope.get("describe", ""), transient=True)
            if code in TRANSIENT_CODES:
                last = PlatformError(code, envelope.get("describe", ""), transient=True)
                continue
            raise PlatformError(code, envelope.get("describe", ""))
        raise last

    def _query_or_none(self, order_no, order=None):
        try:
            return self.query(order_no, order)
        except PlatformError as err:
            if err.code == NOT_FOUND:
                return None
            raise

    def _checked(self, envelope, ok=("E0000",)):
        if envelope["code"] not in ok:
            raise PlatformError(
                envelope["code"],
                envelope.get("describe", ""),
                transient=envelope["code"] in TRANSIENT_CODES,
            )
        return envelope

    def _query_rows(self, key, values):
        """The result rows of queryInvoiceResult for ``values`` (business keys or serials),
        by key; a row for something not asked for is ignored, one asked for may be missing."""
        envelope = self._checked(
            self.call("nuonuo.OpeMplatform.queryInvoiceResult", {key: list(values)})
        )
        results = envelope.get("result")
        if not isinstance(results, list) or not results or not isinstance(results[0], dict):
            raise PlatformError(
                "BAD_RESPONSE", "queryInvoiceResult without a result list", transient=True
            )
        field_name = "orderNo" if key == "orderNos" else "serialNo"
        wanted = set(values)
        return {
            row[field_name]: row
            for row in results
            if isinstance(row, dict)
            and row.get(field_name) in wanted
            and row.get("serialNo")
            and row.get("status")
        }

    def _query_row(self, key, value):
        row = self._query_rows(key, [value]).get(value)
        if row is None:
            raise PlatformError("BAD_RESPONSE", "result does not match the business key")
        return row

    def query_serial(self, serial):
        """The platform's state of one invoice by its serial (a red invoice the bureau issued)."""
        return self._issue_result(self._query_row("serialNos", serial))

    def query(self, order_no, order=None):
        """The platform's state of one business key; checks the echoed amounts against ``order``."""
        return self._checked_result(self._query_row("orderNos", order_no), order)

    def query_many(self, orders):
        """The platform's state of up to QUERY_BATCH business keys in one call:
        ``{order_no: order}`` -> ``{order_no: IssueResult, or the PlatformError of that key}``
        (a key the platform does not know: NOT_FOUND; echoed amounts that differ from its
        ``order``: MISMATCH). A failure of the call itself is raised."""
        if not 0 < len(orders) <= QUERY_BATCH:
            raise ValueError(f"1 to {QUERY_BATCH} business keys a query, not {len(orders)}")
        try:
            rows = self._query_rows("orderNos", orders)
        except PlatformError as err:
            if err.code != NOT_FOUND:
                raise
            rows = {}  # none of them is known
        outcomes = {}
        for order_no, order in orders.items():
            try:
                if order_no not in rows:
                    raise PlatformError(NOT_FOUND, f"{order_no} not found on the platform")
                outcomes[order_no] = self._checked_result(rows[order_no], order)
            except PlatformError as err:
                outcomes[order_no] = err
        return outcomes

    def _checked_result(self, row, order=None):
        if order is not None and row.get("orderAmount") is not None:
            sent = sum(
                (Decimal(str(d["taxIncludedAmount"])) for d in order["invoiceDetail"]),
                Decimal("0.00"),
            )
            if Decimal(str(row["orderAmount"])) != sent:
                raise PlatformError("MISMATCH", f"platform total {row['orderAmount']} != {sent}")
        return self._issue_result(row)

    @staticmethod
    def _issue_result(row):
        return IssueResult(
            order_no=row.get("orderNo", ""),
            serial=row["serialNo"],
            status=str(row["status"]),
            number=row.get("allElectronicInvoiceNumber"),
            issue_time_ms=row.get("invoiceTime"),
            message=row.get("failCause") or row.get("statusMsg") or "",
            files={k: row[k] for k in ("pdfUrl", "xmlUrl", "ofdUrl", "signatureUrl") if row.get(k)},
            total=Decimal(str(row["orderAmount"])) if row.get("orderAmount") is not None else None,
            paper_code=str(row["invoiceCode"]) if row.get("invoiceCode") else None,
            paper_number=str(row["invoiceNo"]) if row.get("invoiceNo") else None,
        )

    def list_invoices(self, start, end, page_size=100):
        """Invoices issued between ``start`` and ``end`` (datetimes, China time), all pages."""
        found, page = [], 1
        while True:
            envelope = self._checked(
                self.call(
                    "nuonuo.OpeMplatform.queryInvoiceList",
                    {
                        "startTime": f"{start:%Y-%m-%d %H:%M:%S}",
                        "endTime": f"{end:%Y-%m-%d %H:%M:%S}",
                        "pageNo": str(page),
                        "pageSize": str(page_size),
                    },
                )
            )
            result = envelope.get("result")
            if not isinstance(result, dict) or not isinstance(result.get("list"), list):
                raise PlatformError("BAD_RESPONSE", "queryInvoiceList without a list")
            try:
                found += [self._issue_result(row) for row in result["list"]]
            except (KeyError, ArithmeticError, TypeError) as err:
                raise PlatformError("BAD_RESPONSE", f"invoice list: {err!r}") from err
            if len(result["list"]) < page_size or len(found) >= int(result.get("total") or 0):
                return found
            page += 1

    # ------------------------------------------------------------ red letters
    def request_red_form(self, form):
        """Apply for a 红字确认单 (``form``: saveInvoiceRedConfirm payload with its billId) at most
        once, like ``issue``: an unknown outcome or a duplicate is answered by a query."""
        bill_id = form["billId"]
        payload = dict(form, redReason=RED_REASONS[form["redReason"]])
        last = None
        for attempt in range(self.config.max_attempts):
            if attempt:
                self.sleep(self._backoff(attempt - 1))
            try:
                envelope = self.call("nuonuo.OpeMplatform.saveInvoiceRedConfirm", payload)
            except PlatformError as err:
                last = err
                if err.unknown:
                    found = self.query_red_form(bill_id=bill_id)
                    if found:
                        return found
                if err.transient:
                    continue
                raise
            code = envelope["code"]
            if code in ("E0000", DUPLICATE):
                found = self.query_red_form(bill_id=bill_id)
                if found:
                    return found
                raise PlatformError(code, "red form accepted but not found", transient=True)
            if code in TRANSIENT_CODES:
                last = PlatformError(code, envelope.get("describe", ""), transient=True)
                continue
            raise PlatformError(code, envelope.get("describe", ""))
        raise last

    def query_red_form(self, bill_id=None, bill_no=None, bill_uuid=None):
        """One form by the applicant's key, the bureau's number or uuid; None when unknown."""
        keys = {"billId": bill_id, "billNo": bill_no, "billUuid": bill_uuid}
        forms = self.list_red_forms(identity="0", **{k: v for k, v in keys.items() if v})
        return forms[0] if forms else None

    def list_red_forms(self, identity="0", **criteria):
        """Forms as the seller (identity 0) sees them, all pages; ``criteria``: billStatus..."""
        forms, page = [], 1
        while True:
            envelope = self._checked(
                self.call(
                    "nuonuo.OpeMplatform.queryInvoiceRedConfirm",
                    {"identity": identity, "pageNo": str(page), "pageSize": "50", **criteria},
                )
            )
            result = envelope.get("result")
            if not isinstance(result, dict) or not isinstance(result.get("list"), list):
                raise PlatformError("BAD_RESPONSE", "queryInvoiceRedConfirm without a list")
            forms += [RedFormResult.from_nuonuo(item) for item in result["list"]]
            if len(result["list"]) < 50 or len(forms) >= int(result.get("total") or 0):
                return forms
            page += 1

    def confirm_red_form(self, bill_uuid, agree=True):
        """The seller confirms (or denies) a form the buyer raised (03)."""
        return self._operate_red_form(
            "nuonuo.OpeMplatform.confirm",
            {"billUuid": bill_uuid, "identity": "0", "confirmAgreement": "1" if agree else "0"},
            done=("04",) if agree else ("06",),
        )

    def cancel_red_form(self, bill_uuid):
        """The initiator revokes a pending form."""
        return self._operate_red_form(
            "nuonuo.OpeMplatform.confirmInfoCancel",
            {"billUuid": bill_uuid, "identity": "0"},
            done=("08",),
        )

    def _operate_red_form(self, method, payload, done):
        try:
            envelope = self.call(method, payload)
        except PlatformError as err:
            if not err.unknown:
                raise
            envelope = None
        form = self.query_red_form(bill_uuid=payload["billUuid"])
        if form and form.status in done:
            return form  # done now or by an earlier attempt whose answer was lost
        if envelope is None:
            raise PlatformError("TIMEOUT", "no answer", transient=True)
        self._checked(envelope)
        return form

    def fetch_red_invoice(self, form):
        """The red invoice the bureau issued for a confirmed form (fastInvoiceRed, then a
        query by serial); None while there is none."""
        serial = form.red_serial
        if not serial:
            envelope = self.call(
                "nuonuo.OpeMplatform.fastInvoiceRed",
                {"billNo": form.bill_no, "billUuid": form.bill_uuid},
            )
            if envelope["code"] != "E0000":
                return None
            serial = (envelope.get("result") or {}).get("invoiceSerialNum")
        return self.query_serial(serial) if serial else None

    def void_paper(self, serial, paper_code, paper_number):
        """作废 a 数电 paper invoice (invoiceCancellation: its serial, 发票代码 and 发票号码).
        Raises PlatformError unless the platform accepted the void; an unknown outcome is
        raised as such (a second void of a voided invoice is answered as done [U])."""
        envelope = self.call(
            "nuonuo.electronInvoice.invoiceCancellation",
            {"invoiceId": serial, "invoiceCode": paper_code, "invoiceNo": paper_number},
        )
        return self._checked(envelope).get("result") or {}

    def credit_line(self):
        """The month's 发票总额度 (tax excluded): {"total", "used", "available"} as Decimal.
        The platform answers this at most once per 30 s and 20 times a day: cache it."""
        envelope = self.call("nuonuo.OpeMplatform.getCreditLine", {})
        if envelope["code"] != "E0000":
            raise PlatformError(envelope["code"], envelope.get("describe", ""))
        result = envelope.get("result")
        try:
            return {
                "total": Decimal(str(result["totalCreditLine"])),
                "used": Decimal(str(result["usedCreditLine"])),
                "available": Decimal(str(result["availableCreditLine"])),
            }
        except (KeyError, TypeError, ArithmeticError) as err:
            raise PlatformError("BAD_RESPONSE", f"credit line: {err!r}") from err

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
