"""Partial invoicing and pre-invoicing (预开票) of fruit orders (plain Python, no Odoo import).

A fapiao always shows goods: quantity × unit price, never a bare "down payment". So:

* invoicing **by amount** takes whole quantities of the order's lines, in order, and of the
  last line the largest quantity (at the unit's precision) whose amount with tax still fits:
  ``fill_amount``. The result never exceeds the amount asked for and is exact to the cent,
  each line rounded the way the invoice rounds it (``splitting.Line``);
* goods **pre-invoiced** before delivery are matched with the deliveries when they leave:
  ``cover`` hands out what was delivered (first in, first out, batch by batch) to what was
  invoiced, in the order it was invoiced.
"""

from dataclasses import replace
from decimal import ROUND_DOWN, Decimal

from .splitting import SplitError


def fill_amount(lines, target, step=Decimal("0.01")):
    """``[(line, quantity), ...]`` and their total (tax included, exact) for ``target``.

    ``lines`` are ``splitting.Line`` whose ``quantity`` is what may still be invoiced; they are
    taken in order of ``sequence``. ``step`` is the precision of quantities. Raises SplitError
    ``amount_invalid`` for a target that is not positive and ``amount_above`` for a target above
    what is left (``available`` in params).
    """
    target = Decimal(target)
    step = Decimal(step)
    ordered = sorted(
        (ln for ln in lines if ln.quantity > 0), key=lambda ln: (ln.sequence, str(ln.key))
    )
    available = sum((ln.amount + ln.tax for ln in ordered), Decimal("0.00"))
    if target <= 0:
        raise SplitError("amount_invalid", amount=target)
    if target > available:
        raise SplitError("amount_above", amount=target, available=available)
    taken, left = [], target
    for line in ordered:
        whole = line.amount + line.tax
        if whole <= left:
            taken.append((line, line.quantity))
            left -= whole
            continue
        quantity = _largest_quantity(line, left, step)
        if quantity > 0:
            taken.append((line, quantity))
            part = replace(line, quantity=quantity)
            left -= part.amount + part.tax
        break
    return taken, target - left


def _largest_quantity(line, budget, step):
    """The largest multiple of ``step`` (≤ the line's quantity) whose amount plus tax, each
    rounded to the cent, is at most ``budget``."""

    def gross(quantity):
        part = replace(line, quantity=quantity)
        return part.amount + part.tax

    unit = line.price * (1 + line.rate)
    if unit <= 0:
        return line.quantity
    # an estimate from the unrounded price, then exact steps: rounding moves it by a step or two
    guess = (budget / unit / step).to_integral_value(rounding=ROUND_DOWN) * step
    quantity = min(max(guess, Decimal(0)), line.quantity)
    while quantity > 0 and gross(quantity) > budget:
        quantity -= step
    while quantity + step <= line.quantity and gross(quantity + step) <= budget:
        quantity += step
    return max(quantity, Decimal(0))


def cover(deliveries, claims):
    """What each claim received of the deliveries, first in, first out.

    ``deliveries``: ``[(lot, quantity), ...]`` net of returns, oldest first (``lot`` may be
    None for goods without batches). ``claims``: ``[(key, quantity), ...]`` in the order the
    quantities were invoiced. Returns ``{key: (covered, ((lot, quantity), ...))}``.
    """
    queue = [[lot, Decimal(qty)] for lot, qty in deliveries if Decimal(qty) > 0]
    result = {}
    for key, wanted in claims:
        wanted = Decimal(wanted)
        got, lots = Decimal(0), []
        while wanted > 0 and queue:
            lot, qty = queue[0]
            take = min(qty, wanted)
            lots.append((lot, take))
            got += take
            wanted -= take
            queue[0][1] -= take
            if queue[0][1] <= 0:
                queue.pop(0)
        result[key] = (got, tuple(lots))
    return result
