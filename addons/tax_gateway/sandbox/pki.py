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
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
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
    subject,
    key,
    issuer,
    issuer_key,
    days,
    ca=False,
    server_names=(),
    client=False,
    not_before=None,
    revocation_url=None,
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
    if revocation_url:  # where a client asks whether it was revoked, as a public CA says
        uri = x509.UniformResourceIdentifier
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([uri(f"{revocation_url}/pki/ca.crl")], None, None, None)]
            ),
            critical=False,
        ).add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP, uri(f"{revocation_url}/pki/ocsp")
                    ),
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        uri(f"{revocation_url}/pki/ca.der"),
                    ),
                ]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _crl_url_of(path):
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return None
    return points[0].full_name[0].value


def _write_atomic(path, data):
    """Write ``data`` to ``path`` whole or not at all: a client waiting for the file never
    reads half of it."""
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    partial.replace(path)


def _names_of(path):
    """The DNS names and IP addresses a certificate is for."""
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    try:
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return {str(name.value) for name in alt}


def ensure_pki(data_dir, hostnames=("localhost", "127.0.0.1"), revocation_url=None):
    """Create (once) ca.pem/ca.key, server.pem/server.key and client.pem/client.key in data_dir.

    Returns a dict of paths. Documents are signed with an SM2 key of their own, sign-sm2.key;
    its public key, sign-sm2.pub.pem, is what a client verifies them with. With
    ``revocation_url`` (the sandbox's address) the certificates name its CRL and OCSP responder.
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
        _write_atomic(paths["ca.pem"], ca_cert.public_bytes(serialization.Encoding.PEM))
    ca_key = serialization.load_pem_private_key(paths["ca.key"].read_bytes(), None)
    ca_cert = x509.load_pem_x509_certificate(paths["ca.pem"].read_bytes())
    crl_url = f"{revocation_url}/pki/ca.crl" if revocation_url else None
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
        pem = paths[f"{stem}.pem"]
        if (
            pem.exists()
            and _names_of(pem) >= set(kwargs.get("server_names", ()))
            and _crl_url_of(pem) == crl_url
        ):
            continue  # made before, for these names and this address (else made again)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _issue(
            _name(f"sandbox-{stem}"),
            key,
            ca_cert.subject,
            ca_key,
            revocation_url=revocation_url,
            **kwargs,
        )
        _write_key(paths[f"{stem}.key"], key)
        paths[f"{stem}.pem"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return {k.replace(".", "_").replace("-", "_"): str(v) for k, v in paths.items()}


def sign_detached(private_key_pem, document):
    """The base64 SM2/SM3 signature (DER of r and s) of ``document``, as the bureau signs."""
    key = sm_serialization.load_pem_private_key(private_key_pem, None)
    return base64.b64encode(key.sign(document, sm_ec.ECDSA(sm_hashes.SM3()))).decode("ascii")


# ------------------------------------------------------------------ revocation (CRL, OCSP)
def _revoked(data_dir):
    path = pathlib.Path(data_dir) / "revoked.txt"
    if not path.exists():
        return set()
    return {int(line, 16) for line in path.read_text().split() if line}


def revoke(data_dir, pem_path):
    """Revoke the certificate of ``pem_path`` (its serial joins revoked.txt)."""
    cert = x509.load_pem_x509_certificate(pathlib.Path(pem_path).read_bytes())
    with open(pathlib.Path(data_dir) / "revoked.txt", "a", encoding="ascii") as handle:
        handle.write(f"{cert.serial_number:x}\n")
    return cert.serial_number


def _ca(paths):
    ca_key = serialization.load_pem_private_key(pathlib.Path(paths["ca_key"]).read_bytes(), None)
    ca_cert = x509.load_pem_x509_certificate(pathlib.Path(paths["ca_pem"]).read_bytes())
    return ca_key, ca_cert


def ca_der(paths):
    return _ca(paths)[1].public_bytes(serialization.Encoding.DER)


def crl_der(paths, data_dir):
    """The CA's certificate revocation list, signed now (DER)."""
    ca_key, ca_cert = _ca(paths)
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now - datetime.timedelta(minutes=5))
        .next_update(now + datetime.timedelta(days=1))
    )
    for serial in sorted(_revoked(data_dir)):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(now - datetime.timedelta(minutes=1))
            .build()
        )
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def ocsp_der(paths, data_dir, request_der):
    """The CA's OCSP answer (DER) for one of its certificates."""
    ca_key, ca_cert = _ca(paths)
    try:
        request = ocsp.load_der_ocsp_request(request_der)
    except ValueError:
        return ocsp.OCSPResponseBuilder.build_unsuccessful(
            ocsp.OCSPResponseStatus.MALFORMED_REQUEST
        ).public_bytes(serialization.Encoding.DER)
    found = None
    for stem in ("server", "client", "expired"):
        cert = x509.load_pem_x509_certificate(pathlib.Path(paths[f"{stem}_pem"]).read_bytes())
        if cert.serial_number == request.serial_number:
            found = cert
    if found is None:
        return ocsp.OCSPResponseBuilder.build_unsuccessful(
            ocsp.OCSPResponseStatus.UNAUTHORIZED
        ).public_bytes(serialization.Encoding.DER)
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    revoked = found.serial_number in _revoked(data_dir)
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=found,
        issuer=ca_cert,
        algorithm=hashes.SHA1(),
        cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
        this_update=now - datetime.timedelta(minutes=5),
        next_update=now + datetime.timedelta(hours=1),
        revocation_time=now - datetime.timedelta(minutes=1) if revoked else None,
        revocation_reason=None,
    )
    return (
        builder.responder_id(ocsp.OCSPResponderEncoding.HASH, ca_cert)
        .sign(ca_key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )
