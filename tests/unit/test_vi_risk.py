"""Risk rules of vehicle invoicing (fapiao_core.vehicle.risk), without Odoo."""

from decimal import Decimal as D

import pytest
from fapiao_core.vehicle import risk

FACTS = risk.Facts(
    vin="LSVAU2180N2200012",
    amount=D("169500.00"),
    untaxed=D("150000.00"),
    invoices_today=1,
    guide_price=D("180000.00"),
    red_count=2,
    cost=D("155000.00"),
)


def test_each_rule():
    def hits(code, threshold, facts=FACTS):
        return [(h.code, h.value) for h in risk.evaluate([(code, threshold)], facts)]

    assert hits(risk.MAX_AMOUNT, "150000") == [(risk.MAX_AMOUNT, D("169500.00"))]
    assert hits(risk.MAX_AMOUNT, "200000") == []
    assert hits(risk.MAX_PER_VIN_DAY, "1") == [(risk.MAX_PER_VIN_DAY, D("1"))]
    assert hits(risk.MAX_PER_VIN_DAY, "2") == []
    assert hits(risk.GUIDE_DEVIATION, "5") == [(risk.GUIDE_DEVIATION, D("5.83"))]
    assert hits(risk.GUIDE_DEVIATION, "6") == []
    assert hits(risk.REPEATED_RED, "2") == [(risk.REPEATED_RED, D("2"))]
    assert hits(risk.BELOW_COST, "0") == [(risk.BELOW_COST, D("3.23"))]
    assert hits(risk.BELOW_COST, "5") == []


def test_missing_facts_never_hit():
    bare = risk.Facts(vin="X", amount=D("1.00"), untaxed=D("1.00"))
    assert risk.evaluate([(risk.GUIDE_DEVIATION, "0"), (risk.BELOW_COST, "0")], bare) == []


def test_unknown_rule():
    with pytest.raises(ValueError):
        risk.evaluate([("nope", "1")], FACTS)
