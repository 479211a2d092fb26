"""The fruit splitting engine (fapiao_core.fruit.splitting), without Odoo."""

import random
from decimal import Decimal as D

import pytest
from fapiao_core.fruit.splitting import Line, Policy, SplitError, split

RATE = D("0.09")


def line(key, qty, price, customer="A", lots=(), exempt=False, seq=None):
    return Line(
        key=key,
        customer=customer,
        quantity=D(qty),
        price=D(price),
        rate=D("0") if exempt else RATE,
        exempt=exempt,
        lots=tuple((lot, D(q)) for lot, q in lots),
        sequence=seq if seq is not None else key,
        name=f"line {key}",
    )


def test_split_by_customer_lot_and_treatment():
    lines = [
        line(1, "10", "12.50", "A", lots=[("L1", "10")]),
        line(2, "5", "8.00", "B", lots=[("L2", "5")]),
        line(3, "4", "6.00", "A", lots=[("L1", "4")], exempt=True),
        line(4, "6", "12.50", "A", lots=[("L3", "6")]),
    ]
    invoices = split(lines)
    keys = [(i.customer, i.exempt, i.lot, [p.line.key for p in i.parts]) for i in invoices]
    assert keys == [
        ("A", False, "L1", [1]),
        ("A", False, "L3", [4]),
        ("A", True, "L1", [3]),
        ("B", False, "L2", [2]),
    ]
    # without the lot dimension, A's taxable lines share one invoice
    assert len(split(lines, Policy(by_lot=False))) == 3


def test_line_from_two_lots_becomes_two_exact_parts():
    invoices = split([line(1, "30", "12.50", lots=[("L1", "10"), ("L2", "25")])])
    assert [(i.lot, i.parts[0].quantity, i.amount, i.tax) for i in invoices] == [
        ("L1", D("10"), D("125.00"), D("11.25")),
        ("L2", D("20"), D("250.00"), D("22.50")),
    ]


def test_lot_parts_that_would_drift_a_cent_keep_the_line_whole():
    # 12.35 × 3.333 = 41.16 and 12.35 × 6.667 = 82.34: 123.50 either way, but taxes
    # 3.70 + 7.41 = 11.11 against 11.12 on the whole line -> the line stays whole
    item = line(1, "10", "12.35", lots=[("L1", "3.333"), ("L2", "6.667")])
    (invoice,) = split([item])
    assert invoice.lot is None and invoice.parts[0].lots == ("L1", "L2")
    assert (invoice.amount, invoice.tax) == (item.amount, item.tax)


def test_face_value_limit_and_max_lines():
    lines = [line(i, "1", "400.00", lots=[("L1", "1")]) for i in range(1, 8)]
    invoices = split(lines, Policy(limit=D("1000.00")))
    assert [len(i.parts) for i in invoices] == [2, 2, 2, 1]
    assert all(i.amount <= D("1000.00") for i in invoices)
    with_tax = split(lines, Policy(limit=D("1000.00"), limit_includes_tax=True))
    assert [len(i.parts) for i in with_tax] == [2, 2, 2, 1]  # 872.00 each
    assert [len(i.parts) for i in split(lines, Policy(max_lines=3))] == [3, 3, 1]


def test_single_line_over_the_limit_is_refused():
    with pytest.raises(SplitError) as refused:
        split([line(1, "100", "12.50")], Policy(limit=D("1000.00")))
    assert refused.value.code == "line_over_limit"
    assert refused.value.params["amount"] == D("1250.00")


def test_lots_short_of_the_invoiced_quantity_are_refused():
    with pytest.raises(SplitError) as refused:
        split([line(1, "30", "1.00", lots=[("L1", "10"), ("L2", "5")])])
    assert refused.value.code == "lots_short"


def test_deterministic_and_exact_on_a_random_order():
    rng = random.Random(7)
    lines = []
    for key in range(1, 1001):
        lots = [(f"L{rng.randint(1, 9)}", str(rng.randint(1, 50)))]
        if rng.random() < 0.3:
            lots.append((f"L{rng.randint(1, 9)}", str(rng.randint(1, 50))))
        qty = sum(D(q) for _l, q in lots)
        lines.append(
            line(
                key,
                str(qty),
                f"{rng.randint(100, 9999) / 100:.2f}",
                f"C{rng.randint(1, 5)}",
                lots=lots,
                exempt=rng.random() < 0.1,
            )
        )
    policy = Policy(limit=D("100000.00"), max_lines=100)
    first = split(lines, policy)
    shuffled = lines[:]
    rng.shuffle(shuffled)
    again = split(shuffled, policy)
    assert [[(p.line.key, p.quantity) for p in i.parts] for i in first] == [
        [(p.line.key, p.quantity) for p in i.parts] for i in again
    ]
    assert sum(i.total for i in first) == sum(ln.amount + ln.tax for ln in lines)
    assert all(len({p.line.exempt for p in i.parts}) == 1 for i in first)
    assert all(i.amount <= D("100000.00") and len(i.parts) <= 100 for i in first)
