"""Red letters (红字确认单) between the client and the sandbox platform, over HTTPS."""

import sqlite3
from decimal import Decimal

import pytest
from fapiao_core import einvoice
from fapiao_core.client import PlatformError, new_order_no
from fapiao_core.platform import ISSUED, Line, RedFormRequest
from test_platform_wire import make_client, make_order

RED_TTL = 72 * 3600


def issue_blue(client, **order_values):
    order = make_order(**order_values)
    client.issue(order)
    done = client.query(order.business_key, order)
    assert done.state == ISSUED
    return done.number


def red_request(blue_number, reason="02", detail=None, bill_id=None):
    """A seller's form against ``blue_number`` (one of make_order's: a 专票 of apples)."""
    blue = make_order()
    return RedFormRequest(
        bill_id=bill_id or new_order_no(),
        blue_kind=blue.kind,
        blue_number=blue_number,
        seller=blue.seller,
        buyer=blue.buyer,
        reason=reason,
        lines=tuple(detail) if detail else None,
    )


def red_line(amount, tax, index=1):
    return index, Line(
        name="*水果*富士苹果",
        tax_code="1010115010100000000",
        rate=Decimal("0.09"),
        amount=Decimal(amount),
        tax=Decimal(tax),
        quantity=Decimal("-1"),
    )


def form_count(sandbox):
    with sqlite3.connect(sandbox.data_dir / "sandbox.sqlite3") as db:
        return db.execute("SELECT count(*) FROM red_forms").fetchone()[0]


def test_full_reversal_needs_no_confirmation_and_issues_the_red_invoice(sandbox):
    client = make_client(sandbox)
    blue = issue_blue(client)
    form = client.request_red_form(red_request(blue))
    assert form.status == "01" and form.reason == "02" and form.blue_number == blue
    assert (form.amount, form.tax) == (Decimal("-100.00"), Decimal("-9.00"))
    assert len(form.bill_no) == 20 and form.red_serial
    red = client.fetch_red_invoice(form)
    assert red.state == ISSUED and red.number != blue
    parsed = einvoice.parse(client.download(red.documents["xml"]))
    assert not parsed["blue"] and parsed["total"] == Decimal("-109.00")
    with pytest.raises(PlatformError) as refused:
        client.request_red_form(red_request(blue))
    assert refused.value.code == "E9103"


def test_partial_reversals_are_capped_by_what_is_left(sandbox):
    client = make_client(sandbox)
    blue = issue_blue(client)
    first = client.request_red_form(red_request(blue, detail=[red_line("-40.00", "-3.60")]))
    assert first.status == "01" and first.amount == Decimal("-40.00")
    with pytest.raises(PlatformError) as over:
        client.request_red_form(red_request(blue, detail=[red_line("-70.00", "-6.30")]))
    assert over.value.code == "E9165"
    rest = client.request_red_form(red_request(blue))  # full = whatever is left
    assert (rest.amount, rest.tax) == (Decimal("-60.00"), Decimal("-5.40"))
    with pytest.raises(PlatformError) as again:
        client.request_red_form(red_request(blue, detail=[red_line("-0.01", "0.00")]))
    assert again.value.code == "E9103"


def test_same_bill_id_is_one_form_even_when_the_answer_is_lost(sandbox):
    client = make_client(sandbox)
    blue = issue_blue(client)
    request = red_request(blue, detail=[red_line("-10.00", "-0.90")])
    sandbox.fault("lost_after_commit", count=1)
    first = client.request_red_form(request)
    again = client.request_red_form(request)
    assert first.bill_no == again.bill_no
    assert form_count(sandbox) == 1


def test_buyer_confirmed_invoice_waits_for_the_buyer(sandbox):
    client = make_client(sandbox)
    blue = issue_blue(client)
    sandbox.buyer("use_confirm", number=blue)
    pending = client.request_red_form(red_request(blue))
    assert pending.status == "02" and not pending.red_serial
    assert client.cancel_red_form(pending.bill_uuid).status == "08"
    second = client.request_red_form(red_request(blue))  # a revoked form frees the amount
    assert second.status == "02"
    sandbox.buyer("confirm", billNo=second.bill_no)
    confirmed = client.query_red_form(bill_id=second.bill_id)
    assert confirmed.status == "04"
    assert client.fetch_red_invoice(confirmed).state == ISSUED


def test_unconfirmed_form_lapses_after_72_hours(sandbox):
    client = make_client(sandbox)
    blue = issue_blue(client)
    sandbox.buyer("use_confirm", number=blue)
    pending = client.request_red_form(red_request(blue))
    sandbox.advance_clock(RED_TTL + 1)
    assert client.query_red_form(bill_uuid=pending.bill_uuid).status == "07"
    assert client.fetch_red_invoice(client.query_red_form(bill_uuid=pending.bill_uuid)) is None


def test_buyer_raised_form_is_listed_and_confirmed_or_denied(sandbox):
    client = make_client(sandbox)
    blue = issue_blue(client)
    other = issue_blue(client)
    raised = sandbox.buyer("raise", number=blue, redReason="1")["result"]
    sandbox.buyer("raise", number=other, redReason="4")
    waiting = client.list_red_forms(status="03")
    assert {f.blue_number for f in waiting} == {blue, other}
    assert all(f.apply_source == "1" for f in waiting)
    mine = next(f for f in waiting if f.bill_no == raised["billNo"])
    assert mine.reason == "02"  # Nuonuo's 1 is the bureau's 02 (销货退回)
    assert client.confirm_red_form(mine.bill_uuid).status == "04"
    denied = next(f for f in waiting if f.blue_number == other)
    assert client.confirm_red_form(denied.bill_uuid, agree=False).status == "06"
    with pytest.raises(PlatformError) as late:
        client.confirm_red_form(denied.bill_uuid)
    assert late.value.code == "E9167"
