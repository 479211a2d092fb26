"""Hash chain of the audit trail: each entry's hash covers its content and the previous hash,
so an edited, inserted or deleted entry breaks every hash after it.

A chain is *keyed* when its hashes are HMAC-SHA256 under a key held outside the database (the
personal-data keyring): whoever can write the database can no longer recompute the hashes of
entries they changed. Keyed hashes read ``h1:<key id>:<hex>``; once an entry is keyed, every
later one must be. The stored head (last sequence and hash) is compared too, so cutting the
tail of the chain is found."""

import dataclasses
import hashlib
import hmac
import json

GENESIS = "0" * 64
KEYED = "h1"


def digest(data):
    """SHA-256 of any JSON-able value (or bytes/str), for 'what was sent and received'."""
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        data = dataclasses.asdict(data)  # a neutral request or result (fapiao_core.platform)
    if isinstance(data, str):
        data = data.encode("utf-8")
    elif not isinstance(data, bytes):
        data = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def entry_hash(prev_hash, content, key=None, key_id=None):
    """``content``: the entry's fields as a dict of JSON-able values (canonical order);
    ``key``/``key_id``: the HMAC key of a keyed chain."""
    canonical = json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    message = f"{prev_hash}|{canonical}".encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return f"{KEYED}:{key_id}:{hmac.new(key, message, hashlib.sha256).hexdigest()}"


def verify(entries, anchor=GENESIS, keys=None, head=None, start=None):
    """``entries``: (sequence, prev_hash, hash, content) in sequence order; ``keys``: {key id:
    HMAC key} of a keyed chain; ``head``: the stored (last sequence, last hash), if any;
    ``start``: the sequence of the entry whose hash is ``anchor`` when the entries continue a
    chain verified up to there (the next one must be ``start + 1``, keyed if it was).

    Returns None when the chain holds, else (sequence, reason) of the first broken entry."""
    expected_prev = anchor
    expected_seq = None if start is None else start + 1
    keyed = start is not None and (anchor or "").startswith(f"{KEYED}:")
    for sequence, prev_hash, stored_hash, content in entries:
        if expected_seq is not None and sequence != expected_seq:
            return sequence, "missing entry before this one"
        if prev_hash != expected_prev:
            return sequence, "previous hash does not match"
        if (stored_hash or "").startswith(f"{KEYED}:"):
            key_id = stored_hash.split(":", 2)[1]
            key = (keys or {}).get(key_id)
            if key is None:
                return sequence, f"signed with audit key {key_id}, which is not configured"
            expected = entry_hash(prev_hash, content, key, key_id)
            keyed = True
        elif keyed:
            return sequence, "not signed with the audit key"
        else:
            expected = entry_hash(prev_hash, content)
        if not hmac.compare_digest(expected, stored_hash or ""):
            return sequence, "content was changed"
        expected_prev = stored_hash
        expected_seq = sequence + 1
    if head is not None:
        last = (expected_seq - 1) if expected_seq is not None else head[0]
        if head[0] != last:
            return last + 1, "entries at the end of the chain were removed"
        if expected_seq is not None and head[1] != expected_prev:
            return last, "the chain's head does not match its last entry"
    return None


def checkpoint_mac(sequence, entry_hash, key=None, key_id=None):
    """The seal of a verification: "verified up to ``sequence``, whose hash is ``entry_hash``",
    keyed like the chain so that whoever writes the database cannot move it forward."""
    message = f"verified|{sequence}|{entry_hash}".encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return f"{KEYED}:{key_id}:{hmac.new(key, message, hashlib.sha256).hexdigest()}"


def checkpoint_holds(sequence, entry_hash, mac, keys=None):
    if not mac:
        return False
    if mac.startswith(f"{KEYED}:"):
        key_id = mac.split(":", 2)[1]
        key = (keys or {}).get(key_id)
        if key is None:
            return False
        expected = checkpoint_mac(sequence, entry_hash, key, key_id)
    else:
        expected = checkpoint_mac(sequence, entry_hash)
    return hmac.compare_digest(expected, mac)
