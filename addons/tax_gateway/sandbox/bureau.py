"""The tax bureau's published rules, as this sandbox applies them (no import of the connector).

The sandbox is a peer of the connector, not its mirror: it shares none of the connector's code
(``fapiao_core``). Where both sides apply one published rule (the check character of a unified
social credit code, GB 32100-2015; the check digit of a resident ID, GB 11643-1999; the line
tax tolerance; the amount in capitals), each has an implementation of its own, so that a
mistake on one side is caught by the other instead of being agreed with.
"""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# 税额 of a line may differ from amount × rate by at most 0.06 (the bureau's 误差 rule)
LINE_TAX_TOLERANCE = Decimal("0.06")

# GB 32100-2015: 31 characters (no I, O, S, V, Z); weight of position i is 3^i mod 31
USCC_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}", re.ASCII)
LEGACY_TAX_ID = re.compile(r"[0-9A-Z]{15}|[0-9A-Z]{17}|[0-9A-Z]{20}", re.ASCII)
OTHER_PERSON_ID = re.compile(r"[0-9A-Z()\-]{5,30}", re.ASCII)


def cents(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def uscc_valid(code):
    if not USCC_SHAPE.fullmatch(code):
        return False
    weighted = sum(
        USCC_CHARACTERS.index(character) * pow(3, position, 31)
        for position, character in enumerate(code[:17])
    )
    return USCC_CHARACTERS[-weighted % 31] == code[17]


def resident_id_valid(number):
    """18 characters: 17 digits (the 6-digit area, the birth date, a sequence) and a check
    character, ISO 7064 MOD 11-2."""
    if not re.fullmatch(r"\d{17}[\dX]", number, re.ASCII):
        return False
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not datetime.date(1900, 1, 1) <= born <= datetime.date.today():
        return False
    remainder = sum(
        int(digit) * (2 ** (17 - index) % 11) for index, digit in enumerate(number[:17])
    )
    return "10X98765432"[remainder % 11] == number[17]


def tax_id_valid(value, natural_person=False):
    """A buyer's 纳税人识别号: a company's USCC (checked) or an older 15, 17 or 20 character
    number; a person's resident ID (checked) or another document's number (its shape)."""
    number = value.strip().upper()
    if natural_person:
        if len(number) == 18 and number[:17].isdigit():
            return resident_id_valid(number)
        return bool(OTHER_PERSON_ID.fullmatch(number))
    if len(number) == 18:
        return uscc_valid(number)
    return bool(LEGACY_TAX_ID.fullmatch(number))


def gbk_safe(text):
    """The bureau's systems store text in GBK: a character outside it cannot be issued."""
    try:
        str(text).encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_BIG_UNITS = ("", "万", "亿", "万亿")


def _four_digits(number):
    """0-9999 in capitals, with the zeros a cheque writes inside the group."""
    text, zero = "", False
    for power in (3, 2, 1, 0):
        digit = number // 10**power % 10
        if digit:
            if zero and text:
                text += "零"
            text += _DIGITS[digit] + _SMALL_UNITS[power]
            zero = False
        else:
            zero = True
    return text


def amount_in_capitals(value):
    """价税合计（大写）: 壹仟贰佰叁拾肆元伍角陆分, 壹佰元整; a red total is printed （负数）..."""
    value = cents(value)
    sign = "（负数）" if value < 0 else ""
    fen_total = int(abs(value) * 100)
    yuan, fen_total = divmod(fen_total, 100)
    jiao, fen = divmod(fen_total, 10)
    groups = []
    while yuan:
        yuan, group = divmod(yuan, 10000)
        groups.append(group)
    text = ""
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if not group:
            continue
        # a zero between two groups, or at the head of a lower group, is read once
        gap_above = index + 1 < len(groups) and not groups[index + 1]
        if text and (group < 1000 or gap_above):
            text += "零"
        text += _four_digits(group) + _BIG_UNITS[index]
    if text:
        text += "元"
    if not jiao and not fen:
        return sign + (text or "零元") + "整"
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif text:
        text += "零"
    if fen:
        text += _DIGITS[fen] + "分"
    return sign + text
