"""Sandbox tax platform: a real HTTPS server that behaves like the tax platform.

Standalone process, no Odoo import:

    python addons/tax_gateway/sandbox/server.py --host 127.0.0.1 --port 8443 --data DIR

On first start it creates a CA and a server certificate in DIR (paths printed); clients verify the
server against DIR/ca.pem. State lives in DIR/sandbox.sqlite3 and survives restarts.
"""

import argparse
import base64
import collections
import hashlib
import hmac
import json
import pathlib
import secrets
import signal
import socket
import ssl
import struct
import sys
import threading
import time
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HERE = pathlib.Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # sibling modules only: the sandbox imports nothing of fapiao_core
    sys.path.insert(0, str(HERE))

import baiwang  # noqa: E402  pylint: disable=import-error,wrong-import-position
from pki import (  # noqa: E402  pylint: disable=import-error,wrong-import-position
    ca_der,
    crl_der,
    ensure_pki,
    ocsp_der,
    revoke,
)
from platform_logic import Platform, envelope  # noqa: E402  pylint: disable=import-error
from store import Store  # noqa: E402  pylint: disable=import-error

# Nuonuo's open platform as its published documentation describes it: tokens at /accessToken
# (自用型应用), services at /open/v1/services, each request signed (签名机制)
TOKEN_PATH = "/accessToken"
SERVICES_PATH = "/open/v1/services"


def signature_ok(app_secret, appkey, senid, nonce, timestamp, body, sign):
    """X-Nuonuo-Sign: Base64(HMAC-SHA1(appSecret, "a=services&l=v1&p=open&k=<appkey>&i=<senid>
    &n=<nonce>&t=<timestamp>&f=<body>")), over the body as sent."""
    text = f"a=services&l=v1&p=open&k={appkey}&i={senid}&n={nonce}&t={timestamp}&f="
    mac = hmac.new(app_secret.encode(), text.encode() + body, hashlib.sha1).digest()
    return hmac.compare_digest(base64.b64encode(mac).decode(), sign or "")


VERSION = "0.2.0"
TOKEN_TTL = 24 * 3600
# [U] the answer to a call over the platform's rate cap: the sandbox's own code (neither
# Nuonuo's nor Baiwang's refusal is published); the connector retries it later
RATE_LIMITED = "070308"
FAULTS = {
    "latency",
    "timeout",
    "5xx",
    "reset",
    "lost_after_commit",
    "garbage",
    "bad_signature",
    "expired_cert",
    "ocsp",  # the CA's OCSP responder answers 503 (a client then reads the CRL)
    "fail_issue",
    "seal_fail",
    "slow_issue",
    "document_redirect",
}
# faults met on a document download (GET /files/...), not on a signed call
FILE_FAULTS = {"document_redirect"}


MAX_HEADERS = 100
MAX_LINE = 65536


class Headers(dict):
    """Request headers by lower-cased name (what the handler reads of them)."""

    def get(self, name, default=None):
        return super().get(name.lower(), default)

    def __getitem__(self, name):
        return super().get(name.lower())


