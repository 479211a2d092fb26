"""脱敏: what a user without the personal-data right sees of an ID number, a phone or a bank
account (plain Python, no Odoo).

The first 3 and the last 4 characters stay, as on Chinese bank and ID receipts
(e.g. ``110***********1234``); a value of 7 characters or fewer keeps only its first one. The
length is kept, so that the shape of the value (an 18-digit ID, an 11-digit mobile) still reads.
"""

MASK = "*"
KEEP_HEAD, KEEP_TAIL = 3, 4


def mask(value):
    """The masked form of ``value`` (False and empty stay as they are)."""
    if not value:
        return value
    text = str(value)
    if len(text) <= KEEP_HEAD + KEEP_TAIL:
        return text[:1] + MASK * (len(text) - 1)
    hidden = len(text) - KEEP_HEAD - KEEP_TAIL
    return text[:KEEP_HEAD] + MASK * hidden + text[-KEEP_TAIL:]


def is_masked_form_of(candidate, clear):
    """True when ``candidate`` is what ``mask(clear)`` shows: a masked value written back
    unchanged (e.g. by a form that saves every field) must not replace the real one."""
    return bool(candidate) and MASK in str(candidate) and candidate == mask(clear)
