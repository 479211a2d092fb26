import pathlib
import socket
import ssl
import subprocess
import sys
import threading
import time

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from fapiao_core.client import Config, PlatformError
from fapiao_core.nuonuo import NuonuoClient
from sandbox.testing import SERVER, SandboxProcess


def test_health_over_verified_tls(sandbox_with_health):
    sandbox = sandbox_with_health
    answer = requests.get(f"{sandbox.url}/health", verify=sandbox.ca, timeout=5)
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok" and body["version"] and body["uptime"] >= 0


def test_untrusted_ca_is_refused(sandbox):
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{sandbox.url}/health", timeout=5)  # system CAs do not know the sandbox


def test_tls_below_1_2_refused(sandbox):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(sandbox.ca)
    context.maximum_version = ssl.TLSVersion.TLSv1_1
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as raw:
        with pytest.raises(ssl.SSLError):
            with context.wrap_socket(raw, server_hostname="127.0.0.1"):
                pass


def test_restart_keeps_its_ca(tmp_path):
    first = SandboxProcess(tmp_path / "data").start()
    ca_before = (tmp_path / "data" / "ca.pem").read_bytes()
    first.stop()
    second = SandboxProcess(tmp_path / "data").start()
    try:
        assert (tmp_path / "data" / "ca.pem").read_bytes() == ca_before
        assert requests.get(f"{second.url}/health", verify=second.ca, timeout=5).ok
    finally:
        second.stop()


def test_mutual_tls_requires_client_certificate(tmp_path):
    proc = SandboxProcess(tmp_path / "m", extra=["--mtls"])
    proc.data_dir.mkdir(parents=True)
    # start() polls /health without a client certificate: do the polling by hand here
    proc.proc = subprocess.Popen(
        [
            sys.executable,
            str(SERVER),
            "--port",
            str(proc.port),
            "--data",
            str(proc.data_dir),
            "--mtls",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        cert = (str(proc.data_dir / "client.pem"), str(proc.data_dir / "client.key"))
        for _ in range(100):
            try:
                ok = requests.get(f"{proc.url}/health", verify=proc.ca, cert=cert, timeout=1)
                break
            except (requests.ConnectionError, OSError):
                time.sleep(0.1)
        assert ok.status_code == 200
        with pytest.raises((requests.exceptions.SSLError, requests.exceptions.ConnectionError)):
            requests.get(f"{proc.url}/health", verify=proc.ca, timeout=5)
        # the platform client (its own TLS context) presents the certificate it is given
        values = dict(
            base_url=proc.url,
            app_key=proc.APP_KEY,
            app_secret=proc.APP_SECRET,
            user_tax="91110000600037341L",
            ca_bundle=proc.ca,
            max_attempts=1,
        )
        assert NuonuoClient(Config(client_cert=cert, **values)).fetch_token()
        with pytest.raises(PlatformError) as refused:
            NuonuoClient(Config(**values)).fetch_token()
        assert refused.value.code in ("TLS", "NETWORK")
        # a client key protected by a passphrase (requests alone cannot open one)
        locked = tmp_path / "client-locked.key"
        key = serialization.load_pem_private_key(pathlib.Path(cert[1]).read_bytes(), None)
        locked.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(b"s3cret passphrase"),
            )
        )
        locked_cert = (cert[0], str(locked))
        assert NuonuoClient(
            Config(client_cert=locked_cert, client_key_password="s3cret passphrase", **values)
        ).fetch_token()
        with pytest.raises(PlatformError) as refused:
            NuonuoClient(Config(client_cert=locked_cert, client_key_password="wrong", **values))
        assert refused.value.code == "TLS" and "passphrase" in refused.value.message
    finally:
        proc.stop()


def raw_request(sandbox, data):
    context = ssl.create_default_context(cafile=sandbox.ca)
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            tls.sendall(data)
            answer = b""
            while chunk := tls.recv(65536):  # the server closes the connection after
                answer += chunk
            return answer.decode("iso-8859-1")


@pytest.mark.parametrize(
    "data",
    [
        b"NONSENSE\r\n\r\n",
        b"GET /health HTTP/2.0\r\n\r\n",
        b"GET /health HTTP/1.1\r\nno colon here\r\n\r\n",
        b"GET /health HTTP/1.1\r\n" + b"X-Many: 1\r\n" * 101 + b"\r\n",
    ],
)
def test_malformed_requests_are_refused(sandbox, data):
    assert raw_request(sandbox, data).split(" ", 2)[1] in ("400", "431")


def test_headers_are_read_whatever_their_case(sandbox_with_health):
    sandbox = sandbox_with_health
    answer = raw_request(
        sandbox, b"GET /health HTTP/1.1\r\nhOsT: 127.0.0.1\r\nCONNECTION: close\r\n\r\n"
    )
    assert answer.startswith("HTTP/1.1 200") and '"status": "ok"' in answer


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1:DeprecationWarning")
def test_client_refuses_a_platform_below_tls_1_2(sandbox):
    """A server that speaks at most TLS 1.1 (with the sandbox's certificate): reachable when a
    client allows it, refused by the platform client whatever the system's OpenSSL allows."""
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.minimum_version = ssl.TLSVersion.TLSv1
    server_context.maximum_version = ssl.TLSVersion.TLSv1_1
    server_context.set_ciphers("DEFAULT:@SECLEVEL=0")
    data = pathlib.Path(sandbox.ca).parent
    server_context.load_cert_chain(data / "server.pem", data / "server.key")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve(count):
        for _ in range(count):
            conn, _addr = listener.accept()
            try:
                with server_context.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass

    thread = threading.Thread(target=serve, args=(2,), daemon=True)
    thread.start()
    try:
        # control: the old protocol does get through to a client that accepts it
        lax = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        lax.load_verify_locations(sandbox.ca)
        lax.minimum_version = ssl.TLSVersion.TLSv1
        lax.set_ciphers("DEFAULT:@SECLEVEL=0")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            with lax.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                assert tls.version() == "TLSv1.1"
        client = NuonuoClient(
            Config(
                base_url=f"https://127.0.0.1:{port}",
                app_key="k",
                app_secret="s",
                user_tax="91110000600037341L",
                ca_bundle=sandbox.ca,
                max_attempts=1,
            )
        )
        with pytest.raises(PlatformError) as refused:
            client.fetch_token()
        assert refused.value.code == "TLS"
        adapter = client.session.get_adapter(f"https://127.0.0.1:{port}")
        context = adapter.poolmanager.connection_pool_kw["ssl_context"]
        assert context.minimum_version == ssl.TLSVersion.TLSv1_2
        # and it trusts the provider's CA bundle alone, not the system's CAs as well
        assert context.cert_store_stats()["x509_ca"] == 1
    finally:
        thread.join(5)
        listener.close()
