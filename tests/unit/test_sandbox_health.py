import socket
import ssl
import subprocess
import sys
import time

import pytest
import requests
from sandbox.testing import SERVER, SandboxProcess


def test_health_over_verified_tls(sandbox):
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


def test_headers_are_read_whatever_their_case(sandbox):
    answer = raw_request(
        sandbox, b"GET /health HTTP/1.1\r\nhOsT: 127.0.0.1\r\nCONNECTION: close\r\n\r\n"
    )
    assert answer.startswith("HTTP/1.1 200") and '"status": "ok"' in answer
