from tg_core import audit


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
