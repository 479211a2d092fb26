"""The connector's promises, for every platform dialect, against the sandbox over HTTPS.

Each test runs once per dialect (Nuonuo, Baiwang): the same business key is never issued twice,
whatever the network or the platform does. What only one dialect does is tested in its own
module (test_platform_wire.py, test_baiwang_wire.py).
"""

import threading
import time
from decimal import Decimal

import pytest
from fapiao_core import signature
from fapiao_core.client import Config, PlatformError, new_order_no
from fapiao_core.platform import ISSUED, PENDING, FapiaoRequest, Line, Party, client_class
from sandbox.testing import SandboxProcess

SELLER = "91110000600037341L"
BUYER = "91310000MA1FL0001R"
DIALECTS = ("nuonuo", "baiwang")


@pytest.fixture(params=DIALECTS)
def dialect(request):
    return request.param


def make_client(sandbox, dialect, **overrides):
    """A client of ``dialect`` on the sandbox, with the sandbox's credentials."""
    values = dict(
        base_url=sandbox.url,
        # Nuonuo's tokens come from a host of their own; Baiwang's from its one router
        token_url=sandbox.token_url if dialect == "nuonuo" else "",
        app_key=sandbox.APP_KEY,
        app_secret=sandbox.APP_SECRET,
        user_tax=SELLER,
        ca_bundle=sandbox.ca,
        read_timeout=3.0,
        backoff_base=0.05,
        backoff_max=0.2,
        options={
            "username": sandbox.BAIWANG_USER,
            "password": sandbox.BAIWANG_PASSWORD,
            "salt": sandbox.BAIWANG_SALT,
        },
    )
    values.update(overrides)
    return client_class(dialect)(Config(**values))


def make_order(kind="81", amount="100.00", tax="9.00", order_no=None, buyer=BUYER):
    """A neutral request (fapiao_core.platform) of one line of apples."""
    return FapiaoRequest(
        business_key=order_no or new_order_no(),
        kind=kind,
        seller=Party(name="北京果品批发有限公司", tax_id=SELLER),
        buyer=Party(name="上海果品贸易有限公司", tax_id=buyer),
        drawer="王会计",
        lines=(
            Line(
                name="*水果*富士苹果",
                tax_code="1010115010100000000",
                quantity=Decimal("8"),
                unit_price=Decimal("12.5"),
                unit="kg",
                rate=Decimal("0.09"),
                amount=Decimal(amount),
                tax=Decimal(tax),
            ),
        ),
    )


def issued_count(sandbox):
    import sqlite3

    with sqlite3.connect(sandbox.data_dir / "sandbox.sqlite3") as db:
        return db.execute("SELECT count(*) FROM invoices").fetchone()[0]


def issued(client, order):
    """The order's result once the platform is done with it (Nuonuo issues after the call);
    a query refused for the moment (a rate cap) is asked again, as the poll job would."""
    for _ in range(50):
        try:
            result = client.query(order.business_key, order)
        except PlatformError as err:
            if not err.transient:
                raise
        else:
            if result.state != PENDING:
                return result
        time.sleep(0.1)
    raise AssertionError("still issuing")


def test_issue_query_and_signed_documents(sandbox, dialect):
    client = make_client(sandbox, dialect)
    order = make_order()
    first = client.issue(order)
    assert first.serial and not first.adopted
    done = issued(client, order)
    assert done.state == ISSUED and len(done.number) == 20 and done.number.isdigit()
    assert done.total == Decimal("109.00") and done.issued_at
    files = client.download_all({name: done.documents[name] for name in ("xml", "sig", "pdf")})
    key = open(sandbox.signing_key, "rb").read()
    assert signature.verify_detached(key, files["xml"], files["sig"].decode())
    assert files["pdf"].startswith(b"%PDF")