class SandboxHandler(BaseHTTPRequestHandler):
    server_version = f"FapiaoSandbox/{VERSION}"
    protocol_version = "HTTP/1.1"
    # headers and body go out as separate writes: without TCP_NODELAY, Nagle's algorithm and
    # the client's delayed ACK hold each keep-alive answer ~40 ms (22 answers/s per client)
    disable_nagle_algorithm = True

    def date_time_string(self, timestamp=None):
        """The Date header, by the platform's clock."""
        return super().date_time_string(self.server.now() if timestamp is None else timestamp)

    def parse_request(self):
        """The request line and headers of HTTP/1.x. The standard library parses headers with
        the email package, which took 40 % of the sandbox's time per request."""
        self.command = None
        self.request_version = self.default_request_version
        self.close_connection = True
        self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = self.requestline.split()
        if len(words) != 3 or not words[2].startswith("HTTP/1."):
            self.request_version = "HTTP/1.0"  # the error gets a status line, then the end
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request ({self.requestline!r})")
            return False
        self.command, self.path, self.request_version = words
        headers = Headers()
        for _ in range(MAX_HEADERS + 1):
            line = self.rfile.readline(MAX_LINE + 1)
            if len(line) > MAX_LINE:
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long")
                return False
            if line in (b"\r\n", b"\n", b""):
                break
            name, colon, value = line.decode("iso-8859-1").partition(":")
            if not colon:
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad header line ({line[:80]!r})")
                return False
            headers[name.strip().lower()] = value.strip()
        else:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers")
            return False
        self.headers = headers
        connection = headers.get("Connection", "").lower()
        self.close_connection = connection == "close" or (
            self.request_version == "HTTP/1.0" and connection != "keep-alive"
        )
        return True

    def log_message(self, fmt, *args):  # quiet by default; --verbose turns it on
        if self.server.verbose:
            super().log_message(fmt, *args)

    # ------------------------------------------------------------- helpers
    def _send(self, status, body, content_type="application/json; charset=utf-8"):
        if isinstance(body, dict | list):
            body = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reset_connection(self):
        """Drop the TCP connection with a RST and no answer, as a broken network would."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    # -------------------------------------------------------------- routes
    def _host(self):
        return (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]").lower()

    def _on_token_host(self):
        """With --token-host, tokens are served on that host name only and services only on
        the others, as on the platform (open.nuonuo.com against sdk.nuonuo.com)."""
        return self._host() == self.server.token_host if self.server.token_host else None

    def do_GET(self):  # noqa: N802 (http.server API)
        path = urlsplit(self.path).path
        if path == "/health" and self.server.health:  # a convenience: the platform has none
            self._send(
                200,
                {
                    "status": "ok",
                    "version": VERSION,
                    "uptime": round(time.monotonic() - self.server.started, 3),
                },
            )
        elif path == "/pki/ca.crl":  # the CA's revocation list, as a public CA serves it
            self._send(200, crl_der(self.server.pki, self.server.data_dir), "application/pkix-crl")
        elif path == "/pki/ca.der":  # the issuer, for clients that do not hold it (AIA)
            self._send(200, ca_der(self.server.pki), "application/pkix-cert")
        elif path.startswith("/files/"):
            fault = self.server.take_fault("files")
            if fault:  # the document "moved": to itself, which a careful client still refuses
                self.send_response(302)
                self.send_header("Location", self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            parts = path.split("/")
            if len(parts) == 4 and "." in parts[3]:
                token, ext = parts[3].rsplit(".", 1)
                found = self.server.platform.document(parts[2], token, ext)
                if found:
                    self._send(200, found[1], found[0])
                    return
            self._send(404, envelope("E9500", "文件不存在"))
        else:
            self._send(404, envelope("E404", "not found"))

    def do_POST(self):  # noqa: N802 (http.server API)
        parts = urlsplit(self.path)
        body = self._body()
        on_token_host = self._on_token_host()
        if parts.path == TOKEN_PATH and on_token_host is not False:
            self._access_token(body)
        elif parts.path == SERVICES_PATH and not on_token_host:
            self._services(parse_qs(parts.query), body)
        elif parts.path == baiwang.ROUTER_PATH:  # Baiwang: tokens and services on one router
            self._baiwang(parts.query, body)
        elif parts.path == "/pki/ocsp":  # the CA's OCSP responder
            if self.server.take_fault("ocsp"):
                self._send(503, b"", "application/ocsp-response")
                return
            answer = ocsp_der(self.server.pki, self.server.data_dir, body)
            self._send(200, answer, "application/ocsp-response")
        elif parts.path == "/admin/revoke" and self.server.admin:
            if self.headers.get("X-Sandbox-Admin") != self.server.admin_secret:
                self._send(403, envelope("E403", "forbidden"))
                return
            stem = json.loads(body.decode("utf-8") or "{}").get("cert", "server")
            serial = revoke(self.server.data_dir, self.server.pki[f"{stem}_pem"])
            self._send(200, envelope("E0000", "", {"serial": f"{serial:x}"}))
        elif parts.path == "/admin/faults" and self.server.admin:
            self._admin_faults(body)
        elif parts.path in ("/admin/buyer", "/admin/clock", "/admin/drawer") and self.server.admin:
            self._admin_bureau(parts.path, body)
        else:
            self._send(404, envelope("E404", "not found"))

    def _access_token(self, body):
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}
        if form.get("grant_type") != "client_credentials" or not self.server.credentials_ok(
            form.get("client_id"), form.get("client_secret")
        ):
            self._send(
                200, {"error": "070101", "error_description": "client_id 或 client_secret 错误"}
            )
            return
        token = secrets.token_hex(16)
        with self.server.store.transaction() as db:
            db.execute(
                "INSERT INTO tokens (token, appkey, expires) VALUES (?, ?, ?)",
                (token, form["client_id"], time.time() + TOKEN_TTL),
            )
        self._send(200, {"access_token": token, "expires_in": TOKEN_TTL})

    def _services(self, query, body):
        appkey = (query.get("appkey") or [""])[0]
        self._serve(
            appkey, self.headers.get("method"), lambda: self._dispatch(query, body), envelope
        )

    def _baiwang(self, query, body):
        params = {k: v[0] for k, v in parse_qs(query).items()}
        dialect = self.server.baiwang
        if params.get("method") == "baiwang.oauth.token":
            self._send(200, dialect.token(params, body))
            return
        self._serve(
            params.get("appKey", ""),
            params.get("method"),
            lambda: dialect.dispatch(params, body),
            baiwang.refused,
        )

    def _serve(self, appkey, method, answer_of, refusal):
        """One service call of a dialect: the platform's latency and rate cap, the faults
        asked for, then the dialect's answer (``answer_of()``); ``refusal(code, message)``
        words a refusal in the dialect."""
        if self.server.latency:
            time.sleep(self.server.latency)
        if not self.server.take_rate(appkey):
            self._send(200, refusal(RATE_LIMITED, "调用频率超过限制"))
            return
        fault = self.server.take_fault("services", method)
        if fault:
            mode = fault["fault"]
            if mode in ("latency", "timeout"):
                time.sleep(float(fault.get("seconds", 1.0)))
            elif mode == "5xx":
                self._send(503, refusal("E9999", "服务暂不可用"))
                return
            elif mode == "reset":
                self._reset_connection()
                return
            elif mode == "garbage":
                self._send(200, b"<html><body>502 Bad Gateway</body></html>", "text/html")
                return
        answer = answer_of()
        if fault and fault["fault"] == "lost_after_commit":
            self._reset_connection()
            return
        self._send(200, answer)

    def _dispatch(self, query, body):
        q = {k: v[0] for k, v in query.items()}
        appkey = q.get("appkey")
        secret = self.server.apps.get(appkey)
        if not secret:
            return envelope("070305", "appkey 不存在")
        token = self.headers.get("accessToken")
        row = self.server.store.one(
            "SELECT expires FROM tokens WHERE token = ? AND appkey = ?", (token, appkey)
        )
        if not row or row["expires"] < time.time():
            return envelope("070101", "accessToken 无效或已过期")
        if not signature_ok(
            secret,
            appkey,
            q.get("senid", ""),
            q.get("nonce", ""),
            q.get("timestamp", ""),
            body,
            self.headers.get("X-Nuonuo-Sign"),
        ):
            return envelope("070304", "签名校验失败")
        stamp = q.get("timestamp", "")
        skew = self.server.max_clock_skew
        if skew and (
            not stamp.isdigit() or abs(int(stamp) - self.server.now()) > skew
        ):  # [U] the platform's window and code; a signed request is not valid for ever
            return envelope("070307", "timestamp 与平台时间相差过大")
        try:
            payload = json.loads(body.decode("utf-8")) if body else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            return envelope("E9000", "请求报文格式错误")
        tax_num = self.headers.get("userTax") or ""
        method = self.headers.get("method")
        platform = self.server.platform
        if method == "nuonuo.OpeMplatform.requestBillingNew":
            answer = platform.request_billing(tax_num, payload)
            if answer["code"] == "E0000":
                platform.take_bad_signature(answer["result"]["invoiceSerialNum"])
            return answer
        if method == "nuonuo.OpeMplatform.queryInvoiceResult":
            return platform.query_result(tax_num, payload)
        if method == "nuonuo.OpeMplatform.queryInvoiceList":
            return platform.list_invoices(tax_num, payload)
        session_methods = {
            "nuonuo.OpeMplatform.getCertificationStatus": platform.certification_status,
            "nuonuo.OpeMplatform.getQrCode": platform.qr_code,
            "nuonuo.OpeMplatform.verifyComplete": platform.verify_complete,
        }
        if method in session_methods:
            return session_methods[method](tax_num, payload)
        if method == "nuonuo.OpeMplatform.reInvoice":
            return platform.reissue(tax_num, payload)
        if method == "nuonuo.electronInvoice.invoiceCancellation":
            return platform.void_invoice(tax_num, payload)
        if method == "nuonuo.OpeMplatform.getCreditLine":
            return platform.credit_line_of(tax_num, payload)
        red_methods = {
            "nuonuo.OpeMplatform.saveInvoiceRedConfirm": platform.save_red_form,
            "nuonuo.OpeMplatform.queryInvoiceRedConfirm": platform.query_red_forms,
            "nuonuo.OpeMplatform.confirm": platform.confirm_red_form,
            "nuonuo.OpeMplatform.confirmInfoCancel": platform.cancel_red_form,
            "nuonuo.OpeMplatform.fastInvoiceRed": platform.fast_red,
        }
        if method in red_methods:
            return red_methods[method](tax_num, payload)
        return envelope("E9000", f"不支持的接口 {method}")

    def _admin_bureau(self, path, body):
        """What happens at the bureau outside this connector: the buyer's actions, time."""
        if self.headers.get("X-Sandbox-Admin") != self.server.admin_secret:
            self._send(403, envelope("E403", "forbidden"))
            return
        try:
            spec = json.loads(body.decode("utf-8") or "{}")
        except json.JSONDecodeError:
            self._send(400, envelope("E9000", "bad json"))
            return
        platform = self.server.platform
        if path == "/admin/clock":
            platform.clock_offset += float(spec.get("advance", 0))
            if "skew" in spec:  # the platform's own clock (its Date header, the timestamp check)
                self.server.clock_skew = float(spec["skew"])
            self._send(
                200,
                envelope(
                    "E0000", "", {"offset": platform.clock_offset, "skew": self.server.clock_skew}
                ),
            )
            return
        if path == "/admin/drawer":
            try:
                self._send(200, platform.drawer_action(spec))
            except KeyError as err:
                self._send(400, envelope("E9000", f"missing {err}"))
            return
        try:
            self._send(200, platform.buyer_action(spec))
        except KeyError as err:
            self._send(400, envelope("E9000", f"missing {err}"))

    def _admin_faults(self, body):
        if self.headers.get("X-Sandbox-Admin") != self.server.admin_secret:
            self._send(403, envelope("E403", "forbidden"))
            return
        try:
            spec = json.loads(body.decode("utf-8") or "{}")
        except json.JSONDecodeError:
            self._send(400, envelope("E9000", "bad json"))
            return
        if spec.get("fault") == "status":
            pass
        elif spec.get("fault") == "clear":
            self.server.clear_faults()
        elif spec.get("fault") not in FAULTS:
            self._send(400, envelope("E9000", f"unknown fault, one of {sorted(FAULTS)}"))
            return
        else:
            self.server.add_fault(spec)
        self._send(
            200,
            envelope(
                "E0000",
                "",
                {
                    "pending": self.server.pending_faults(),
                    "service_calls": self.server.service_calls,
                    "rate_refusals": self.server.rate_refusals,
                },
            ),
        )


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        address,
        data_dir,
        verbose=False,
        require_client_cert=False,
        app_key="sandbox-app-key",
        app_secret="sandbox-app-secret",
        issue_delay=0.0,
        credit_line="10000000.00",
        health=True,
        token_host=None,
        documents=("xml", "sig", "pdf"),
        max_lines=2000,
        admin=True,
        hostnames=(),
        public_url=None,
        max_clock_skew=300,
        latency_ms=0,
        rate_cap=0,
        baiwang_user=None,
    ):
        super().__init__(address, SandboxHandler)
        # a real platform's answer time, and its cap on calls per application key and second
        # (Baiwang documents 20 calls/s; Nuonuo's cap is not published [U]); calls over the cap
        # are refused (RATE_LIMITED) and counted
        self.latency = max(0, latency_ms) / 1000.0
        self.rate_cap = max(0, rate_cap)
        self._calls = {}  # appkey -> deque of the last second's call times
        self._rate_lock = threading.Lock()
        self.rate_refusals = 0
        self.service_calls = 0
        self.clock_skew = 0.0  # seconds the platform's clock is ahead (set by /admin/clock)
        self.max_clock_skew = max_clock_skew
        self.admin = admin  # the /admin routes (faults, the buyer's and drawer's side, time)
        self.health = health
        self.token_host = (token_host or "").lower() or None
        self.data_dir = pathlib.Path(data_dir)
        self.verbose = verbose
        self.started = time.monotonic()
        # the names clients reach it by (a compose service's name) are in its certificate, and
        # its address, where its CA answers whether a certificate was revoked (CRL, OCSP)
        reachable = (public_url or f"https://{address[0]}:{self.server_address[1]}").rstrip("/")
        self.pki = ensure_pki(
            self.data_dir, ("localhost", "127.0.0.1", *hostnames), revocation_url=reachable
        )
        self.apps = {app_key: app_secret}
        self.admin_secret = app_secret
        self.store = Store(str(self.data_dir / "sandbox.sqlite3"))
        base_url = (public_url or f"https://{address[0]}:{self.server_address[1]}").rstrip("/")
        self.platform = Platform(
            self.store,
            self.pki,
            base_url,
            issue_delay=issue_delay,
            credit_line=Decimal(credit_line),
            documents=documents,
            max_lines=max_lines,
        )
        self.baiwang = baiwang.Baiwang(self, **(baiwang_user or {}))
        self._faults = []
        self._faults_lock = threading.Lock()
        self.ssl_context = self._context("server", require_client_cert)
        self.expired_context = self._context("expired", require_client_cert)
        self.ssl_context.sni_callback = self._choose_certificate
        self.socket = self.ssl_context.wrap_socket(
            self.socket, server_side=True, do_handshake_on_connect=False
        )

    def take_rate(self, appkey):
        """Whether a call of ``appkey`` fits the cap (a sliding second); counts refusals."""
        with self._rate_lock:
            self.service_calls += 1
            if not self.rate_cap:
                return True
            now = time.monotonic()
            window = self._calls.setdefault(appkey, collections.deque())
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= self.rate_cap:
                self.rate_refusals += 1
                return False
            window.append(now)
            return True

    def now(self):
        """The platform's clock: the machine's, moved by the clock skew under test."""
        return time.time() + self.clock_skew

    def _context(self, stem, require_client_cert):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.pki[f"{stem}_pem"], self.pki[f"{stem}_key"])
        if require_client_cert:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(self.pki["ca_pem"])
        return context

    def _choose_certificate(self, ssl_socket, _server_name, _context):
        if self.take_fault("handshake"):
            ssl_socket.context = self.expired_context

    def finish_request(self, request, client_address):
        try:
            request.do_handshake()
        except (ssl.SSLError, OSError):
            request.close()
            return
        super().finish_request(request, client_address)

    def credentials_ok(self, app_key, app_secret):
        return bool(app_key) and self.apps.get(app_key) == app_secret

    # faults ---------------------------------------------------------------
    def add_fault(self, spec):
        with self._faults_lock:
            if spec["fault"] in ("fail_issue", "seal_fail"):
                for _ in range(int(spec.get("count", 1))):
                    self.platform.next_outcome.append(
                        "fail" if spec["fault"] == "fail_issue" else "seal_fail"
                    )
            elif spec["fault"] == "slow_issue":  # the next issues stay 20 for ``seconds``
                for _ in range(int(spec.get("count", 1))):
                    self.platform.next_delays.append(float(spec.get("seconds", 60)))
            elif spec["fault"] == "bad_signature":
                for _ in range(int(spec.get("count", 1))):
                    self.platform.mark_bad_signature_next()
            else:
                self._faults.append({"count": int(spec.get("count", 1)), **spec})

    def clear_faults(self):
        with self._faults_lock:
            self._faults.clear()
            self.platform.next_outcome.clear()
            self.platform.next_delays.clear()
            self.platform.bad_signatures = 0

    def pending_faults(self):
        with self._faults_lock:
            return [dict(f) for f in self._faults]

    def take_fault(self, where, method=None):
        """Consume one pending fault that applies to ``where`` ("services", "handshake" or
        "files") and, when the fault names one, to the platform ``method`` called."""
        with self._faults_lock:
            for fault in self._faults:
                if _fault_place(fault["fault"]) != where:
                    continue
                if fault.get("method") and fault["method"] != method:
                    continue
                fault["count"] -= 1
                if fault["count"] <= 0:
                    self._faults.remove(fault)
                return dict(fault)
        return None


