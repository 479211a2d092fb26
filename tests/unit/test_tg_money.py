from decimal import Decimal

import pytest
from fapiao_core import FapiaoError
from fapiao_core import money as m


def line(q, p, a, r, t):
    return {"quantity": q, "unit_price": p, "amount": a, "rate": r, "tax": t}


def test_document_totals_exact():
    lines = [line("3", "10.10", "30.30", "0.09", "2.73"), line("1.5", "8", "12.00", "0.13", "1.56")]
    assert m.check_document(lines, "42.30", "4.29", invoice_total="46.59") == (
        Decimal("42.30"),
        Decimal("4.29"),
        Decimal("46.59"),
    )


def test_line_tax_tolerance_names_line():
    lines = [
        line("1", "100", "100.00", "0.13", "13.00"),
        line("1", "100", "100.00", "0.13", "13.07"),
    ]
    with pytest.raises(FapiaoError) as err:
        m.check_document(lines, "200.00", "26.07")
    assert err.value.code == "line_tax_mismatch" and err.value.params["line"] == 2


def test_header_must_equal_lines():
    with pytest.raises(FapiaoError) as err:
        m.check_document([line("1", "1", "1.00", "0.09", "0.09")], "1.01", "0.09")
    assert err.value.code == "header_not_sum_of_lines"


def test_invoice_mismatch_and_decimals():
    with pytest.raises(FapiaoError) as err:
        m.check_document([line("1", "1", "1.00", "0.09", "0.09")], "1.00", "0.09", "1.11")
    assert err.value.code == "fapiao_invoice_mismatch"
    with pytest.raises(FapiaoError) as err:
        m.check_line(1, "1", "0.123456789", "0.12", "0.09", "0.01")
    assert err.value.code == "line_too_many_decimals"


def test_allocation_adds_up():
    parts = m.allocate("100.00", [1, 1, 1])
    assert parts == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert sum(m.allocate("1234.57", [3, 7, 11, 13])) == Decimal("1234.57")
    assert m.allocate("10", [0, 0]) is None  # nothing to spread by


def test_one_rounding_rule_half_up():
    """The bureau rounds half up (四舍五入): 0.125 is 0.13 and 0.135 is 0.14, never banker's."""
    assert m.cents("0.125") == Decimal("0.13")
    assert m.allocate("0.125", [1]) == [Decimal("0.13")]
    assert m.allocate("0.135", [1, 0]) == [Decimal("0.14"), Decimal("0.00")]
    assert not m.differs("100.00", "100.01") and m.differs("100.00", "100.02")


@pytest.mark.parametrize(
    "value,words",
    [
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("100000.01", "壹拾万元零壹分"),
        ("100001", "壹拾万零壹元整"),
        ("1005.50", "壹仟零伍元伍角"),
        ("100000000.00", "壹亿元整"),
        ("0.05", "伍分"),
        ("-10", "（负数）壹拾元整"),
        ("0", "零元整"),
    ],
)
def test_amount_in_words(value, words):
    assert m.amount_in_words(value) == words


@pytest.mark.parametrize(
    "value,text",
    [
        (800.0, "800"),
        ("12.50", "12.5"),
        ("0.00000001", "0.00000001"),
        (Decimal("8E+2"), "800"),
        (0, "0"),
        ("-3.10", "-3.1"),
    ],
)
def test_plain_never_uses_exponents(value, text):
    assert m.plain(value) == text


@pytest.mark.parametrize(
    "amount", ["NaN", "Infinity", "-Infinity", "1e15", float("nan"), float("inf")]
)
def test_nan_infinite_and_absurd_amounts_are_refused_with_their_line(amount):
    with pytest.raises(FapiaoError) as err:
        m.check_document(
            [line("1", "100", "100.00", "0.13", "13.00"), line("1", "1", amount, "0.13", "0")],
            "100.00",
            "13.00",
        )
    assert err.value.code == "line_amount_absurd"
    assert err.value.params["line"] == 2
