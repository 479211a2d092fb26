"""Vehicle identification numbers (ISO 3779 / GB 16735): format and check digit.

A VIN has 17 characters from 0-9 and A-Z without I, O and Q. Position 9 is a check digit
(0-9 or X) computed from the other 16: mandatory for vehicles built in China (world
manufacturer identifier starting with L); for other vehicles a wrong check digit is only a
warning, as some markets do not use it.
"""

import re

from .. import FapiaoError

ALLOWED = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


class VinError(FapiaoError):
    """``code``: length, characters or check_digit; ``params`` fill the translated message."""


def normalize(vin):
    return re.sub(r"[\s-]", "", vin or "").upper()


def check_digit(vin):
    """The check character (0-9 or X) of a 17-character VIN."""
    total = sum(VALUES[char] * weight for char, weight in zip(vin, WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def validate(vin):
    """Return (normalized VIN, warning or None); raise VinError when it cannot be a VIN."""
    vin = normalize(vin)
    if len(vin) != 17:
        raise VinError("length", vin=vin, length=len(vin))
    if not ALLOWED.fullmatch(vin):
        bad = sorted({c for c in vin if not re.fullmatch(r"[A-HJ-NPR-Z0-9]", c)})
        raise VinError("characters", vin=vin, chars="".join(bad))
    expected = check_digit(vin)
    if vin[8] != expected:
        if vin.startswith("L"):
            raise VinError("check_digit", vin=vin, expected=expected)
        return vin, "check_digit"
    return vin, None
