"""What the connector does about each code a platform answers: one table, keyed by dialect.

Every code has one class, read by the client (what it retries), the breaker (what counts as the
platform failing), the jobs (fail, hold or retry a fapiao) and the UI (the error catalogue
shows the class; its text, in the user's language, is the catalogue's entry of the same
dialect and code):

- ``RETRY``: the platform is busy or the call came too early: the job retries by itself, with
  backoff, under the same business key.
- ``UNKNOWN``: the request may have been processed (no answer, an unreadable one, 5xx): the
  platform is asked for the business key before anything is sent again, then it is retried.
- ``REFUSE``: refused for a reason outside the fapiao's content (the provider's settings, the
  credit line, a red form's state): nothing retries it; once the cause is mended the fapiao is
  issued again under the same key.
- ``NEW_KEY``: its content was refused: the corrected fapiao goes out under a new business key.
- ``REISSUE``: the platform keeps the fapiao under its key after a failed step (its seal): it
  is issued again unchanged, under that key, when a user issues it again.
- ``HOLD``: the drawer must log in to the tax bureau: the fapiao waits and goes out by itself
  after the login.
- ``REVIEW``: the platform's document or result does not check out: the fapiao is held for a
  person; nothing is sent again.
- ``TOKEN``: the access token expired or was refused: fetched again once, then the call is sent
  again.
- ``OK``: success. ``ADOPT``: already submitted: the platform's fapiao is queried and adopted.

``failing`` marks what the circuit breaker counts: the platform failing (network, TLS,
timeouts, 5xx, unreadable answers, "system busy"), not refusing. A code no table lists is a
refusal (``REFUSE``) that the breaker does not count.

Each dialect's codes sit in its table below, with their source; a code marked [U] is the
bundled test platform's own until a real account confirms it.
"""

from dataclasses import dataclass

OK = "ok"
ADOPT = "adopt"
RETRY = "retry"
UNKNOWN = "unknown"
REFUSE = "refuse"
NEW_KEY = "new_key"
REISSUE = "reissue"
HOLD = "hold"
REVIEW = "review"
TOKEN = "token"

CLASSES = (OK, ADOPT, RETRY, UNKNOWN, REFUSE, NEW_KEY, REISSUE, HOLD, REVIEW, TOKEN)
TRANSIENT = (RETRY, UNKNOWN)  # retried by the client and the job, under the same key
ANY = "any"  # the connector's own codes, the same for every dialect


@dataclass(frozen=True)
class Policy:
    action: str
    failing: bool = False  # the platform failing: counted by the circuit breaker


_OK, _ADOPT, _REFUSE, _NEW_KEY, _TOKEN = (
    Policy(OK),
    Policy(ADOPT),
    Policy(REFUSE),
    Policy(NEW_KEY),
    Policy(TOKEN),
)