def _fault_place(name):
    if name == "expired_cert":
        return "handshake"
    if name == "ocsp":
        return "ocsp"
    return "files" if name in FILE_FAULTS else "services"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--data", required=True, help="state, certificates and documents")
    parser.add_argument("--mtls", action="store_true", help="require a client certificate")
    parser.add_argument("--app-key", default="sandbox-app-key")
    parser.add_argument("--app-secret", default="sandbox-app-secret")
    parser.add_argument(
        "--issue-delay",
        type=float,
        default=0.0,
        help="seconds an invoice stays in status 20 (开票中) before it is issued",
    )
    parser.add_argument("--credit-line", default="10000000.00", help="monthly 发票总额度")
    parser.add_argument(
        "--no-health",
        action="store_true",
        help="no /health route (the platform has none; the tests run without it)",
    )
    parser.add_argument(
        "--token-host",
        help="serve tokens on this host name only, and services only on the others",
    )
    parser.add_argument(
        "--documents",
        default="xml,sig,pdf",
        help="documents an issued invoice names: of xml, sig (the sandbox's own detached "
        "signature), pdf; e.g. 'pdf' for an account that gets no XML",
    )
    parser.add_argument(
        "--max-lines", type=int, default=2000, help="lines a fapiao may have at most [U]"
    )
    parser.add_argument(
        "--no-admin",
        action="store_true",
        help="no /admin routes (faults, the buyer's and the drawer's side, the clock)",
    )
    parser.add_argument(
        "--hostname",
        action="append",
        default=[],
        help="a name clients reach the sandbox by, put in its certificate (repeatable)",
    )
    parser.add_argument(
        "--public-url",
        help="the address clients reach the sandbox at, in the documents' URLs "
        "(default: https://HOST:PORT)",
    )
    parser.add_argument(
        "--max-clock-skew",
        type=int,
        default=300,
        help="seconds a request's timestamp may be off the platform's clock [U] (0: no check)",
    )
    parser.add_argument(
        "--latency-ms",
        type=int,
        default=0,
        help="milliseconds each service call waits before its answer (a real platform: 50-300)",
    )
    parser.add_argument(
        "--rate-cap",
        type=int,
        default=0,
        help="service calls per application key and second; more are refused with "
        "RATE_LIMITED and counted (0: no cap)",
    )
    parser.add_argument("--baiwang-user", default="sandbox-user")
    parser.add_argument("--baiwang-password", default="sandbox-password")
    parser.add_argument("--baiwang-salt", default="sandbox-salt")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    server = SandboxServer(
        (args.host, args.port),
        args.data,
        args.verbose,
        args.mtls,
        args.app_key,
        args.app_secret,
        args.issue_delay,
        args.credit_line,
        health=not args.no_health,
        token_host=args.token_host,
        documents=tuple(filter(None, args.documents.split(","))),
        max_lines=args.max_lines,
        admin=not args.no_admin,
        hostnames=tuple(args.hostname),
        public_url=args.public_url,
        max_clock_skew=args.max_clock_skew,
        latency_ms=args.latency_ms,
        rate_cap=args.rate_cap,
        baiwang_user={
            "user": args.baiwang_user,
            "password": args.baiwang_password,
            "salt": args.baiwang_salt,
        },
    )
    print(f"sandbox tax platform on https://{args.host}:{server.server_address[1]}", flush=True)
    print(f"CA certificate: {server.pki['ca_pem']}", flush=True)
    print(f"Document signing key (SM2): {server.pki['sign_sm2_pub_pem']}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
