"""Dealer split strategies (fapiao_core.vehicle.strategies), without Odoo."""

from decimal import Decimal

import pytest
from fapiao_core.vehicle import strategies
from fapiao_core.vehicle.strategies import Group, Item, StrategyError, by_role, register, split

ITEMS = [
    Item("car1", "vehicle", "整车", 1),
    Item("mats", "accessory", "精品/内饰", 2),
    Item("film", "accessory", "精品/贴膜", 3),
    Item("plate", "service", "代办", 4),
    Item("car2", "vehicle", "整车", 5),
]


def test_by_role():
    assert split(ITEMS) == [
        Group("vehicle", ("car1",)),
        Group("vehicle", ("car2",)),
        Group("goods", ("mats", "film")),
        Group("service", ("plate",)),
    ]


def test_by_category_and_vehicle_only():
    by_category = split(ITEMS, "by_category")
    assert by_category[2:] == [
        Group("goods", ("mats",)),
        Group("goods", ("film",)),
        Group("service", ("plate",)),
    ]
    assert split(ITEMS, "vehicle_only")[2:] == [Group("goods", ("mats", "film", "plate"))]


def test_order_of_input_does_not_matter():
    assert split(list(reversed(ITEMS))) == split(ITEMS)


def test_a_registered_strategy_that_breaks_the_rules_is_refused():
    @register("cars_together")
    def cars_together(items):
        return [Group("vehicle", tuple(i.key for i in items if i.role == "vehicle"))]

    try:
        with pytest.raises(StrategyError) as lost:
            split(ITEMS, "cars_together")
        assert lost.value.code == "coverage"  # accessories and services went missing
        with pytest.raises(StrategyError) as together:
            split([i for i in ITEMS if i.role == "vehicle"], "cars_together")
        assert together.value.code == "vehicle_not_alone"
    finally:
        del strategies.STRATEGIES["cars_together"]


def test_unknown_strategy():
    with pytest.raises(StrategyError):
        split(ITEMS, "nope")


D = Decimal


def deal(car_total, mats_total, plate_total, guide="200000", mats_list="1130.00"):
    return [
        Item("car", "vehicle", "整车", 1, D(car_total), D(guide), D("0.13")),
        Item("mats", "accessory", "精品", 2, D(mats_total), D(mats_list), D("0.13")),
        Item("plate", "service", "代办", 3, D(plate_total), None, D("0.06")),
    ]


def test_by_ratio_spreads_a_bundle_over_stand_alone_prices():
    # the car sold at 180,000 with mats "given" (0.00): the mats get their share of the price
    groups = split(deal("180000.00", "0.00", "500.00"), "by_ratio")
    totals = {key: total for g in groups for key, total in zip(g.keys, g.totals, strict=False)}
    assert totals["car"] + totals["mats"] == D("180000.00")  # to the cent, same 13 % rate
    assert totals["mats"] == D("1011.29")  # 180,000 × 1,130 / 201,130 = 1,011.286…
    assert totals["car"] == D("178988.71")  # 178,988.713…: the last cent went to the mats
    assert totals["plate"] == D("500.00")  # 6 %: alone at its rate, kept as invoiced
    assert [g.role for g in groups] == ["vehicle", "goods", "service"]


def test_by_ratio_largest_remainder_is_deterministic():
    items = [
        Item(k, "accessory", "精品", n, D("0.00") if n else D("100.00"), D("100"), D("0.13"))
        for n, k in enumerate("abc")
    ]
    groups = split(items, "by_ratio")
    assert groups[0].totals == (D("33.34"), D("33.33"), D("33.33"))
    assert sum(groups[0].totals) == D("100.00")
    assert split(list(reversed(items)), "by_ratio") == groups


def test_by_ratio_needs_a_price_for_every_line():
    items = deal("180000.00", "0.00", "500.00", mats_list="0")
    with pytest.raises(StrategyError) as err:
        split(items, "by_ratio")
    assert err.value.code == "no_reference"
    assert strategies.allocate(D("1.00"), [0, 0]) is None


def test_a_strategy_that_changes_the_total_is_refused():
    @register("generous")
    def generous(items):
        return [Group(g.role, g.keys, tuple(D("1.00") for _ in g.keys)) for g in by_role(items)]

    try:
        with pytest.raises(StrategyError) as err:
            split(deal("180000.00", "0.00", "500.00"), "generous")
        assert err.value.code == "totals_changed"
    finally:
        del strategies.STRATEGIES["generous"]