TABLE = {
    # the connector's own codes
    ANY: {
        "TIMEOUT": Policy(UNKNOWN, failing=True),
        "NETWORK": Policy(UNKNOWN, failing=True),
        "BAD_RESPONSE": Policy(UNKNOWN, failing=True),
        "HTTP_5xx": Policy(UNKNOWN, failing=True),  # any HTTP 5xx (see ``policy``)
        "TLS": Policy(REFUSE, failing=True),
        "RATE_LIMITED": Policy(RETRY),  # our own bucket: nothing was sent
        "CHECK": _REFUSE,  # refused before sending: nothing reached the platform
        "NOT_OFFERED": _REFUSE,
        "SESSION": Policy(HOLD),
        "SESSION_PENDING": Policy(RETRY),
        "SESSION_REFUSED": _REFUSE,
        "CREDIT_PENDING": Policy(RETRY),
        "MISMATCH": Policy(REVIEW),
        "SIGNATURE": Policy(REVIEW),
        "VOIDED": Policy(REVIEW),
        "DOCUMENT_HOST": Policy(REVIEW),
        "DOCUMENT_REDIRECT": Policy(REVIEW),
        "DOCUMENT_TOO_LARGE": Policy(REVIEW),
    },
    # Nuonuo: E0000, E9106, E9500, E9306, E9131, E9103, E9154 and 0701xx as its interface
    # documents give them (the independent clients wwbgo/NuoNuoSdk and ZUOXIANGE/NuoNuoSdk
    # carry them); 22 and 24 are queryInvoiceResult's statuses of a failed issue and a failed
    # seal (its query documentation); the others [U].
    "nuonuo": {
        "E0000": _OK,
        "E9106": _ADOPT,
        "E9500": _REFUSE,  # not found: the answer a query of an unknown key gets
        "E9999": Policy(RETRY, failing=True),  # system busy
        "070306": Policy(RETRY),  # [U] call again later
        "070307": Policy(RETRY),  # [U] timestamp too far from the platform's clock
        "070308": Policy(RETRY),  # [U] over the platform's rate cap
        "070101": _TOKEN,
        "070304": _REFUSE,
        "070305": _REFUSE,
        "E9306": _NEW_KEY,
        "E9307": _NEW_KEY,  # [U]
        "E9131": _NEW_KEY,
        "E9138": _NEW_KEY,  # [U]
        "E9154": _NEW_KEY,
        "E9000": _NEW_KEY,  # [U]
        "22": _NEW_KEY,
        "24": Policy(REISSUE),
        "E9160": _REFUSE,  # [U]
        "E9103": _REFUSE,
        "E9165": _REFUSE,  # [U]
        "E9166": _REFUSE,  # [U]
        "E9167": _REFUSE,  # [U]
        "E9168": _REFUSE,  # [U]
        "E9613": _REFUSE,  # [U]
        "E9700": Policy(HOLD),  # [U] the test platform's "drawer not logged in"
    },
    # Baiwang: 100001/100002 (token), 100007 (signature) and 70169/70170 (parameters) as Odoo's
    # l10n_cn_edi_baiwang prototype lists them; the others [U].
    "baiwang": {
        "OK": _OK,
        "100001": _TOKEN,
        "100002": _TOKEN,
        "100003": _REFUSE,  # [U]
        "100007": _REFUSE,
        "100009": _REFUSE,  # [U] timestamp too far from the platform's clock
        "070308": Policy(RETRY),  # [U] over the platform's rate cap
        "70169": _NEW_KEY,
        "70170": _NEW_KEY,
        "70171": _NEW_KEY,  # [U] the bureau refused the fapiao
        "NOT_FOUND": _REFUSE,
    },
}


def policy(dialect, code):
    """The policy of ``code`` answered by ``dialect`` (None or ANY: the connector's own)."""
    code = code or ""
    found = TABLE.get(dialect or ANY, {}).get(code) or TABLE[ANY].get(code)
    if found:
        return found
    if code.startswith("HTTP_5"):
        return TABLE[ANY]["HTTP_5xx"]
    return _REFUSE


def action(dialect, code):
    return policy(dialect, code).action


def is_transient(dialect, code):
    """Retried under the same key (by the client's backoff, then by the job)."""
    return action(dialect, code) in TRANSIENT


def call_outcome(dialect, code, http_status=0):
    """(success, platform failure) of one logged call: a call the platform answered with
    success or "already submitted" (adopted), or a document it served (no envelope, HTTP 200),
    succeeded; a platform failure is what the breaker counts; a refusal is neither."""
    if not code:
        return http_status == 200, (http_status or 0) >= 500
    found = policy(dialect, code)
    return found.action in (OK, ADOPT), found.failing or (http_status or 0) >= 500


def codes():
    """Every (dialect, code) of the table that a user may read: all but success."""
    return {
        (dialect, code)
        for dialect, table in TABLE.items()
        for code, found in table.items()
        if found.action != OK
    }
