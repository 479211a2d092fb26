"""VIN validation (fapiao_core.vehicle.vin) with published examples, without Odoo."""

import pytest
from fapiao_core.vehicle.vin import VinError, check_digit, validate

# The example of the check-digit computation published with 49 CFR 565 (NHTSA).
NHTSA_EXAMPLE = "1M8GDM9AXKP042788"


def with_check_digit(vin16):
    """Insert the right check digit at position 9 of a VIN written without it."""
    draft = vin16[:8] + "0" + vin16[8:]
    return draft[:8] + check_digit(draft) + draft[9:]


def test_published_example_is_valid():
    assert check_digit(NHTSA_EXAMPLE) == "X"
    assert validate(NHTSA_EXAMPLE) == (NHTSA_EXAMPLE, None)
    assert validate("11111111111111111") == ("11111111111111111", None)


def test_input_is_normalized():
    assert validate(" 1m8gdm9a-xkp042788 ")[0] == NHTSA_EXAMPLE


def test_china_built_vehicles_need_the_right_check_digit():
    vin = with_check_digit("LSVAU2180N220001")
    assert validate(vin) == (vin, None)
    wrong = vin[:8] + ("1" if vin[8] != "1" else "2") + vin[9:]
    with pytest.raises(VinError) as refused:
        validate(wrong)
    assert refused.value.code == "check_digit" and refused.value.params["expected"] == vin[8]


def test_other_vehicles_only_warn_on_the_check_digit():
    wrong = "WVWZZZ1KZ6W000001"  # European VINs often carry no check digit
    assert check_digit(wrong) != wrong[8]
    assert validate(wrong) == (wrong, "check_digit")


@pytest.mark.parametrize(
    ("vin", "code"),
    [
        ("LSVAU2180N22000", "length"),
        ("LSVAU2180N22000111", "length"),
        ("LSVAU2I80N2200011", "characters"),
        ("LSVAO2180N220001Q", "characters"),
        ("", "length"),
    ],
)
def test_malformed_vins_are_refused(vin, code):
    with pytest.raises(VinError) as refused:
        validate(vin)
    assert refused.value.code == code
