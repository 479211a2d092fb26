"""Connection diagnostics for a platform endpoint: DNS, TCP, TLS, authentication, a call.

Each step returns {"step", "ok", "detail", "ms"}; the run stops at the first failing step.
"""

import datetime
import socket
import ssl
import time
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID

from .client import PlatformError

# the platform refuses a signature whose timestamp is this far from its clock (Nuonuo: [U]; 5
# minutes is the usual window of signed APIs)
MAX_CLOCK_SKEW = 300


def _step(name, fn):
    start = time.perf_counter()
    try:
        detail = fn()
        ok = True
    except (OSError, ssl.SSLError, PlatformError, ValueError) as err:
        detail, ok = str(err), False
    return {
        "step": name,
        "ok": ok,
        "detail": detail,
        "ms": round((time.perf_counter() - start) * 1000, 1),
    }


def server_certificate(config):
    """TLS ≥ 1.2 handshake with the platform, verified against the CA bundle (and presenting the
    client certificate when set): (TLS version, the server's x509 certificate)."""
    url = urlsplit(config.base_url)
    host, port = url.hostname, url.port or 443
    context = ssl.create_default_context(
        cafile=config.ca_bundle if isinstance(config.ca_bundle, str) else None
    )
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if config.client_cert:
        context.load_cert_chain(*config.client_cert, password=config.client_key_password or None)
    with socket.create_connection((host, port), timeout=config.connect_timeout) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls_sock:
            cert = x509.load_der_x509_certificate(tls_sock.getpeercert(binary_form=True))
            return tls_sock.version(), cert


def pem_certificate(path):
    """The first certificate of a PEM file."""
    with open(path, "rb") as handle:
        return x509.load_pem_x509_certificate(handle.read())


def expiry(cert):
    return cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def days_left(cert, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (expiry(cert) - now).days


def pem_certificates(data):
    """Every certificate of PEM bytes (a CA bundle)."""
    found = []
    for block in data.split(b"-----END CERTIFICATE-----")[:-1]:
        start = block.find(b"-----BEGIN CERTIFICATE-----")
        if start >= 0:
            found.append(
                x509.load_pem_x509_certificate(block[start:] + b"-----END CERTIFICATE-----\n")
            )
    return found


def _verify(issuer, signature, data, hash_algorithm):
    key = issuer.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, data, padding.PKCS1v15(), hash_algorithm)
    else:
        key.verify(signature, data, ec.ECDSA(hash_algorithm))


def _uris(cert, extension, method=None):
    try:
        value = cert.extensions.get_extension_for_class(extension).value
    except x509.ExtensionNotFound:
        return []
    if extension is x509.AuthorityInformationAccess:
        return [d.access_location.value for d in value if d.access_method == method]
    return [
        name.value
        for point in value
        for name in (point.full_name or [])
        if isinstance(name, x509.UniformResourceIdentifier)
    ]


def _issuer(cert, trusted, fetch):
    for candidate in trusted:
        if candidate.subject == cert.issuer:
            return candidate
    for url in _uris(
        cert, x509.AuthorityInformationAccess, AuthorityInformationAccessOID.CA_ISSUERS
    ):
        try:
            body = fetch("GET", url, None, None)
            candidate = (
                x509.load_pem_x509_certificate(body)
                if body.lstrip().startswith(b"-----")
                else x509.load_der_x509_certificate(body)
            )
        except (OSError, ValueError):
            continue
        if candidate.subject == cert.issuer:
            return candidate
    return None


def revocation(cert, trusted, fetch):
    """Whether ``cert`` was revoked, as its CA says: ("good" | "revoked" | "unknown", how).

    OCSP first (the responder its Authority Information Access names), the CRL it names
    otherwise or when OCSP does not answer; each answer's signature is checked with the
    issuer's key (found in ``trusted`` or fetched from the AIA's CA issuers). ``fetch(method,
    url, body, content_type)`` returns the answer's bytes or raises OSError/ValueError."""
    issuer = _issuer(cert, trusted, fetch)
    if issuer is None:
        return "unknown", "issuer not found"
    for url in _uris(cert, x509.AuthorityInformationAccess, AuthorityInformationAccessOID.OCSP):
        request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()
        try:
            answer = ocsp.load_der_ocsp_response(
                fetch(
                    "POST",
                    url,
                    request.public_bytes(serialization.Encoding.DER),
                    "application/ocsp-request",
                )
            )
            if answer.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
                continue
            _verify(
                issuer, answer.signature, answer.tbs_response_bytes, answer.signature_hash_algorithm
            )
        except (OSError, ValueError, InvalidSignature):
            continue
        if answer.serial_number != cert.serial_number:
            continue
        status = {
            ocsp.OCSPCertStatus.GOOD: "good",
            ocsp.OCSPCertStatus.REVOKED: "revoked",
        }.get(answer.certificate_status, "unknown")
        return status, f"OCSP {url}"
    for url in _uris(cert, x509.CRLDistributionPoints):
        try:
            body = fetch("GET", url, None, None)
            crl = (
                x509.load_pem_x509_crl(body)
                if body.lstrip().startswith(b"-----")
                else x509.load_der_x509_crl(body)
            )
        except (OSError, ValueError):
            continue
        if crl.issuer != issuer.subject or not crl.is_signature_valid(issuer.public_key()):
            continue
        revoked = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        return ("revoked" if revoked is not None else "good"), f"CRL {url}"
    return "unknown", "no OCSP responder or CRL answered"


def diagnose(client):
    config = client.config
    url = urlsplit(config.base_url)
    host, port = url.hostname, url.port or 443
    steps = []
    state = {}

    def dns():
        state["addr"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][4]
        return state["addr"][0]

    def tcp():
        with socket.create_connection((host, port), timeout=config.connect_timeout):
            return f"{host}:{port}"

    def tls():
        version, cert = server_certificate(config)
        days = state["cert_days"] = days_left(cert)
        return f"{version}, certificate expires in {days} days ({expiry(cert):%Y-%m-%d})"

    def auth():
        # tokens are scarce (Nuonuo: 50 in 30 days): a valid one is kept, the call proves it
        if client.token:
            return "token held"
        client.fetch_token()
        return f"token issued by {urlsplit(config.token_url or config.base_url).hostname}"

    def clock():
        if client.clock_offset is None:  # a token held: no answer yet to read the time from
            try:
                client.ping()
            except PlatformError:
                pass  # a refusal's answer carries the platform's time all the same
        offset = state["clock_offset"] = client.clock_offset
        if offset is None:
            return "the platform's answers carry no time"
        if abs(offset) > MAX_CLOCK_SKEW:
            side = "behind" if offset > 0 else "ahead of"
            raise ValueError(
                f"this server's clock is {abs(offset):.0f} s {side} the platform's (more than "
                f"{MAX_CLOCK_SKEW} s): the platform refuses its signatures; set the server's "
                "time (NTP)"
            )
        return f"offset {offset:+.0f} s against the platform"

    def call():
        return f"signed query answered in {client.ping()} ms"

    for name, fn in (
        ("dns", dns),
        ("tcp", tcp),
        ("tls", tls),
        ("auth", auth),
        ("clock", clock),
        ("call", call),
    ):
        result = _step(name, fn)
        steps.append(result)
        if not result["ok"]:
            break
    return {
        "ok": all(s["ok"] for s in steps) and len(steps) == 6,
        "steps": steps,
        "cert_days": state.get("cert_days"),
        "clock_offset": state.get("clock_offset"),
    }
