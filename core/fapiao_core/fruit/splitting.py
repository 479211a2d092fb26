"""Splitting engine for fruit wholesale invoices (plain Python, no Odoo import).

An order's invoiceable lines are cut into invoices:

1. by batch: a line delivered from several lots becomes one part per lot, when the parts' amounts
   and taxes, each rounded to the cent the way the invoice rounds them, add back exactly to the
   line's; otherwise the line stays whole and lists its lots (totals never drift by a cent);
2. by customer, tax treatment (taxable and exempt never share an invoice, so never a 专票) and,
   when asked, by lot;
3. by the face-value limit and the maximum number of lines per invoice, filling invoices in
   order (next fit). A single part above the limit is an error: lines are never cut by amount.

Deterministic: the same input gives the same invoices in the same order. The invoices' totals add
back to the input's to the cent (``check_totals``).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from .. import FapiaoError
from ..money import cents


class SplitError(FapiaoError):
    """A split refused: ``code`` names it, ``params`` fill the translated message."""


@dataclass(frozen=True)
class Line:
    key: object  # the caller's reference (a sale line id)
    customer: object
    quantity: Decimal
    price: Decimal  # unit price excluding tax, after discount
    rate: Decimal  # VAT rate, 0.09
    exempt: bool = False
    lots: tuple = ()  # ((lot, quantity), ...) delivered; empty when not lot-tracked
    sequence: int = 0
    name: str = ""

    @property
    def amount(self):
        return cents(self.price * self.quantity)

    @property
    def tax(self):
        return cents(self.amount * self.rate)


@dataclass(frozen=True)
class Part:
    line: Line
    quantity: Decimal
    amount: Decimal
    tax: Decimal
    lots: tuple  # the lots of this part: one, or all of a line kept whole

    @property
    def total(self):
        return self.amount + self.tax


@dataclass
class Invoice:
    customer: object
    exempt: bool
    lot: object  # the lot of every part when split by lot, else None
    parts: list = field(default_factory=list)

    @property
    def amount(self):
        return sum((p.amount for p in self.parts), Decimal("0.00"))

    @property
    def tax(self):
        return sum((p.tax for p in self.parts), Decimal("0.00"))

    @property
    def total(self):
        return self.amount + self.tax


@dataclass(frozen=True)
class Policy:
    limit: Decimal | None = None  # face value per invoice, None: no limit
    limit_includes_tax: bool = False  # the 数电 credit line counts amounts excluding tax [U]
    max_lines: int | None = None
    by_lot: bool = True


def lot_parts(line):
    """The parts of one line: one per lot when that keeps its amount and tax exact."""
    lots = tuple((lot, Decimal(qty)) for lot, qty in line.lots if Decimal(qty))
    if len(lots) <= 1:
        return [Part(line, line.quantity, line.amount, line.tax, tuple(lot for lot, _q in lots))]
    delivered = sum(qty for _lot, qty in lots)
    if delivered < line.quantity:
        raise SplitError("lots_short", line=line.name, quantity=line.quantity, lots=delivered)
    # take the invoiced quantity from the lots in the order given (first in, first out)
    wanted, taken = line.quantity, []
    for lot, qty in lots:
        if wanted <= 0:
            break
        take = min(qty, wanted)
        taken.append((lot, take))
        wanted -= take
    if len(taken) == 1:
        return [Part(line, line.quantity, line.amount, line.tax, (taken[0][0],))]
    parts = []
    for lot, qty in taken:
        amount = cents(line.price * qty)
        parts.append(Part(line, qty, amount, cents(amount * line.rate), (lot,)))
    if sum(p.amount for p in parts) != line.amount or sum(p.tax for p in parts) != line.tax:
        # rounding per lot would move the total by a cent: keep the line whole
        return [Part(line, line.quantity, line.amount, line.tax, tuple(lot for lot, _q in taken))]
    return parts


def split(lines, policy=None):
    """Invoices for ``lines`` under ``policy``; raises SplitError with what to correct."""
    policy = policy or Policy()
    parts = []
    for line in sorted(lines, key=lambda ln: (ln.sequence, str(ln.key))):
        parts += lot_parts(line)

    def group_key(part):
        lot = part.lots[0] if policy.by_lot and len(part.lots) == 1 else None
        return (str(part.line.customer), part.line.exempt, "" if lot is None else str(lot))

    groups = {}
    for part in parts:
        groups.setdefault(group_key(part), []).append(part)
    invoices = []
    for key in sorted(groups):
        first = groups[key][0]
        lot = first.lots[0] if policy.by_lot and len(first.lots) == 1 else None
        current = None
        for part in groups[key]:
            size = part.total if policy.limit_includes_tax else part.amount
            if policy.limit is not None and size > policy.limit:
                raise SplitError(
                    "line_over_limit", line=part.line.name, amount=size, limit=policy.limit
                )
            if current is None or not _fits(current, part, size, policy):
                current = Invoice(first.line.customer, first.line.exempt, lot)
                invoices.append(current)
            current.parts.append(part)
    check_totals(lines, invoices)
    return invoices


def _fits(invoice, part, size, policy):
    if policy.max_lines is not None and len(invoice.parts) >= policy.max_lines:
        return False
    if policy.limit is None:
        return True
    used = invoice.total if policy.limit_includes_tax else invoice.amount
    return used + size <= policy.limit


def check_totals(lines, invoices):
    """The invoices add back to the lines to the cent, and no line is invoiced twice."""
    amount = sum((ln.amount for ln in lines), Decimal("0.00"))
    tax = sum((ln.tax for ln in lines), Decimal("0.00"))
    got_amount = sum((inv.amount for inv in invoices), Decimal("0.00"))
    got_tax = sum((inv.tax for inv in invoices), Decimal("0.00"))
    if (got_amount, got_tax) != (amount, tax):
        raise SplitError("totals", expected=amount + tax, got=got_amount + got_tax)
    quantities = {}
    for invoice in invoices:
        for part in invoice.parts:
            quantities[part.line.key] = quantities.get(part.line.key, 0) + part.quantity
    for line in lines:
        if quantities.get(line.key) != line.quantity:
            raise SplitError("quantity", line=line.name)
