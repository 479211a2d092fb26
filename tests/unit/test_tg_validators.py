import random

import pytest
from fapiao_core import FapiaoError
from fapiao_core import validators as v


@pytest.mark.parametrize(
    "uscc",
    [
        "91110000600037341L",  # published example (brief §6.2, python-stdnum test set)
        "9111 0000 6000 3734 1L",  # spaces are tolerated
    ],
)
def test_uscc_valid(uscc):
    assert v.validate_uscc(uscc) == v.compact(uscc)


def test_uscc_agrees_with_python_stdnum():
    # python-stdnum implements GB 32100 for digit-only positions 1-8: both must agree there.
    uscc = pytest.importorskip("stdnum.cn.uscc")
    rng = random.Random(32100)
    for _ in range(2000):
        body = "".join(rng.choice("0123456789") for _ in range(8)) + "".join(
            rng.choice(v.USCC_ALPHABET) for _ in range(9)
        )
        number = body + v.uscc_check_char(body)
        assert uscc.is_valid(number), number
        wrong = body + v.USCC_ALPHABET[(v.USCC_ALPHABET.index(number[-1]) + 1) % 31]
        assert not uscc.is_valid(wrong)


def test_uscc_wrong_check_character():
    with pytest.raises(FapiaoError) as err:
        v.validate_uscc("91110000600037341A")
    assert err.value.code == "uscc_checksum"


@pytest.mark.parametrize(
    "bad", ["91110000600037341", "9111000060003734IL", "", "ABCDEFGHJKLMNPQRTU"]
)
def test_uscc_malformed(bad):
    with pytest.raises(FapiaoError) as err:
        v.validate_uscc(bad)
    assert err.value.code in {"uscc_invalid", "uscc_checksum"}


def test_uscc_positions_1_2_relaxed():
    # GB 32100 lets registrars use letters in positions 1-2 (python-stdnum would refuse these).
    body = "Y1110000600037341"
    number = body + v.uscc_check_char(body)
    assert v.validate_uscc(number) == number


def test_resident_id():
    # GB 11643 example number used in the standard's appendix.
    assert v.validate_resident_id("11010519491231002X") == "11010519491231002X"
    with pytest.raises(FapiaoError) as err:
        v.validate_resident_id("110105194912310021")
    assert err.value.code == "resident_id_checksum"
    with pytest.raises(FapiaoError) as err:
        v.validate_resident_id("110105194913310028")  # month 13
    assert err.value.code == "resident_id_invalid"


def test_tax_id_forms():
    assert v.validate_tax_id("91110000600037341L") == "91110000600037341L"
    assert v.validate_tax_id("110105600037341") == "110105600037341"  # legacy 15
    assert v.validate_tax_id("11010519491231002X01") == "11010519491231002X01"  # legacy 20
    assert v.validate_tax_id("11010519491231002X", natural_person=True)
    with pytest.raises(FapiaoError) as err:
        v.validate_tax_id("1234")
    assert err.value.code == "tax_id_length"


def test_fapiao_number_and_tax_code():
    assert v.validate_fapiao_number("24442000000123456789") == "24442000000123456789"
    for bad in ("12345678", "2444200000012345678X", "244420000001234567890"):
        with pytest.raises(FapiaoError):
            v.validate_fapiao_number(bad)
    assert v.validate_tax_code("1010115010100000000")
    with pytest.raises(FapiaoError):
        v.validate_tax_code("101011501010000000")


def test_other_identity_documents_are_checked_for_their_shape_only():
    assert v.validate_person_id("e 1234 5678", "208") == "E12345678"  # a passport
    assert v.validate_person_id("H1234567(8)", "210") == "H1234567(8)"
    assert v.validate_tax_id("E12345678", natural_person=True, id_type="208") == "E12345678"
    # the resident ID keeps its check digit, whatever the default
    assert v.validate_person_id("11010519491231002X") == "11010519491231002X"
    with pytest.raises(FapiaoError) as err:
        v.validate_person_id("110105194912310021", "201")
    assert err.value.code == "resident_id_checksum"
    with pytest.raises(FapiaoError) as err:
        v.validate_person_id("E1", "208")
    assert (err.value.code, err.value.params["document"]) == ("person_id_invalid", "外国护照")
    with pytest.raises(FapiaoError) as err:
        v.validate_person_id("E12345678", "999")
    assert err.value.code == "person_id_type_unknown"


@pytest.mark.parametrize(
    ("validator", "value"),
    [
        (v.validate_fapiao_number, "２６３１２０００００００００００００５５５"),  # full-width
        (v.validate_fapiao_number, "2631200000000000055٥"),  # an Arabic-Indic digit
        (v.validate_resident_id, "１１０１０５１９４９１２３１００２１"),
        (v.validate_uscc, "91110000６00037341L"),
        (v.validate_tax_code, "１０１０１１５０１０１０００００００"),
    ],
)
def test_non_ascii_digits_are_refused_where_the_bureau_needs_ascii(validator, value):
    with pytest.raises(FapiaoError):
        validator(value)


def test_network_allow_lists():
    assert v.network_entries("10.0.0.0/8, 192.168.1.20 ::1") == (
        ["10.0.0.0/8", "192.168.1.20", "::1"],
        None,
    )
    assert v.network_entries("10.0.0.0/8,example.com")[1] == "example.com"
    assert v.network_entries(False) == ([], None)
