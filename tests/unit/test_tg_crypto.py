import pytest
from cryptography.exceptions import InvalidTag
from fapiao_core import FapiaoError
from fapiao_core.crypto import Keyring, new_key_line


def test_round_trip_and_no_clear_text():
    ring = Keyring([new_key_line("k1")])
    stored = ring.encrypt("11010519491231002X", "id_number")
    assert "11010519491231002X" not in stored and stored.startswith("enc1:k1:")
    assert ring.decrypt(stored, "id_number") == "11010519491231002X"
    assert ring.encrypt("11010519491231002X", "id_number") != stored  # fresh nonce each time


def test_value_cannot_move_to_another_field():
    ring = Keyring([new_key_line()])
    stored = ring.encrypt("secret", "bank_account")
    with pytest.raises(InvalidTag):
        ring.decrypt(stored, "phone")


def test_rotation_keeps_old_values_readable():
    old = new_key_line("old")
    stored = Keyring([old]).encrypt("13800138000", "phone")
    ring = Keyring([new_key_line("new"), old])
    assert ring.needs_rotation(stored)
    assert ring.decrypt(stored, "phone") == "13800138000"
    rotated = ring.encrypt(ring.decrypt(stored, "phone"), "phone")
    assert not ring.needs_rotation(rotated)
    with pytest.raises(FapiaoError):
        Keyring([new_key_line("new")]).decrypt(stored, "phone")  # old key removed too early


def test_blind_index_exact_match_only():
    ring = Keyring([new_key_line()])
    a = ring.blind_index("11010519491231002x", "id")
    assert a == ring.blind_index(" 110105 19491231002X", "id")
    assert a != ring.blind_index("11010519491231002X", "other_field")
    assert a != Keyring([new_key_line()]).blind_index("11010519491231002X", "id")


def test_bad_keys_refused():
    with pytest.raises(FapiaoError):
        Keyring(["k1:c2hvcnQ="])
    with pytest.raises(FapiaoError):
        Keyring(["# only a comment"])
