"""The Nuonuo open-platform dialect: request signing shared by the client and the sandbox.

Signature (brief §8.1, [C]): Base64(HMAC-SHA1(appSecret,
"a=services&l=v1&p=open&k={appkey}&i={senid}&n={nonce}&t={timestamp}&f={body}")) over the exact
body bytes that are sent.
"""

import base64
import hashlib
import hmac
import secrets
import string

SERVICES_PATH = "/open/v1/services"
TOKEN_PATH = "/accessToken"


def sign(app_secret, appkey, senid, nonce, timestamp, body):
    """``body`` is the exact request body (str or UTF-8 bytes). Returns the X-Nuonuo-Sign value."""
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    message = f"a=services&l=v1&p=open&k={appkey}&i={senid}&n={nonce}&t={timestamp}&f={body}"
    digest = hmac.new(app_secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(app_secret, appkey, senid, nonce, timestamp, body, signature):
    expected = sign(app_secret, appkey, senid, nonce, timestamp, body)
    return hmac.compare_digest(expected, signature or "")


def new_senid():
    """32 random characters identifying one transport attempt (not the business key)."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


def new_nonce():
    """An 8-digit positive integer."""
    return str(secrets.randbelow(90_000_000) + 10_000_000)
