"""A private CA and a server certificate for the sandbox, created on first start; the
bureau's SM2 key and the detached SM2/SM3 signature of its documents (Tongsuo, as the connector;
the tests check these signatures with gmssl, an independent implementation)."""

import base64
import datetime
import ipaddress
import pathlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from tongsuopy.crypto import hashes as sm_hashes
from tongsuopy.crypto import serialization as sm_serialization
from tongsuopy.crypto.asymciphers import ec as sm_ec


def _name(common_name):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Fapiao Sandbox Tax Platform"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_key(path, key):
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _issue(
    subject, key, issuer, issuer_key, days, ca=False, server_names=(), client=False, not_before=None
):
    now = not_before or datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server_names:
        alt = []
        for name in server_names:
            try:
                alt.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alt.append(x509.DNSName(name))
        builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    if client:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _names_of(path):
    """The DNS names and IP addresses a certificate is for."""
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    try:
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return {str(name.value) for name in alt}


def ensure_pki(data_dir, hostnames=("localhost", "127.0.0.1")):
    """Create (once) ca.pem/ca.key, server.pem/server.key and client.pem/client.key in data_dir.

    Returns a dict of paths. Documents are signed with an SM2 key of their own, sign-sm2.key;
    its public key, sign-sm2.pub.pem, is what a client verifies them with.
    """
    data = pathlib.Path(data_dir)
    data.mkdir(parents=True, exist_ok=True)
    paths = {
        n: data / f"{n}"
        for n in (
            "ca.pem",
            "ca.key",
            "server.pem",
            "server.key",
            "client.pem",
            "client.key",
            "expired.pem",
            "expired.key",
            "sign-sm2.key",
            "sign-sm2.pub.pem",
        )
    }
    if not paths["sign-sm2.key"].exists():
        sm2 = sm_ec.generate_private_key(sm_ec.SM2())
        paths["sign-sm2.key"].write_bytes(
            sm2.private_bytes(
                sm_serialization.Encoding.PEM,
                sm_serialization.PrivateFormat.PKCS8,
                sm_serialization.NoEncryption(),
            )
        )
        paths["sign-sm2.key"].chmod(0o600)
        paths["sign-sm2.pub.pem"].write_bytes(
            sm2.public_key().public_bytes(
                sm_serialization.Encoding.PEM, sm_serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    if not paths["ca.pem"].exists():
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_cert = _issue(
            _name("Fapiao Sandbox CA"),
            ca_key,
            _name("Fapiao Sandbox CA"),
            ca_key,
            days=3650,
            ca=True,
        )
        _write_key(paths["ca.key"], ca_key)
        paths["ca.pem"].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    ca_key = serialization.load_pem_private_key(paths["ca.key"].read_bytes(), None)
    ca_cert = x509.load_pem_x509_certificate(paths["ca.pem"].read_bytes())
    for stem, kwargs in (
        ("server", {"server_names": hostnames, "days": 825}),
        ("client", {"client": True, "days": 825}),
        # an already-expired server certificate, served when the fault is injected
        (
            "expired",
            {
                "server_names": hostnames,
                "days": 1,
                "not_before": datetime.datetime.now(datetime.timezone.utc)
                - datetime.timedelta(days=10),
            },
        ),
    ):
        if paths[f"{stem}.pem"].exists() and _names_of(paths[f"{stem}.pem"]) >= set(
            kwargs.get("server_names", ())
        ):
            continue  # made before, for these names (a new name makes it again)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _issue(_name(f"sandbox-{stem}"), key, ca_cert.subject, ca_key, **kwargs)
        _write_key(paths[f"{stem}.key"], key)
        paths[f"{stem}.pem"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return {k.replace(".", "_").replace("-", "_"): str(v) for k, v in paths.items()}


def sign_detached(private_key_pem, document):
    """The base64 SM2/SM3 signature (DER of r and s) of ``document``, as the bureau signs."""
    key = sm_serialization.load_pem_private_key(private_key_pem, None)
    return base64.b64encode(key.sign(document, sm_ec.ECDSA(sm_hashes.SM3()))).decode("ascii")
