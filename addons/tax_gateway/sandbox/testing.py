"""Start the sandbox as its own process, for tests, the demo and benchmarks (no Odoo import)."""

import os
import pathlib
import socket
import ssl
import subprocess
import sys
import time

import requests

SERVER = pathlib.Path(__file__).resolve().parent / "server.py"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SandboxAdmin:
    """What happens at the bureau, told to a running sandbox through its admin routes: faults,
    the buyer, the drawer, its clocks, its CA. ``make demo`` plays its working day with it."""

    APP_KEY = "sandbox-app-key"
    APP_SECRET = "sandbox-app-secret"
    # the platform user a Baiwang token is asked for (server.py --baiwang-*)
    BAIWANG_USER = "sandbox-user"
    BAIWANG_PASSWORD = "sandbox-password"
    BAIWANG_SALT = "sandbox-salt"

    def __init__(self, url, ca):
        self._url = url
        self._ca = ca

    @property
    def url(self):
        return self._url

    @property
    def ca(self):
        return self._ca

    def _admin(self, path, spec):
        answer = requests.post(
            f"{self.url}{path}",
            json=spec,
            headers={"X-Sandbox-Admin": self.APP_SECRET},
            verify=self.ca,
            timeout=5,
        )
        answer.raise_for_status()
        return answer.json()

    def fault(self, fault, **spec):
        """Tell the running sandbox to misbehave (see server.FAULTS); "clear" removes all."""
        return self._admin("/admin/faults", {"fault": fault, **spec})

    def buyer(self, action, **spec):
        """Play the buyer at the bureau: use_confirm / raise / confirm / deny (red_forms.py)."""
        return self._admin("/admin/buyer", {"action": action, **spec})

    def drawer(self, action):
        """The drawer at the bureau: logout, identity_due, scan, sms (the texted code)."""
        return self._admin("/admin/drawer", {"action": action})["result"]

    def advance_clock(self, seconds):
        """Move the bureau's clock of red forms forward (the 72 h expiry)."""
        return self._admin("/admin/clock", {"advance": seconds})

    def revoke(self, cert="server"):
        """Revoke one of the sandbox's certificates (server, client, expired) at its CA."""
        return self._admin("/admin/revoke", {"cert": cert})

    def skew_clock(self, seconds):
        """Set the platform's own clock ``seconds`` ahead of the machine's (negative: behind):
        its Date header, and the window it checks signed timestamps against."""
        return self._admin("/admin/clock", {"skew": seconds})


class SandboxProcess(SandboxAdmin):
    """The sandbox started as its own process, the way the demo and Odoo tests start it."""

    def __init__(self, data_dir, extra=(), port=None, platform_like=False):
        """``platform_like``: without the sandbox's conveniences (no /health; tokens on
        their own host, ``localhost``, and services on ``127.0.0.1``), as on the platform."""
        self.data_dir = pathlib.Path(data_dir)
        self.port = port or free_port()
        self.extra = list(extra)
        if platform_like:
            self.extra += ["--no-health", "--token-host", "localhost"]
        self.token_host = "localhost" if platform_like else "127.0.0.1"
        self.proc = None

    @property
    def url(self):
        return f"https://127.0.0.1:{self.port}"

    @property
    def token_url(self):
        return f"https://{self.token_host}:{self.port}/accessToken"

    @property
    def ca(self):
        return str(self.data_dir / "ca.pem")

    @property
    def signing_key(self):
        """The public key the sandbox's documents are signed with (SM2)."""
        return str(self.data_dir / "sign-sm2.pub.pem")

    def start(self):
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(SERVER),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--data",
                str(self.data_dir),
                *self.extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=dict(os.environ),
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.proc.stdout.read().decode())
            if self._serving():
                return self
            time.sleep(0.1)
        raise RuntimeError("sandbox did not start")

    def _serving(self):
        """A TLS handshake succeeds: certificates written and requests served (no route is
        needed; the platform has no health route)."""
        if not pathlib.Path(self.ca).exists():
            return False
        try:
            context = ssl.create_default_context(cafile=self.ca)
        except ssl.SSLError:
            return False  # the CA file is being written: not yet
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as raw:
                with context.wrap_socket(raw, server_hostname="127.0.0.1"):
                    return True
        except ssl.SSLError:
            return "--mtls" in self.extra  # it asks for a client certificate: it serves
        except OSError:
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
