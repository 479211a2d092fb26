"""Reconciliation of the fapiao a company's books say were issued against the platform's list.

Both sides are lists of dicts with ``number`` (20 digits, or None while Odoo waits for it),
``order_no`` (business key) and ``total`` (Decimal, tax included, red negative). Returns the
differences, each a dict with ``kind`` and both sides:

- ``missing_in_odoo``: issued on the platform, unknown to Odoo (or Odoo still waits for it);
- ``missing_on_platform``: issued in Odoo, not in the platform's list for the period;
- ``amount_mismatch``: the same number with totals differing by more than 0.01.
"""

from decimal import Decimal

from .money import INVOICE_TOLERANCE, D


def reconcile(books, platform, tolerance=INVOICE_TOLERANCE):
    by_number = {row["number"]: row for row in books if row.get("number")}
    by_key = {row["order_no"]: row for row in books if row.get("order_no")}
    seen, differences = set(), []
    for theirs in platform:
        ours = by_number.get(theirs["number"]) or by_key.get(theirs.get("order_no"))
        if ours is None or not ours.get("number"):
            differences.append({"kind": "missing_in_odoo", "ours": ours, "theirs": theirs})
            if ours is not None:
                seen.add(id(ours))
            continue
        seen.add(id(ours))
        if abs(D(ours["total"]) - D(theirs["total"] or Decimal(0))) > tolerance:
            differences.append({"kind": "amount_mismatch", "ours": ours, "theirs": theirs})
    platform_numbers = {row["number"] for row in platform}
    for ours in books:
        if id(ours) in seen or not ours.get("number"):
            continue
        if ours["number"] not in platform_numbers:
            differences.append({"kind": "missing_on_platform", "ours": ours, "theirs": None})
    return differences
