from decimal import Decimal

from fapiao_core.reconcile import reconcile


def row(number, total, order_no=None):
    return {"number": number, "total": Decimal(total), "order_no": order_no}


def test_every_kind_of_difference():
    books = [
        row("26312000000000000001", "113.00", "A"),  # matches
        row("26312000000000000002", "226.00", "B"),  # platform says 226.02
        row("26312000000000000003", "-113.00", "C"),  # red, not on the platform
        row(None, "50.00", "D"),  # Odoo still waits for the number the platform gave
    ]
    platform = [
        row("26312000000000000001", "113.01", "A"),  # within 0.01
        row("26312000000000000002", "226.02", "B"),
        row("26312000000000000004", "50.00", "D"),
        row("26312000000000000005", "10.00", "X"),  # issued outside Odoo
    ]
    found = {(d["kind"], (d["theirs"] or d["ours"])["number"]) for d in reconcile(books, platform)}
    assert found == {
        ("amount_mismatch", "26312000000000000002"),
        ("missing_on_platform", "26312000000000000003"),
        ("missing_in_odoo", "26312000000000000004"),
        ("missing_in_odoo", "26312000000000000005"),
    }


def test_nothing_to_report():
    books = [row("26312000000000000001", "1.00")]
    assert reconcile(books, [row("26312000000000000001", "1.00")]) == []
    assert reconcile([], []) == []
