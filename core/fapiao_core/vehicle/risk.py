"""Risk rules for vehicle invoicing (plain Python, no Odoo import).

Each rule has a code and a threshold the Fapiao Manager sets; ``evaluate`` returns the hits
for the facts of one vehicle about to be invoiced. A hit stops the invoicing for review.
"""

from dataclasses import dataclass
from decimal import Decimal

from ..money import cents

MAX_AMOUNT = "max_amount"  # the vehicle's fapiao total (tax included) above the threshold
MAX_PER_VIN_DAY = "max_per_vin_day"  # fapiao made for this VIN today, at or above threshold
GUIDE_DEVIATION = "guide_deviation"  # % away from the manufacturer's guide price
REPEATED_RED = "repeated_red"  # red letters already on this VIN, at or above threshold
BELOW_COST = "below_cost"  # sold below cost (threshold: tolerated % below cost)
CODES = (MAX_AMOUNT, MAX_PER_VIN_DAY, GUIDE_DEVIATION, REPEATED_RED, BELOW_COST)


@dataclass(frozen=True)
class Facts:
    vin: str
    amount: Decimal  # tax included
    untaxed: Decimal
    invoices_today: int = 0
    guide_price: Decimal | None = None  # tax included
    red_count: int = 0
    cost: Decimal | None = None  # per vehicle, untaxed


@dataclass(frozen=True)
class Hit:
    code: str
    vin: str
    value: Decimal
    threshold: Decimal


def evaluate(rules, facts):
    """``rules``: iterable of (code, threshold). Returns the hits, in the order of the rules."""
    hits = []
    for code, threshold in rules:
        threshold = Decimal(threshold)
        value = _value(code, facts)
        if value is not None and _hit(code, value, threshold):
            hits.append(Hit(code, facts.vin, value, threshold))
    return hits


def _value(code, facts):
    if code == MAX_AMOUNT:
        return facts.amount
    if code == MAX_PER_VIN_DAY:
        return Decimal(facts.invoices_today)
    if code == GUIDE_DEVIATION:
        if not facts.guide_price:
            return None
        deviation = abs(facts.amount - facts.guide_price) / facts.guide_price * 100
        return cents(deviation)  # a percentage to two places, the one rounding rule
    if code == REPEATED_RED:
        return Decimal(facts.red_count)
    if code == BELOW_COST:
        if not facts.cost:
            return None
        below = (facts.cost - facts.untaxed) / facts.cost * 100
        return cents(below)
    raise ValueError(f"unknown risk rule {code}")


def _hit(code, value, threshold):
    if code in (MAX_PER_VIN_DAY, REPEATED_RED):
        return value >= threshold
    return value > threshold
