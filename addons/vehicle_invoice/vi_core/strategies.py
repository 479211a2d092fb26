"""How one dealer invoice becomes several fapiao: split strategies in a registry.

A strategy takes the invoice's lines (``Item``) and returns groups, each one fapiao:
``Group(role, keys)`` where ``role`` is "vehicle" (a motor-vehicle fapiao: always exactly one
vehicle, nothing else), "goods" or "service". Other modules register their own with
``@register("name")``; the company setting picks one by name.

Whatever the strategy, two rules hold and are checked by ``split``: every line is in exactly
one group, and a vehicle group holds one vehicle line and nothing else.
"""

from dataclasses import dataclass

VEHICLE, ACCESSORY, SERVICE = "vehicle", "accessory", "service"
STRATEGIES = {}


@dataclass(frozen=True)
class Item:
    key: object
    role: str  # vehicle / accessory / service
    category: str = ""
    sequence: int = 0


@dataclass(frozen=True)
class Group:
    role: str  # vehicle / goods / service
    keys: tuple


class StrategyError(ValueError):
    def __init__(self, code, **params):
        super().__init__(f"{code}: {params}")
        self.code = code
        self.params = params


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
    return groups
