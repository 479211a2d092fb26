import pytest
from fapiao_core import nuonuo


def test_signature_matches_published_vector():
    # Synthetic vector from the Nuonuo SDK contract (brief §8.1).
    assert (
        nuonuo.sign("secret", "app", "a" * 32, "12345678", "1700000000", '{"name":"中文"}')
        == "4BzcKzrcoqxPis0W/W3X2ae0uIo="
    )


def test_signature_covers_every_byte_of_the_body():
    args = ("secret", "app", "a" * 32, "12345678", "1700000000")
    good = nuonuo.sign(*args, '{"name":"中文"}')
    assert nuonuo.verify(*args, '{"name":"中文"}'.encode(), good)
    assert not nuonuo.verify(*args, '{"name": "中文"}', good)  # one space differs
    assert not nuonuo.verify(*args, '{"name":"中文"}', "")


def test_transport_ids():
    senid, nonce = nuonuo.new_senid(), nuonuo.new_nonce()
    assert len(senid) == 32 and senid.isalnum()
    assert len(nonce) == 8 and nonce.isdigit() and not nonce.startswith("0")
    assert nuonuo.new_senid() != senid


# ------------------------------------------------------------ the neutral boundary
def neutral_request(**changes):
    """The wire tests' request (a 普票 of apples), issued at a known time, its quantity and
    price given with trailing zeros."""
    import dataclasses
    import datetime
    from decimal import Decimal

    from test_platform_wire import make_order

    request = make_order(line="pc")
    line = dataclasses.replace(
        request.lines[0], quantity=Decimal("8.00000000"), unit_price=Decimal("12.50")
    )
    values = {
        "issued_at": datetime.datetime(2026, 12, 6, 16, 30),  # UTC, as Odoo stores it
        "lines": (line,),
        **changes,
    }
    return dataclasses.replace(request, **values)


def test_a_neutral_request_becomes_nuonuo_s_order():
    order = nuonuo.order_of(neutral_request())
    assert order["invoiceLine"] == "pc" and order["invoiceType"] == "1"
    assert order["invoiceDate"] == "2026-12-07 00:30:00"  # China time
    (line,) = order["invoiceDetail"]
    assert (line["num"], line["price"], line["taxIncludedAmount"]) == ("8", "12.5", "109.00")
    assert "vehicleInfo" not in order and "callBackUrl" not in order


def test_the_dialect_refuses_what_the_platform_would_before_sending():
    import dataclasses

    from fapiao_core import FapiaoError

    request = neutral_request()
    nuonuo.check(request)
    with pytest.raises(FapiaoError) as err:
        nuonuo.check(dataclasses.replace(request, remark="🍎 fresh"))
    assert err.value.code == "text_not_gbk" and err.value.params["field"] == "remark"
    with pytest.raises(FapiaoError) as err:
        nuonuo.check(dataclasses.replace(request, lines=request.lines * 3), {"max_lines": 2})
    assert err.value.params == {"count": 3, "limit": 2}
    with pytest.raises(FapiaoError) as err:
        nuonuo.check(dataclasses.replace(request, kind="87"))
    assert err.value.code == "paper_vehicle_line_unset"


@pytest.mark.parametrize(
    ("status", "state"),
    [("2", "issued"), ("20", "pending"), ("21", "pending"), ("22", "refused"), ("24", "retry")],
)
def test_nuonuo_statuses_become_neutral_states(status, state):
    row = {"orderNo": "TG1", "serialNo": "S1", "status": status, "invoiceTime": 1796544000000}
    result = nuonuo.result_of(row)
    assert result.state == state and result.business_key == "TG1"
    assert result.code == (status if state in ("refused", "retry") else "")
    assert result.issued_at.year == 2026 and result.issued_at.tzinfo is None


def test_an_unknown_status_is_not_read_as_anything():
    from fapiao_core.client import PlatformError

    with pytest.raises(PlatformError) as err:
        nuonuo.result_of({"orderNo": "TG1", "serialNo": "S1", "status": "99"})
    assert err.value.code == "BAD_RESPONSE" and not err.value.transient
