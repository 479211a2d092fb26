"""SM2/SM3 signatures of the bureau's documents: the connector's verifier (Tongsuo) against
gmssl, an independent pure-Python implementation of GB/T 32918, both ways; keys as PEM public
keys and certificates; signatures as DER and as r || s."""

import base64
import datetime
import os

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID
from fapiao_core import signature
from gmssl import func, sm2
from tongsuopy.crypto import hashes as sm_hashes
from tongsuopy.crypto import serialization as sm_serialization
from tongsuopy.crypto.asymciphers import ec as sm_ec

DOCUMENT = b"<EInvoice><TotalTax-includedAmount>109.00</TotalTax-includedAmount></EInvoice>"


def _sm2_pair():
    """A key made by Tongsuo, its public PEM, and the same key in gmssl's form."""
    key = sm_ec.generate_private_key(sm_ec.SM2())
    public = key.public_key()
    pem = public.public_bytes(
        sm_serialization.Encoding.PEM, sm_serialization.PublicFormat.SubjectPublicKeyInfo
    )
    numbers = public.public_numbers()
    point = f"{numbers.x:064x}{numbers.y:064x}"
    gm = sm2.CryptSM2(private_key=f"{key.private_numbers().private_value:064x}", public_key=point)
    # gmssl strips a leading "04" (the uncompressed-point prefix) with str.lstrip("04"), which
    # also eats the key's own leading 0s and 4s when x begins with 04 (one key in 256): the
    # point is set again as given
    gm.public_key = point
    return key, pem, gm


def _gmssl_sign(gm, document):
    """gmssl's SM2 signature with the SM3 digest and the default ID, as r || s (hex)."""
    return gm.sign_with_sm3(document, func.random_hex(gm.para_len))


def test_a_gmssl_signature_verifies_as_raw_and_der():
    _key, pem, gm = _sm2_pair()
    assert signature.key_kind(pem) == "sm2"
    rs = bytes.fromhex(_gmssl_sign(gm, DOCUMENT))
    raw = base64.b64encode(rs).decode()
    assert signature.verify_detached(pem, DOCUMENT, raw)
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    der = encode_dss_signature(int.from_bytes(rs[:32], "big"), int.from_bytes(rs[32:], "big"))
    assert signature.verify_detached(pem, DOCUMENT, base64.b64encode(der).decode())
    # one byte of the document or of the signature changed: refused
    assert not signature.verify_detached(pem, DOCUMENT.replace(b"109", b"901"), raw)
    bent = bytes([rs[0] ^ 1]) + rs[1:]
    assert not signature.verify_detached(pem, DOCUMENT, base64.b64encode(bent).decode())


def test_a_tongsuo_signature_verifies_with_gmssl():
    """What the sandbox signs (Tongsuo) is a standard SM2 signature: gmssl agrees."""
    key, pem, gm = _sm2_pair()
    der = key.sign(DOCUMENT, sm_ec.ECDSA(sm_hashes.SM3()))
    r, s = decode_dss_signature(der)
    assert gm.verify_with_sm3(f"{r:064x}{s:064x}", DOCUMENT)
    assert signature.verify_detached(pem, DOCUMENT, base64.b64encode(der).decode())


def test_another_key_or_garbage_is_false_never_a_crash():
    key, pem, _gm = _sm2_pair()
    _other, other_pem, _ = _sm2_pair()
    sig = base64.b64encode(key.sign(DOCUMENT, sm_ec.ECDSA(sm_hashes.SM3()))).decode()
    assert not signature.verify_detached(other_pem, DOCUMENT, sig)
    assert not signature.verify_detached(pem, DOCUMENT, "not base64!")
    assert not signature.verify_detached(pem, DOCUMENT, base64.b64encode(b"\x30\x02").decode())
    assert not signature.verify_detached(b"-----BEGIN PUBLIC KEY-----\nAAAA\n", DOCUMENT, sig)
    with pytest.raises(ValueError):
        signature.key_kind(b"no key here")


def _certificate(key, public_key=None):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bureau")])
    now = datetime.datetime.now(datetime.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key or key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
    )


def test_ecdsa_and_rsa_certificates_and_keys():
    document = os.urandom(500)
    ecdsa = ec.generate_private_key(ec.SECP256R1())
    sig = base64.b64encode(ecdsa.sign(document, ec.ECDSA(hashes.SHA256()))).decode()
    cert = _certificate(ecdsa)
    assert signature.key_kind(cert) == "ec"
    assert signature.verify_detached(cert, document, sig)
    assert not signature.verify_detached(cert, document + b" ", sig)
    pem = ecdsa.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert signature.verify_detached(pem, document, sig)
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_sig = base64.b64encode(rsa_key.sign(document, PKCS1v15(), hashes.SHA256())).decode()
    rsa_cert = _certificate(rsa_key)
    assert signature.key_kind(rsa_cert) == "rsa"
    assert signature.verify_detached(rsa_cert, document, rsa_sig)
    assert not signature.verify_detached(rsa_cert, document, sig)


def test_the_key_of_an_sm2_certificate_is_read():
    """cryptography parses an SM2 certificate but cannot give its key: the connector takes the
    SubjectPublicKeyInfo from the DER. The certificate below is an ECDSA one whose key info is
    swapped for an SM2 key's (same DER lengths), as the bureau's certificate would carry it."""
    key, pem, gm = _sm2_pair()
    spki = base64.b64decode(b"".join(pem.strip().splitlines()[1:-1]))
    holder = ec.generate_private_key(ec.SECP256R1())
    cert_pem = _certificate(holder)
    der = x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)
    p256 = holder.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert len(p256) == len(spki) and der.count(p256) == 1
    swapped = der.replace(p256, spki)
    sm2_cert = (
        b"-----BEGIN CERTIFICATE-----\n"
        + base64.encodebytes(swapped)
        + b"-----END CERTIFICATE-----\n"
    )
    assert signature.key_kind(sm2_cert) == "sm2"
    sig = base64.b64encode(bytes.fromhex(_gmssl_sign(gm, DOCUMENT))).decode()
    assert signature.verify_detached(sm2_cert, DOCUMENT, sig)
    assert not signature.verify_detached(cert_pem, DOCUMENT, sig)
