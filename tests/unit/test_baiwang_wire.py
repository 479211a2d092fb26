"""The Baiwang dialect against the sandbox's Baiwang router, over HTTPS: what is Baiwang's own.

The promises every dialect keeps are in test_dialect_wire.py.
"""

import datetime
from decimal import Decimal

import pytest
import requests
from fapiao_core import FapiaoError, baiwang
from fapiao_core.client import PlatformError, new_order_no
from fapiao_core.platform import ISSUED, REFUSED, SESSION_UNKNOWN, Line, RedFormRequest
from test_dialect_wire import issued_count, make_client, make_order


def client_of(sandbox, **overrides):
    return make_client(sandbox, "baiwang", **overrides)


def test_issuing_is_synchronous_and_carries_its_documents(sandbox):
    client = client_of(sandbox)
    order = make_order()
    result = client.issue(order)
    # one call issues: the number, the date, the total and the documents' addresses
    assert result.state == ISSUED and len(result.number) == 20
    assert result.total == Decimal("109.00")
    assert abs(result.issued_at - datetime.datetime.utcnow()) < datetime.timedelta(minutes=1)
    assert set(result.documents) >= {"pdf", "xml", "sig"}
    assert client.download(result.documents["pdf"]).startswith(b"%PDF")
    assert client.query(order.business_key, order).number == result.number


def test_a_refusal_by_the_bureau_is_a_result_and_a_new_key_issues(sandbox):
    client = client_of(sandbox)
    sandbox.fault("fail_issue", count=1)
    refused = client.issue(make_order())
    assert refused.state == REFUSED and refused.code == "70171" and refused.message
    assert client.issue(make_order()).state == ISSUED


def test_signature_token_and_user_are_checked_by_the_platform(sandbox):
    with pytest.raises(PlatformError) as err:
        client_of(sandbox, options={"username": sandbox.BAIWANG_USER, "password": "x"}).ping()
    assert err.value.code == "100003"
    # a call signed with another secret than the token's application: refused, nothing issued
    client = client_of(sandbox)
    client.fetch_token()
    client.config.app_secret = "not-the-secret"
    with pytest.raises(PlatformError) as err:
        client.issue(make_order())
    assert err.value.code == "100007" and not err.value.transient
    assert issued_count(sandbox) == 0
    # the router refuses an unsigned business call too
    answer = requests.post(
        f"{sandbox.url}/router/rest",
        params={"method": baiwang.ISSUE, "appKey": sandbox.APP_KEY, "token": "x"},
        data=b"{}",
        verify=sandbox.ca,
        timeout=5,
    ).json()
    assert answer["success"] is False


def test_an_expired_token_is_fetched_again_once(sandbox):
    client = client_of(sandbox)
    client.token = "expired-or-unknown"
    assert client.issue(make_order()).state == ISSUED


def test_what_baiwang_does_not_issue_is_refused_before_sending(sandbox):
    client = client_of(sandbox)
    for kind in ("agri", "85", "86", "87"):
        with pytest.raises(FapiaoError) as err:
            client.check(make_order(kind=kind), {})
        assert err.value.code == "kind_not_offered"
    vehicle = make_order(kind="83")
    with pytest.raises(FapiaoError) as err:
        client.check(vehicle, {})
    assert err.value.code == "vehicle_type_code_unset"
    assert client.session_state() == SESSION_UNKNOWN
    with pytest.raises(PlatformError) as err:
        client.credit_line()
    assert err.value.code == "NOT_OFFERED"


def test_a_motor_vehicle_fapiao_with_the_platform_s_code(sandbox):
    import dataclasses

    order = dataclasses.replace(
        make_order(kind="83", amount="150000.00", tax="13500.00"),
        vehicle={
            "vin": "LSVAM4187C2184847",
            "vehicle_type": "轿车",
            "brand_model": "大众牌SVW71810KJ",
            "origin": "上海",
        },
    )
    client = client_of(
        sandbox, options={**client_of(sandbox).config.options, "vehicle_type_code": "83"}
    )
    client.check(order, client.config.options)
    result = client.issue(order)
    assert result.state == ISSUED


def test_invoice_list_by_period(sandbox):
    client = client_of(sandbox)
    numbers = {client.issue(make_order()).number for _ in range(3)}
    now = datetime.datetime.now(baiwang.CHINA).replace(tzinfo=None)
    found = client.list_invoices(
        now - datetime.timedelta(hours=1), now + datetime.timedelta(minutes=1), page_size=2
    )
    assert {r.number for r in found} == numbers


def red_form(blue, order, lines=None, reason="01"):
    return RedFormRequest(
        bill_id=new_order_no(),
        blue_kind=order.kind,
        blue_number=blue.number,
        seller=order.seller,
        buyer=order.buyer,
        reason=reason,
        lines=lines,
    )


def test_red_letter_in_full_then_refused_again(sandbox):
    client = client_of(sandbox)
    order = make_order()
    blue = client.issue(order)
    form = client.request_red_form(red_form(blue, order))
    assert form.status == "01" and form.amount == Decimal("-100.00") and form.red_number
    red = client.fetch_red_invoice(form)
    assert red.state == ISSUED and red.total == Decimal("-109.00") and red.number != blue.number
    # the same application again is the same form (its key), not a second one
    again = client.request_red_form(
        RedFormRequest(form.bill_id, "81", blue.number, order.seller, order.buyer, "01")
    )
    assert again.bill_uuid == form.bill_uuid
    with pytest.raises(PlatformError):
        client.request_red_form(red_form(blue, order))  # nothing is left to reverse


def test_red_letter_in_part_and_a_buyer_s_form(sandbox):
    client = client_of(sandbox)
    order = make_order()
    blue = client.issue(order)
    part = (
        1,
        Line(
            name="*水果*富士苹果",
            tax_code="1010115010100000000",
            rate=Decimal("0.09"),
            amount=Decimal("-40.00"),
            tax=Decimal("-3.60"),
            quantity=Decimal("-3.2"),
        ),
    )
    form = client.request_red_form(red_form(blue, order, lines=(part,), reason="02"))
    assert (form.amount, form.tax, form.reason) == (Decimal("-40.00"), Decimal("-3.60"), "02")
    assert form.detail[0][0] == 1
    # the buyer booked the blue fapiao and raises a form of its own: the seller confirms it
    other = make_order()
    blue2 = client.issue(other)
    sandbox.buyer("use_confirm", number=blue2.number)
    sandbox.buyer("raise", number=blue2.number)
    raised = [f for f in client.list_red_forms(status="03") if f.blue_number == blue2.number]
    assert len(raised) == 1 and raised[0].apply_source == "1"
    confirmed = client.confirm_red_form(raised[0].bill_uuid)
    assert confirmed.status == "04"
    assert client.fetch_red_invoice(confirmed).state == ISSUED
    # a form of ours the buyer must confirm (it booked the fapiao) is revoked
    third = make_order()
    blue3 = client.issue(third)
    sandbox.buyer("use_confirm", number=blue3.number)
    own = client.request_red_form(red_form(blue3, third))
    assert own.status == "02"
    assert client.cancel_red_form(own.bill_uuid).status == "08"
