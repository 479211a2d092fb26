"""Partial invoicing by amount and pre-invoice coverage (fapiao_core.fruit.partial), without
Odoo."""

import random
from decimal import Decimal as D

import pytest
from fapiao_core.fruit.partial import cover, fill_amount
from fapiao_core.fruit.splitting import Line, SplitError


def line(key, qty, price, rate="0.09"):
    return Line(
        key=key,
        customer="A",
        quantity=D(qty),
        price=D(price),
        rate=D(rate),
        sequence=key,
        name=f"line {key}",
    )


def gross(ln, qty):
    amount = (ln.price * qty).quantize(D("0.01"), rounding="ROUND_HALF_UP")
    return amount + (amount * ln.rate).quantize(D("0.01"), rounding="ROUND_HALF_UP")


def test_whole_lines_first_then_the_largest_quantity_that_fits():
    apples, pears = line(1, "100", "6.50"), line(2, "50", "8.20")
    # apples: 650.00 + 58.50 = 708.50; 1,000.00 leaves 291.50 for pears at 8.938 a kg
    taken, total = fill_amount([pears, apples], D("1000.00"))
    assert [(ln.key, qty) for ln, qty in taken] == [(1, D("100")), (2, D("32.61"))]
    assert total == D("708.50") + gross(pears, D("32.61")) == D("999.97")
    # one more step would not fit
    assert D("708.50") + gross(pears, D("32.62")) > D("1000.00")


def test_an_exact_amount_is_met_to_the_cent():
    apples = line(1, "100", "6.50")
    taken, total = fill_amount([apples], D("354.25"))  # 50 kg: 325.00 + 29.25
    assert taken == [(apples, D("50.00"))] and total == D("354.25")


def test_whole_order_and_refusals():
    lines = [line(1, "10", "12.35"), line(2, "3.5", "7", rate="0")]
    everything = gross(lines[0], D(10)) + gross(lines[1], D("3.5"))
    taken, total = fill_amount(lines, everything)
    assert total == everything and [q for _l, q in taken] == [D("10"), D("3.5")]
    with pytest.raises(SplitError) as err:
        fill_amount(lines, everything + D("0.01"))
    assert err.value.code == "amount_above" and err.value.params["available"] == everything
    for bad in ("0", "-5"):
        with pytest.raises(SplitError) as err:
            fill_amount(lines, D(bad))
        assert err.value.code == "amount_invalid"


def test_never_above_the_target_and_never_a_step_short():
    rng = random.Random(7)
    for _ in range(300):
        lines = [
            line(
                k,
                D(rng.randint(1, 50000)) / 100,
                D(rng.randint(50, 4000)) / 100,
                rng.choice(["0.09", "0.13", "0"]),
            )
            for k in range(1, rng.randint(2, 6))
        ]
        available = sum(gross(ln, ln.quantity) for ln in lines)
        target = (available * D(rng.random())).quantize(D("0.01")) or D("0.01")
        taken, total = fill_amount(lines, target)
        assert total <= target
        assert total == sum(gross(ln, q) for ln, q in taken)
        last, qty = taken[-1] if taken else (lines[0], D(0))
        if qty < last.quantity:  # the cut line: one more step would not fit
            assert total - gross(last, qty) + gross(last, qty + D("0.01")) > target


def test_cover_hands_out_deliveries_first_in_first_out():
    got = cover(
        [("L1", D(50)), ("L2", D(30))],
        [("pre", D(60)), ("later", D(30))],
    )
    assert got["pre"] == (D(60), (("L1", D(50)), ("L2", D(10))))
    assert got["later"] == (D(20), (("L2", D(20)),))
    assert cover([], [("pre", D(5))]) == {"pre": (D(0), ())}
    # goods without batches, and a net return (nothing left) ignored
    assert cover([(None, D(4)), ("L9", D(0))], [("a", D(3)), ("b", D(3))]) == {
        "a": (D(3), ((None, D(3)),)),
        "b": (D(1), ((None, D(1)),)),
    }
