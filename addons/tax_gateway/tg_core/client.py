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

import json
import random
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

import requests

from . import nuonuo

TRANSIENT_CODES = {"E9999", "070306"}
TOKEN_CODES = {"070101"}
DUPLICATE = "E9106"
NOT_FOUND = "E9500"
DONE, ISSUING, FAILED, SEAL_FAILED = "2", "20", "22", "24"


class PlatformError(Exception):
    """``code``: platform code or one of TIMEOUT, NETWORK, HTTP_5xx, BAD_RESPONSE, TLS, MISMATCH.

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
    base_url: str
    app_key: str
    app_secret: str
    user_tax: str
    ca_bundle: str | bool = True
    client_cert: tuple | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 8.0


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


class PlatformClient:
    """What the Odoo layer relies on; one implementation per platform dialect."""

    def health(self):
        raise NotImplementedError

    def issue(self, order):
        raise NotImplementedError

    def query(self, order_no):
        raise NotImplementedError


class NuonuoClient(PlatformClient):
    def __init__(
        self, config, token=None, on_token=None, session=None, sleep=time.sleep, on_call=None
    ):
        self.config = config
        self.token = token
        self.on_token = on_token  # persists a new token (the Odoo provider stores it)
        self.on_call = on_call  # request log: fn(method, seconds, http_status, code)
        self.session = session or requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=16)
        self.session.mount("https://", adapter)
        self.sleep = sleep

    # ------------------------------------------------------------ transport
    def _request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", (self.config.connect_timeout, self.config.read_timeout))
        kwargs.setdefault("verify", self.config.ca_bundle)
        if self.config.client_cert:
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

    def health(self):
        start = time.perf_counter()
        answer = self._request("GET", f"{self.config.base_url}/health")
        body = self._json(answer)
        body["latency_ms"] = round((time.perf_counter() - start) * 1000, 1)
        return body

    def fetch_token(self):
        answer = self._request(
            "POST",
            f"{self.config.base_url}{nuonuo.TOKEN_PATH}",
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
                    self.on_call(method, time.perf_counter() - start, status, code)
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

    def query(self, order_no, order=None):
        """The platform's state of one business key; checks the echoed amounts against ``order``."""
        envelope = self.call("nuonuo.OpeMplatform.queryInvoiceResult", {"orderNos": [order_no]})
        if envelope["code"] != "E0000":
            raise PlatformError(
                envelope["code"],
                envelope.get("describe", ""),
                transient=envelope["code"] in TRANSIENT_CODES,
            )
        results = envelope.get("result")
        if not isinstance(results, list) or not results or not isinstance(results[0], dict):
            raise PlatformError(
                "BAD_RESPONSE", "queryInvoiceResult without a result list", transient=True
            )
        row = results[0]
        if row.get("orderNo") != order_no or not row.get("serialNo") or not row.get("status"):
            raise PlatformError("BAD_RESPONSE", "result does not match the business key")
        if order is not None and row.get("orderAmount") is not None:
            sent = sum(
                (Decimal(str(d["taxIncludedAmount"])) for d in order["invoiceDetail"]),
                Decimal("0.00"),
            )
            if Decimal(str(row["orderAmount"])) != sent:
                raise PlatformError("MISMATCH", f"platform total {row['orderAmount']} != {sent}")
        return IssueResult(
            order_no=order_no,
            serial=row["serialNo"],
            status=str(row["status"]),
            number=row.get("allElectronicInvoiceNumber"),
            issue_time_ms=row.get("invoiceTime"),
            message=row.get("failCause") or row.get("statusMsg") or "",
            files={k: row[k] for k in ("pdfUrl", "xmlUrl", "ofdUrl", "signatureUrl") if row.get(k)},
        )

    def credit_line(self):
        envelope = self.call("nuonuo.OpeMplatform.getCreditLine", {})
        if envelope["code"] != "E0000":
            raise PlatformError(envelope["code"], envelope.get("describe", ""))
        return {k: Decimal(v) for k, v in envelope["result"].items()}

    def download(self, url):
        answer = self._request("GET", url)
        if answer.status_code != 200:
            raise PlatformError(f"HTTP_{answer.status_code}", url, transient=True)
        return answer.content


def new_order_no():
    """A 20-character business key (Nuonuo's orderNo is at most 20)."""
    return "TG" + uuid.uuid4().hex[:18].upper()
