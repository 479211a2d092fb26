"""Hash chain of the audit trail: each entry's hash covers its content and the previous hash,
so an edited, inserted or deleted entry breaks every hash after it."""

import hashlib
import json

GENESIS = "0" * 64


def digest(data):
    """SHA-256 of any JSON-able value (or bytes/str), for 'what was sent and received'."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    elif not isinstance(data, bytes):
        data = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def entry_hash(prev_hash, content):
    """``content``: the entry's fields as a dict of JSON-able values (canonical order)."""
    canonical = json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(f"{prev_hash}|{canonical}".encode()).hexdigest()


def verify(entries, anchor=GENESIS):
    """``entries``: (sequence, prev_hash, hash, content) in sequence order.

    Returns None when the chain holds, else (sequence, reason) of the first broken entry."""
    expected_prev = anchor
    expected_seq = None
    for sequence, prev_hash, stored_hash, content in entries:
        if expected_seq is not None and sequence != expected_seq:
            return sequence, "missing entry before this one"
        if prev_hash != expected_prev:
            return sequence, "previous hash does not match"
        if entry_hash(prev_hash, content) != stored_hash:
            return sequence, "content was changed"
        expected_prev = stored_hash
        expected_seq = sequence + 1
    return None
