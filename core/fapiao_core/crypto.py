"""Encryption of personal data at rest: AES-256-GCM, keys outside the database.

A keyring holds one or more 32-byte master keys, each with an id; the first is current. Values
are stored as ``enc1:<key id>:<base64(nonce | ciphertext | tag)>`` with the field's name as
associated data, so a value cannot be moved to another field unnoticed. Exact-match search uses
a blind index: HMAC-SHA256 under a key derived from the current master key.

Key file format: one ``<key id>:<base64 key>`` per line, current key first. Rotation = put a new
line first, then re-encrypt (the old key stays until every value is rewritten).
"""

import base64
import hashlib
import hmac
import os
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from . import FapiaoError

PREFIX = "enc1"


def _derive(master, purpose):
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"fapiao/{purpose}".encode()
    ).derive(master)


def new_key_line(key_id=None):
    key_id = key_id or secrets.token_hex(4)
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


class Keyring:
    def __init__(self, lines):
        self.keys = []
        for line in lines:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key_id, _sep, encoded = line.partition(":")
            master = base64.b64decode(encoded)
            if len(master) != 32:
                raise FapiaoError("crypto_bad_key", key_id=key_id)
            self.keys.append((key_id, master))
        if not self.keys:
            raise FapiaoError("crypto_no_key")
        self.by_id = dict(self.keys)
        self.current_id = self.keys[0][0]
        self.hash_key = _derive(self.keys[0][1], "index")

    @classmethod
    def from_file(cls, path):
        with open(path, encoding="ascii") as handle:
            return cls(handle.read().splitlines())

    @classmethod
    def from_env(cls, variable):
        value = os.environ.get(variable)
        if not value:
            raise FapiaoError("crypto_no_key")
        return cls(value.replace(";", "\n").splitlines())

    def encrypt(self, plaintext, field):
        if plaintext in (None, False, ""):
            return plaintext
        key = _derive(self.by_id[self.current_id], "data")
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), field.encode())
        return f"{PREFIX}:{self.current_id}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored, field):
        if stored in (None, False, ""):
            return stored
        prefix, key_id, encoded = stored.split(":", 2)
        if prefix != PREFIX or key_id not in self.by_id:
            raise FapiaoError("crypto_unknown_key", key_id=key_id)
        raw = base64.b64decode(encoded)
        key = _derive(self.by_id[key_id], "data")
        return AESGCM(key).decrypt(raw[:12], raw[12:], field.encode()).decode("utf-8")

    def audit_keys(self):
        """{key id: HMAC key of the audit chain}: the current key signs, older ones verify."""
        return {key_id: _derive(master, "audit") for key_id, master in self.keys}

    def needs_rotation(self, stored):
        return bool(stored) and stored.split(":", 2)[1] != self.current_id

    def blind_index(self, value, field):
        if value in (None, False, ""):
            return False
        normalized = "".join(value.split()).upper()
        return hmac.new(
            self.hash_key, f"{field}\x00{normalized}".encode(), hashlib.sha256
        ).hexdigest()
