"""Detached signatures of platform documents (ECDSA P-256 / SHA-256 with an X.509 certificate).

The bureau signs with SM2/SM3 (OID 1.2.156.10197.1.501, [U]); the sandbox signs with ECDSA
(its own code, ``sandbox/pki.py``) because SM2 is not in `cryptography`. The verification
interface is the same: document bytes, a detached base64 signature, and the platform
certificate configured on the provider.
"""

import base64

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec


def verify_detached(certificate_pem, document, signature_b64):
    """True when ``signature_b64`` signs ``document`` with the certificate's key."""
    cert = x509.load_pem_x509_certificate(certificate_pem)
    try:
        cert.public_key().verify(
            base64.b64decode(signature_b64), document, ec.ECDSA(hashes.SHA256())
        )
    except (InvalidSignature, ValueError):
        return False
    return True
