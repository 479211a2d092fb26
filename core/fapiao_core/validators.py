"""Validators for Chinese identifiers used on fapiao.

References:
- USCC, GB 32100-2015: 18 characters, check character on position 18. python-stdnum requires
  positions 1-8 to be digits; GB 32100 lets registrars use letters in positions 1-2, so those two
  are relaxed here (alphabet of 31 characters without I O S V Z).
- Legacy taxpayer numbers: 15, 17, 18 or 20 characters (structure only; no check digit exists).
- Resident identity number, GB 11643-1999: 18 characters, ISO 7064 MOD 11-2 check character.
- 数电 invoice number: 20 digits (YY + area code + channel + sequence).
"""

import datetime
import ipaddress
import re

from . import FapiaoError

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$", re.ASCII)
LEGACY_TAX_ID_RE = re.compile(r"^[0-9A-Z]{15}$|^[0-9A-Z]{17}$|^[0-9A-Z]{20}$", re.ASCII)
RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_CHECK = "10X98765432"
RESIDENT_RE = re.compile(r"^\d{17}[\dX]$", re.ASCII)
FAPIAO_NUMBER_RE = re.compile(r"^\d{20}$", re.ASCII)
TAX_CODE_RE = re.compile(r"^\d{19}$", re.ASCII)


def compact(value):
    return re.sub(r"[\s\-]", "", value or "").upper()


def uscc_check_char(first17):
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value):
    """Return the compact USCC or raise FapiaoError('uscc_invalid' | 'uscc_checksum')."""
    number = compact(value)
    if not USCC_RE.match(number):
        raise FapiaoError("uscc_invalid", value=value)
    if uscc_check_char(number[:17]) != number[17]:
        raise FapiaoError("uscc_checksum", value=value)
    return number


def resident_check_char(first17):
    return RESIDENT_CHECK[
        sum(int(c) * w for c, w in zip(first17, RESIDENT_WEIGHTS, strict=True)) % 11
    ]


def validate_resident_id(value):
    """18-character resident identity number with a valid birth date and check character."""
    number = compact(value)
    if not RESIDENT_RE.match(number):
        raise FapiaoError("resident_id_invalid", value=value)
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise FapiaoError("resident_id_invalid", value=value) from exc
    if birth.year < 1900 or birth > datetime.date.today():
        raise FapiaoError("resident_id_invalid", value=value)
    if resident_check_char(number[:17]) != number[17]:
        raise FapiaoError("resident_id_checksum", value=value)
    return number


def validate_tax_id(value, natural_person=False, id_type=None):
    """A buyer's or seller's taxpayer identification number.

    Enterprises: an 18-character USCC (checked), or a legacy 15/17/20-character number
    (structure only). Natural persons: an 18-digit resident ID (checked), or the number of
    another identity document (``id_type``, see ``validate_person_id``).
    """
    number = compact(value)
    if natural_person:
        return validate_person_id(number, id_type)
    if len(number) == 18:
        return validate_uscc(number)
    if LEGACY_TAX_ID_RE.match(number):
        return number
    raise FapiaoError("tax_id_length", value=value)


# Documents identifying a natural person (Nuonuo certificateType; the codes of the bureau's
# 证件类型 table). Only 201, 103 and 208 are confirmed by public sources (Nuonuo's
# requestBillingNew documentation, Leqi's lucymao9/leqi-invoice); the names of the others follow
# the bureau's table and are unconfirmed [U].
RESIDENT_ID = "201"
PERSON_ID_TYPES = {
    "201": "居民身份证",
    "208": "外国护照",
    "210": "港澳居民来往内地通行证",
    "213": "台湾居民来往大陆通行证",
    "215": "外国人居留证",
    "233": "外国人永久居留身份证",
    "299": "其他个人证件",
}
OTHER_ID_RE = re.compile(r"^[0-9A-Z()\-]{5,30}$", re.ASCII)


def validate_person_id(value, id_type=RESIDENT_ID):
    """A natural person's ID number: a resident ID is checked (GB 11643 check digit); other
    documents (passports, travel permits...) only for their shape: 5 to 30 letters, digits,
    brackets or hyphens."""
    if id_type in (None, False, "", RESIDENT_ID):
        return validate_resident_id(value)
    if id_type not in PERSON_ID_TYPES:
        raise FapiaoError("person_id_type_unknown", value=id_type)
    number = compact(value)
    if not OTHER_ID_RE.match(number):
        raise FapiaoError("person_id_invalid", value=value, document=PERSON_ID_TYPES[id_type])
    return number


def validate_fapiao_number(value):
    number = compact(value)
    if not FAPIAO_NUMBER_RE.match(number):
        raise FapiaoError("fapiao_number_invalid", value=value)
    return number


def validate_tax_code(value):
    code = compact(value)
    if not TAX_CODE_RE.match(code):
        raise FapiaoError("tax_code_invalid", value=value)
    return code


def network_entries(text):
    """The addresses and networks of an allow-list (comma or space separated), and the first
    entry that is neither (None when all are)."""
    entries = (text or "").replace(",", " ").split()
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            return entries, entry
    return entries, None
