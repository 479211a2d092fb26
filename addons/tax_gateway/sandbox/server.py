"""Sandbox tax platform: a real HTTPS server that behaves like the tax platform.

Standalone process, no Odoo import:

    python addons/tax_gateway/sandbox/server.py --host 127.0.0.1 --port 8443 --data DIR

On first start it creates a CA and a server certificate in DIR (paths printed); clients verify the
server against DIR/ca.pem. State lives in DIR/sandbox.sqlite3 and survives restarts.
"""

import argparse
import json
import pathlib
import signal
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

if __package__ in (None, ""):  # run as a script: make the sibling modules importable
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    from pki import ensure_pki  # pylint: disable=import-error
else:
    from .pki import ensure_pki

VERSION = "0.1.0"


class SandboxHandler(BaseHTTPRequestHandler):
    server_version = f"FapiaoSandbox/{VERSION}"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet by default; --verbose turns it on
        if self.server.verbose:
            super().log_message(fmt, *args)

    def _send_json(self, status, payload):
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 (http.server API)
        if self.path.split("?")[0] == "/health":
            self._send_json(
                200,
                {
                    "status": "ok",
                    "version": VERSION,
                    "uptime": round(time.monotonic() - self.server.started, 3),
                },
            )
            return
        self._send_json(404, {"code": "E404", "describe": "not found"})


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, data_dir, verbose=False, require_client_cert=False):
        super().__init__(address, SandboxHandler)
        self.data_dir = pathlib.Path(data_dir)
        self.verbose = verbose
        self.started = time.monotonic()
        self.pki = ensure_pki(self.data_dir)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.pki["server_pem"], self.pki["server_key"])
        if require_client_cert:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(self.pki["ca_pem"])
        self.ssl_context = context
        self.socket = context.wrap_socket(self.socket, server_side=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--data", required=True, help="state, certificates and documents")
    parser.add_argument("--mtls", action="store_true", help="require a client certificate")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    server = SandboxServer((args.host, args.port), args.data, args.verbose, args.mtls)
    print(f"sandbox tax platform on https://{args.host}:{server.server_address[1]}", flush=True)
    print(f"CA certificate: {server.pki['ca_pem']}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
