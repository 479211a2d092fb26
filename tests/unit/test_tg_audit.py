from fapiao_core import audit


def chain(contents):
    entries, prev = [], audit.GENESIS
    for sequence, content in enumerate(contents, start=1):
        stored = audit.entry_hash(prev, content)
        entries.append((sequence, prev, stored, content))
        prev = stored
    return entries


def test_intact_chain():
    assert audit.verify(chain([{"a": 1}, {"a": 2}, {"a": 3}])) is None


def test_edit_insert_delete_detected():
    entries = chain([{"amount": "10.00"}, {"amount": "20.00"}, {"amount": "30.00"}])
    edited = list(entries)
    edited[1] = (2, entries[1][1], entries[1][2], {"amount": "2.00"})
    assert audit.verify(edited) == (2, "content was changed")
    deleted = [entries[0], entries[2]]
    assert audit.verify(deleted)[0] == 3
    assert audit.verify(entries[1:])[0] == 2  # head removed: the anchor no longer matches
    assert audit.verify(entries[1:], anchor=entries[0][2]) is None  # purge with checkpoint


def test_digest_is_canonical():
    assert audit.digest({"b": 1, "a": 2}) == audit.digest({"a": 2, "b": 1})
    assert audit.digest(b"x") == audit.digest("x")


def keyed_chain(contents, key=b"k" * 32, key_id="a1"):
    entries, prev = [], audit.GENESIS
    for sequence, content in enumerate(contents, start=1):
        stored = audit.entry_hash(prev, content, key, key_id)
        entries.append((sequence, prev, stored, content))
        prev = stored
    return entries


def test_a_keyed_chain_cannot_be_rewritten_without_the_key():
    keys = {"a1": b"k" * 32}
    entries = keyed_chain([{"amount": "10.00"}, {"amount": "20.00"}])
    assert audit.verify(entries, keys=keys) is None
    # whoever can write the database recomputes the hashes, but without the key
    forged = chain([{"amount": "10.00"}, {"amount": "2.00"}])
    assert audit.verify(entries[:1] + [(2, entries[0][2], *forged[1][2:])], keys=keys) == (
        2,
        "not signed with the audit key",
    )
    other = keyed_chain([{"amount": "10.00"}, {"amount": "2.00"}], key=b"x" * 32)
    assert audit.verify(other, keys=keys) == (1, "content was changed")
    assert audit.verify(entries, keys={})[1].startswith("signed with audit key a1")


def test_a_cut_tail_is_found_by_the_stored_head():
    entries = keyed_chain([{"a": 1}, {"a": 2}, {"a": 3}])
    keys = {"a1": b"k" * 32}
    head = (3, entries[2][2])
    assert audit.verify(entries, keys=keys, head=head) is None
    assert audit.verify(entries[:2], keys=keys, head=head) == (
        3,
        "entries at the end of the chain were removed",
    )
    assert audit.verify(entries, keys=keys, head=(3, "tampered"))[0] == 3


def numbered_chain(count, key=None):
    entries, prev = [], audit.GENESIS
    for sequence in range(1, count + 1):
        content = {"n": sequence}
        stored = audit.entry_hash(prev, content, key, "k1" if key else None)
        entries.append((sequence, prev, stored, content))
        prev = stored
    return entries


def test_a_chain_continues_from_a_verified_entry():
    key = b"k" * 32
    entries = numbered_chain(6, key=key)
    sequence, _prev, entry_hash, _content = entries[2]
    # the rest of the chain, from the third entry's hash
    assert audit.verify(entries[3:], entry_hash, keys={"k1": key}, start=sequence) is None
    # the entry right after the verified one is missing: found
    assert audit.verify(entries[4:], entry_hash, keys={"k1": key}, start=sequence) == (
        entries[4][0],
        "missing entry before this one",
    )
    # after a keyed entry, an unkeyed one is refused
    forged = entries[3]
    unkeyed = (forged[0], forged[1], audit.entry_hash(forged[1], forged[3]), forged[3])
    assert audit.verify([unkeyed], entry_hash, keys={"k1": key}, start=sequence) == (
        forged[0],
        "not signed with the audit key",
    )


def test_a_verification_seal_is_keyed():
    key = b"k" * 32
    mac = audit.checkpoint_mac(7, "h1:k1:abc", key, "k1")
    assert audit.checkpoint_holds(7, "h1:k1:abc", mac, {"k1": key})
    assert not audit.checkpoint_holds(8, "h1:k1:abc", mac, {"k1": key})  # moved forward
    assert not audit.checkpoint_holds(7, "h1:k1:abd", mac, {"k1": key})
    assert not audit.checkpoint_holds(7, "h1:k1:abc", mac, {})  # key not configured
    assert not audit.checkpoint_holds(7, "h1:k1:abc", "", {"k1": key})
