"""Detached signatures of platform documents.

The bureau signs with SM2 and the SM3 digest (GB/T 32918, GB/T 32905; the signer's ID is the
default 1234567812345678). Where its signature sits in the 数电 XML and how its key is published
are not confirmed [U]: the connector takes a detached base64 signature of the XML, and the
platform's key as a PEM public key or a PEM certificate (the provider's *Platform Signing Key*).

SM2 is verified with Tongsuo (``tongsuopy``, the OpenAtom Tongsuo project's binding, compiled:
about 0.4 ms a verification, where the pure-Python ``gmssl`` takes 20-30 ms, as much as the
connector's whole cost per fapiao). The tests cross-check it against ``gmssl``, an independent
implementation. A key on another curve (ECDSA with SHA-256) or RSA (PKCS#1 v1.5 with SHA-256) is
verified with ``cryptography``.

An SM2 signature is the DER SEQUENCE of r and s (GM/T 0009) or, as some platforms send it, the
64 bytes r || s: both are read.
"""

import base64
import binascii
import functools

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from tongsuopy.crypto import exceptions as sm_exceptions
from tongsuopy.crypto import hashes as sm_hashes
from tongsuopy.crypto import serialization as sm_serialization
from tongsuopy.crypto.asymciphers import ec as sm_ec

# the DER of the SM2 curve's OID, 1.2.156.10197.1.301
SM2_CURVE_OID = bytes.fromhex("06082a811ccf5501822d")


def _der_children(der):
    """(tag, whole element) of the elements inside one DER SEQUENCE."""

    def length(pos):
        first = der[pos]
        if first < 0x80:
            return first, pos + 1
        count = first & 0x7F
        return int.from_bytes(der[pos + 1 : pos + 1 + count], "big"), pos + 1 + count

    size, pos = length(1)
    end = pos + size
    children = []
    while pos < end:
        start = pos
        size, body = length(pos + 1)
        pos = body + size
        children.append((der[start], der[start:pos]))
    return children


def _certificate_spki(cert):
    """The SubjectPublicKeyInfo DER of a certificate, whatever its key's algorithm (cryptography
    parses an SM2 certificate but cannot give its key)."""
    der = cert.public_bytes(serialization.Encoding.DER)
    tbs = _der_children(der)[0][1]
    fields = _der_children(tbs)
    # version [0] is optional: the public key is the 7th field with it, the 6th without
    offset = 1 if fields[0][0] == 0xA0 else 0
    return fields[5 + offset][1]


@functools.lru_cache(maxsize=32)
def _key(key_pem):
    """(kind, public key) of a PEM public key or certificate: kind is "sm2" (Tongsuo's key) or
    "ec"/"rsa" (cryptography's)."""
    if b"BEGIN CERTIFICATE" in key_pem:
        cert = x509.load_pem_x509_certificate(key_pem)
        spki = _certificate_spki(cert)
        if SM2_CURVE_OID not in spki:
            key = cert.public_key()
            return ("rsa" if isinstance(key, rsa.RSAPublicKey) else "ec"), key
    else:
        body = b"".join(
            line for line in key_pem.strip().splitlines() if line and not line.startswith(b"-----")
        )
        spki = base64.b64decode(body)
        if SM2_CURVE_OID not in spki:
            key = serialization.load_der_public_key(spki)
            return ("rsa" if isinstance(key, rsa.RSAPublicKey) else "ec"), key
    return "sm2", sm_serialization.load_der_public_key(spki)


def _sm2_der(raw):
    """A signature of 64 bytes is r || s; anything else is taken as DER."""
    if len(raw) == 64:
        return encode_dss_signature(
            int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        )
    return raw


def verify_detached(key_pem, document, signature_b64):
    """True when ``signature_b64`` signs ``document`` with the key of ``key_pem`` (a PEM public
    key or certificate). A key or signature that cannot be read is a False, never a crash."""
    try:
        kind, key = _key(bytes(key_pem))
        raw = base64.b64decode(signature_b64, validate=True)
    except (
        ValueError,
        IndexError,
        UnsupportedAlgorithm,
        sm_exceptions.UnsupportedAlgorithm,
        binascii.Error,
    ):
        return False
    try:
        if kind == "sm2":
            try:
                key.verify(_sm2_der(raw), document, sm_ec.ECDSA(sm_hashes.SM3()))
            except (sm_exceptions.InvalidSignature, sm_exceptions.InternalError):
                # Tongsuo answers a malformed DER with an internal error: not a signature
                return False
        elif kind == "rsa":
            key.verify(raw, document, padding.PKCS1v15(), hashes.SHA256())
        else:
            key.verify(raw, document, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def key_kind(key_pem):
    """ "sm2", "ec" or "rsa": the algorithm of a PEM key or certificate (ValueError when unread)."""
    try:
        return _key(bytes(key_pem))[0]
    except (
        IndexError,
        UnsupportedAlgorithm,
        sm_exceptions.UnsupportedAlgorithm,
        binascii.Error,
    ) as err:
        raise ValueError(str(err)) from err
