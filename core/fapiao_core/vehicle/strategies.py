"""How one dealer invoice becomes several fapiao: split strategies in a registry.

A strategy takes the invoice's lines (``Item``) and returns groups, each one fapiao:
``Group(role, keys)`` where ``role`` is "vehicle" (a motor-vehicle fapiao: always exactly one
vehicle, nothing else), "goods" or "service". Other modules register their own with
``@register("name")``; the company setting picks one by name.

Whatever the strategy, two rules hold and are checked by ``split``: every line is in exactly
one group, and a vehicle group holds one vehicle line and nothing else.

A strategy may also re-allocate amounts (``Group.totals``, the tax-included total of each of
its lines): ``by_ratio`` spreads what the buyer paid for a bundle over its parts in proportion
to their stand-alone prices. ``split`` then checks that, for each tax rate, the allocated
totals add up to what was invoiced, to the cent, and that none is negative.
"""

from dataclasses import dataclass
from decimal import Decimal

from .. import FapiaoError
from ..money import allocate

VEHICLE, ACCESSORY, SERVICE = "vehicle", "accessory", "service"
STRATEGIES = {}


@dataclass(frozen=True)
class Item:
    key: object
    role: str  # vehicle / accessory / service
    category: str = ""
    sequence: int = 0
    total: Decimal = None  # invoiced, tax included (needed by strategies that re-allocate)
    reference: Decimal = None  # stand-alone price, tax included (guide price, list price)
    rate: Decimal = None  # VAT rate of the line (0.13)


@dataclass(frozen=True)
class Group:
    role: str  # vehicle / goods / service
    keys: tuple
    totals: tuple = None  # re-allocated tax-included totals, one per key; None: as invoiced


class StrategyError(FapiaoError):
    """A split the strategy refuses: ``code`` names it, ``params`` fill the message."""


def register(name):
    def decorator(function):
        STRATEGIES[name] = function
        return function

    return decorator


def _vehicles(items):
    return [Group("vehicle", (item.key,)) for item in items if item.role == VEHICLE]


@register("by_role")
def by_role(items):
    """Each vehicle alone; accessories (精品) together; services (repair, agency) together."""
    groups = _vehicles(items)
    for role, group_role in ((ACCESSORY, "goods"), (SERVICE, "service")):
        keys = tuple(item.key for item in items if item.role == role)
        if keys:
            groups.append(Group(group_role, keys))
    return groups


@register("by_category")
def by_category(items):
    """Each vehicle alone; the other lines one fapiao per product category."""
    groups = _vehicles(items)
    categories = {}
    for item in items:
        if item.role != VEHICLE:
            categories.setdefault((item.category, item.role), []).append(item.key)
    for (_category, role), keys in categories.items():  # in the order the lines come
        groups.append(Group("service" if role == SERVICE else "goods", tuple(keys)))
    return groups


@register("vehicle_only")
def vehicle_only(items):
    """Each vehicle alone; everything else on one fapiao."""
    groups = _vehicles(items)
    keys = tuple(item.key for item in items if item.role != VEHICLE)
    if keys:
        groups.append(Group("goods", keys))
    return groups


@register("by_ratio")
def by_ratio(items):
    """Like ``by_role``, but what the buyer paid is spread over the parts of the deal in
    proportion to their stand-alone prices (按比例分摊: the vehicle's guide price, the list
    price of accessories and services), separately for each VAT rate. An accessory given
    with the car at no price then gets its share of the car's price instead of a zero line
    (a gift would be a deemed sale). A line weighs its stand-alone price or what it was sold
    for, whichever is higher; a line with neither is refused."""
    shares = {}
    by_rate = {}
    for item in items:
        if item.total is None:
            raise StrategyError("total_missing", key=item.key)
        by_rate.setdefault(item.rate, []).append(item)
    for rate_items in by_rate.values():
        # never weigh a line below what it was sold for: a stale or default list price
        # must not drain a line the buyer paid for
        weights = [max(item.reference or 0, item.total) for item in rate_items]
        for item, weight in zip(rate_items, weights, strict=True):
            if not weight:
                raise StrategyError("no_reference", key=item.key)
        parts = allocate(sum(item.total for item in rate_items), weights)
        shares.update(zip((item.key for item in rate_items), parts, strict=False))
    return [
        Group(group.role, group.keys, tuple(shares[key] for key in group.keys))
        for group in by_role(items)
    ]


def split(items, strategy="by_role"):
    if strategy not in STRATEGIES:
        raise StrategyError("unknown_strategy", strategy=strategy)
    items = sorted(items, key=lambda item: (item.sequence, str(item.key)))
    groups = STRATEGIES[strategy](items)
    seen = [key for group in groups for key in group.keys]
    if sorted(map(str, seen)) != sorted(str(item.key) for item in items):
        raise StrategyError("coverage", strategy=strategy)
    roles = {item.key: item.role for item in items}
    for group in groups:
        vehicles = [key for key in group.keys if roles[key] == VEHICLE]
        if vehicles and (group.role != "vehicle" or len(group.keys) != 1):
            raise StrategyError("vehicle_not_alone", strategy=strategy)
    _check_totals(items, groups, strategy)
    return groups


def _check_totals(items, groups, strategy):
    """Re-allocated totals: one per line, none negative, and per VAT rate the same sum as
    invoiced."""
    allocated = {}
    for group in groups:
        if group.totals is None:
            continue
        if len(group.totals) != len(group.keys) or any(t < 0 for t in group.totals):
            raise StrategyError("bad_totals", strategy=strategy)
        allocated.update(zip(group.keys, group.totals, strict=False))
    if not allocated:
        return
    invoiced, spread = {}, {}
    for item in items:
        invoiced[item.rate] = invoiced.get(item.rate, 0) + (item.total or 0)
        spread[item.rate] = spread.get(item.rate, 0) + allocated.get(item.key, item.total or 0)
    if invoiced != spread:
        raise StrategyError("totals_changed", strategy=strategy)