def test_same_business_key_is_adopted_not_reissued(sandbox, dialect):
    client = make_client(sandbox, dialect)
    order = make_order()
    first = client.issue(order)
    again = client.issue(order)
    assert again.adopted and again.serial == first.serial
    assert issued_count(sandbox) == 1


def test_16_concurrent_submissions_one_number(sandbox, dialect):
    order = make_order()
    results, errors = [], []

    def submit():
        try:
            results.append(make_client(sandbox, dialect).issue(order))
        except PlatformError as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=submit) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len({r.serial for r in results}) == 1
    assert issued_count(sandbox) == 1


@pytest.mark.parametrize("fault", ["5xx", "reset", "lost_after_commit", "garbage"])
def test_faults_never_issue_twice(sandbox, dialect, fault):
    client = make_client(sandbox, dialect)
    order = make_order()
    client.ping()  # the token first: the fault is the submission's
    sandbox.fault(fault, count=1)
    result = client.issue(order)
    assert result.serial
    assert sandbox.fault("status")["result"]["pending"] == []  # the fault did fire
    assert issued_count(sandbox) == 1
    assert issued(client, order).state == ISSUED


def test_read_timeout_then_query_before_resend(sandbox, dialect):
    client = make_client(sandbox, dialect, read_timeout=0.5)
    client.ping()
    order = make_order()
    sandbox.fault("timeout", seconds=1.5, count=1)
    result = client.issue(order)
    assert result.serial
    assert sandbox.fault("status")["result"]["pending"] == []
    time.sleep(1.5)  # let the slow first request finish on the platform side
    assert issued_count(sandbox) == 1
    assert issued(client, order).serial == result.serial


def test_a_bad_signature_of_ours_is_refused_and_issues_nothing(sandbox, dialect):
    client = make_client(sandbox, dialect, app_secret="wrong", max_attempts=1)
    with pytest.raises(PlatformError) as err:
        client.issue(make_order())
    assert not err.value.transient
    assert issued_count(sandbox) == 0


def test_bad_document_signature_is_detected(sandbox, dialect):
    client = make_client(sandbox, dialect)
    client.ping()
    sandbox.fault("bad_signature", count=1)
    order = make_order()
    client.issue(order)
    done = issued(client, order)
    xml = client.download(done.documents["xml"])
    sig = client.download(done.documents["sig"]).decode()
    assert not signature.verify_detached(open(sandbox.signing_key, "rb").read(), xml, sig)


def test_expired_server_certificate_is_refused(sandbox, dialect):
    sandbox.fault("expired_cert", count=5)
    with pytest.raises(PlatformError) as err:
        make_client(sandbox, dialect).ping()
    assert err.value.code == "TLS"


def test_restart_mid_flight_keeps_state(tmp_path, dialect):
    data = tmp_path / "restart"
    proc = SandboxProcess(data, extra=["--issue-delay", "0.5"]).start()
    client = make_client(proc, dialect)
    order = make_order()
    try:
        first = client.issue(order)
    finally:
        proc.stop()
    again = SandboxProcess(data, extra=["--issue-delay", "0.5"], port=proc.port).start()
    try:
        time.sleep(0.6)
        client.session.close()  # the old pooled connection died with the process
        done = issued(client, order)
        assert done.state == ISSUED and done.serial == first.serial
        assert client.issue(order).adopted  # still known after the restart
        assert issued_count(again) == 1
    finally:
        again.stop()


def test_a_rate_capped_platform_is_waited_for(tmp_path, dialect):
    """Calls over the cap are refused by the platform and retried: every fapiao is issued
    once."""
    proc = SandboxProcess(tmp_path / "cap", extra=["--rate-cap", "3"]).start()
    try:
        orders = [make_order() for _ in range(4)]
        client = make_client(proc, dialect, max_attempts=8, backoff_base=0.3, backoff_max=1.0)
        for order in orders:
            assert client.issue(order).serial
        assert issued_count(proc) == 4
        assert all(issued(client, order).state == ISSUED for order in orders)
    finally:
        proc.stop()
