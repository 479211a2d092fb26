"""Dealer split strategies (vi_core.strategies), without Odoo."""

import pytest
from vi_core import strategies
from vi_core.strategies import Group, Item, StrategyError, register, split

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
