"""Exact money for fapiao: Decimal only, amounts rounded half-up to the cent (the bureau's
rule, 四舍五入, as the fapiao prints its amounts). This module is the one place money is rounded,
spread and compared: every add-on's core (fruit, vehicle) uses it.

The platform's tolerances (Nuonuo, [C]): |amount × rate − tax| ≤ 0.06 per line; unit price and
quantity at most 8 decimals. Header totals must equal the sum of lines exactly, and the fapiao
must match the accounting invoice within 0.01.
"""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from . import FapiaoError

CENT = Decimal("0.01")
LINE_TAX_TOLERANCE = Decimal("0.06")
INVOICE_TOLERANCE = Decimal("0.01")
MAX_DECIMALS = 8
# No fapiao line is worth a trillion yuan: above this, an amount is a typing or data error
# (and a float's noise, NaN or infinity, never reaches the platform). [U] the platform's own
# limit is not documented publicly; this is ours.
MAX_AMOUNT = Decimal("999999999999.99")


def D(value):
    """Decimal from str/int/Decimal/float. Floats go through repr, never binary expansion."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value if value is not None else 0))


def plain(value):
    """Fixed-point text without trailing zeros or exponent: 800.0 -> "800", 12.50 -> "12.5".

    (Decimal.normalize() alone gives "8E+2", which no platform accepts.)"""
    text = format(D(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def cents(value):
    return D(value).quantize(CENT, rounding=ROUND_HALF_UP)


def decimals(value):
    exponent = D(value).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def check_finite(index, value):
    """NaN, infinity and absurd amounts are refused with the line they are on."""
    if value in (None, ""):
        return
    number = D(value)
    if not number.is_finite() or abs(number) > MAX_AMOUNT:
        raise FapiaoError("line_amount_absurd", line=index, amount=str(value))


def check_line(index, quantity, unit_price, amount, rate, tax):
    """Check one line as the platform will; ``index`` is 1-based and names the line in errors."""
    for value in (quantity, unit_price, amount, rate, tax):
        check_finite(index, value)
    if decimals(quantity) > MAX_DECIMALS or decimals(unit_price) > MAX_DECIMALS:
        raise FapiaoError("line_too_many_decimals", line=index)
    if cents(amount) != D(amount):
        raise FapiaoError("line_amount_not_cents", line=index, amount=str(amount))
    if quantity not in (None, "") and unit_price not in (None, "") and D(quantity):
        if abs(cents(D(quantity) * D(unit_price)) - D(amount)) > INVOICE_TOLERANCE:
            raise FapiaoError("line_price_mismatch", line=index, amount=str(amount))
    expected = D(amount) * D(rate)
    if abs(expected - D(tax)) > LINE_TAX_TOLERANCE:
        raise FapiaoError(
            "line_tax_mismatch", line=index, tax=str(tax), expected=str(cents(expected))
        )


def check_document(lines, header_amount, header_tax, invoice_total=None):
    """``lines``: iterable of dicts with quantity, unit_price, amount, rate, tax (str/Decimal).

    Returns (amount, tax, total) as Decimals; raises FapiaoError naming the first bad line.
    """
    amount = tax = Decimal("0.00")
    for index, line in enumerate(lines, start=1):
        check_line(
            index,
            line.get("quantity"),
            line.get("unit_price"),
            line["amount"],
            line["rate"],
            line["tax"],
        )
        amount += D(line["amount"])
        tax += D(line["tax"])
    if amount != D(header_amount) or tax != D(header_tax):
        raise FapiaoError("header_not_sum_of_lines", amount=str(amount), tax=str(tax))
    total = amount + tax
    if invoice_total is not None and abs(total - D(invoice_total)) > INVOICE_TOLERANCE:
        raise FapiaoError("fapiao_invoice_mismatch", total=str(total), invoice=str(invoice_total))
    return amount, tax, total


def allocate(total, weights):
    """``total`` spread over ``weights`` so that the parts add up exactly to the cent: each part
    rounded down to the cent, the cents left go to the largest remainders (ties to the first).
    Weights all zero: nothing to spread by, ``None``."""
    total = cents(total)
    weights = [D(w) for w in weights]
    weight_sum = sum(weights)
    if not weight_sum:
        return None
    raw = [total * w / weight_sum for w in weights]
    parts = [r.quantize(CENT, rounding=ROUND_DOWN) for r in raw]
    left = int((total - sum(parts)) / CENT)
    for i in sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))[:left]:
        parts[i] += CENT
    return parts


def differs(first, second, tolerance=INVOICE_TOLERANCE):
    """Whether two amounts differ by more than ``tolerance`` (the fapiao against its invoice:
    0.01)."""
    return abs(D(first) - D(second)) > tolerance


DIGITS = "零壹贰叁肆伍陆柒捌玖"
SECTION_UNITS = ("", "万", "亿", "万亿")


def _section_words(number):
    """Words for 0 < number < 10000, with 零 between non-zero digits separated by zeros."""
    out, zero = "", False
    for base, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        digit = number // base % 10
        if digit:
            out += ("零" if zero and out else "") + DIGITS[digit] + unit
            zero = False
        else:
            zero = True
    return out


def amount_in_words(value):
    """Chinese capital amount (大写), e.g. 壹仟贰佰叁拾肆元伍角陆分; negative: （负数）prefix."""
    value = cents(value)
    prefix = "（负数）" if value < 0 else ""
    value = abs(value)
    integer = int(value)
    fraction = int((value - integer) * 100)
    groups = []
    while integer:
        integer, group = divmod(integer, 10000)
        groups.insert(0, group)
    text, pending_zero = "", False
    for position, group in enumerate(groups):
        unit = SECTION_UNITS[len(groups) - 1 - position]
        if not group:
            pending_zero = bool(text)
            continue
        if text and (pending_zero or group < 1000):
            text += "零"
        text += _section_words(group) + unit
        pending_zero = False
    if text:
        text += "元"
    jiao, fen = divmod(fraction, 10)
    if not jiao and not fen:
        return prefix + (text or "零元") + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif text:
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    return prefix + text
