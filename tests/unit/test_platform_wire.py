"""The Nuonuo client against the sandbox platform process, over HTTPS: what is Nuonuo's own.

The promises every dialect keeps (no duplicates under faults, adoption, restarts) are in
test_dialect_wire.py."""

import dataclasses
import threading
import time
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import requests
from fapiao_core import einvoice, nuonuo, signature
from fapiao_core.client import PlatformError, check_document_url, new_order_no
from fapiao_core.platform import (
    ISSUED,
    PENDING,
    REFUSED,
    RETRY,
    RedFormRequest,
)
from sandbox.testing import SandboxProcess
from test_dialect_wire import BUYER, issued_count
from test_dialect_wire import make_client as dialect_client
from test_dialect_wire import make_order as dialect_order


def make_client(sandbox, **overrides):
    return dialect_client(sandbox, "nuonuo", **overrides)


LINE_KIND = {"bs": "81", "pc": "82", "ec": "86", "es": "85"}


def make_order(order_no=None, buyer=BUYER, amount="100.00", tax="9.00", line="bs"):
    """A neutral request (fapiao_core.platform) of one line of apples."""
    return dialect_order(LINE_KIND[line], amount, tax, order_no=order_no, buyer=buyer)


def test_issue_query_and_documents(sandbox):
    client = make_client(sandbox)
    order = make_order()
    first = client.issue(order)
    assert first.state == PENDING and first.serial and not first.adopted
    done = client.query(order.business_key, order)
    assert done.state == ISSUED and len(done.number) == 20 and done.number.isdigit()
    xml = client.download(done.documents["xml"])
    parsed = einvoice.parse(xml)
    assert parsed["number"] == done.number
    assert (parsed["amount"], parsed["tax"], parsed["total"]) == (
        Decimal("100.00"),
        Decimal("9.00"),
        Decimal("109.00"),
    )
    assert parsed["special"] and parsed["blue"] and parsed["buyer_tax_id"] == BUYER
    sig = client.download(done.documents["sig"]).decode()
    key = open(sandbox.signing_key, "rb").read()
    assert signature.key_kind(key) == "sm2"
    assert signature.verify_detached(key, xml, sig)
    assert not signature.verify_detached(key, xml.replace(b"100.00", b"900.00"), sig)
    # the CA's key (ECDSA) did not sign it
    assert not signature.verify_detached(open(sandbox.ca, "rb").read(), xml, sig)
    pdf = client.download(done.documents["pdf"])
    assert pdf.startswith(b"%PDF")
    # documents are made once and kept: the same bytes on every download
    assert client.download(done.documents["pdf"]) == pdf
    assert client.download(done.documents["xml"]) == xml
    credit = client.credit_line()
    assert credit["used"] == Decimal("100.00")
    assert credit["available"] == credit["total"] - credit["used"]
    # the documents of one fapiao come at the same time, each as it was downloaded alone
    urls = {
        "xml": done.documents["xml"],
        "sig": done.documents["sig"],
        "pdf": done.documents["pdf"],
    }
    assert client.download_all(urls) == {"xml": xml, "sig": sig.encode(), "pdf": pdf}
    with pytest.raises(PlatformError) as failed:
        client.download_all(dict(urls, pdf=done.documents["pdf"] + "-unknown"))
    assert failed.value.code == "HTTP_404" and failed.value.transient


def test_documents_only_from_the_platform_hosts_without_redirects_and_capped(sandbox):
    """A result naming another host, another scheme, a redirect or an oversized document is
    refused before (or while) downloading: never fetched, never followed, never kept."""
    client = make_client(sandbox)
    order = make_order()
    client.issue(order)
    done = client.query(order.business_key, order)
    pdf_url = done.documents["pdf"]
    assert client.download(pdf_url).startswith(b"%PDF")
    port = sandbox.url.rsplit(":", 1)[1]
    for url in (
        pdf_url.replace("127.0.0.1", "localhost"),  # another host, even a local one
        pdf_url.replace("https://", "http://"),
        f"https://user@127.0.0.1:{port}/files/x/y.pdf",
        "https://169.254.169.254/latest/meta-data",
        "file:///etc/passwd",
    ):
        with pytest.raises(PlatformError) as refused:
            client.download(url)
        assert refused.value.code == "DOCUMENT_HOST" and not refused.value.transient, url
    # a host named in the provider's settings is allowed ("." : its subdomains too)
    wider = make_client(sandbox, document_hosts=(".example.com", "cdn.example.org"))
    check_document_url("https://a.b.example.com/x.pdf", wider.config)
    check_document_url("https://cdn.example.org/x.pdf", wider.config)
    with pytest.raises(PlatformError):
        check_document_url("https://example.org.evil.test/x.pdf", wider.config)
    # a redirect is not followed, even to the same place
    sandbox.fault("document_redirect")
    with pytest.raises(PlatformError) as moved:
        client.download(pdf_url)
    assert moved.value.code == "DOCUMENT_REDIRECT" and not moved.value.transient
    assert client.download(pdf_url).startswith(b"%PDF")
    # a document larger than the cap is dropped while it streams
    small = make_client(sandbox, max_document_bytes=512)
    with pytest.raises(PlatformError) as big:
        small.download(pdf_url)
    assert big.value.code == "DOCUMENT_TOO_LARGE"


def test_request_log_hook_gets_each_call_and_downloads_together(sandbox):
    """on_call receives the calls that ended together: one signed call at a time, and the
    downloads of a document set in one list (the provider inserts them in one statement)."""
    batches = []
    client = make_client(sandbox)
    client.on_call = batches.append
    order = make_order()
    client.issue(order)
    done = client.query(order.business_key, order)
    assert [[call[0] for call in batch] for batch in batches] == [
        ["nuonuo.OpeMplatform.requestBillingNew"],
        ["nuonuo.OpeMplatform.queryInvoiceResult"],
    ]
    assert all(batch[0][3] == "E0000" and batch[0][2] == 200 for batch in batches)
    batches.clear()
    urls = {"xml": done.documents["xml"], "pdf": done.documents["pdf"] + "-unknown"}
    with pytest.raises(PlatformError):
        client.download_all(urls)
    assert len(batches) == 1
    outcomes = sorted((status, code) for method, _seconds, status, code in batches[0])
    assert {method for method, *_rest in batches[0]} == {"download"}
    assert outcomes == [(200, ""), (404, "HTTP_404")]
    assert all(seconds > 0 for _m, seconds, _s, _c in batches[0])


def test_latency_within_timeout_is_just_slow(sandbox):
    sandbox.fault("latency", seconds=0.3, count=1)
    assert make_client(sandbox).issue(make_order()).state == PENDING


def test_permanent_errors_stop_at_once(tmp_path):
    proc = SandboxProcess(tmp_path / "p", extra=["--credit-line", "150.00"]).start()
    try:
        client = make_client(proc)
        with pytest.raises(PlatformError) as err:
            client.issue(make_order(buyer="91310000MA1FL00010"))
        assert err.value.code == "E9307" and not err.value.transient
        with pytest.raises(PlatformError) as err:
            client.issue(make_order(tax="9.07"))
        assert err.value.code == "E9131"
        client.issue(make_order())
        with pytest.raises(PlatformError) as err:
            client.issue(make_order())  # 200.00 of 150.00 credit line
        assert err.value.code == "E9160"
        with pytest.raises(PlatformError) as err:
            make_client(proc, app_secret="wrong").issue(make_order())
        assert err.value.code in ("070101", "070304")
        assert issued_count(proc) == 1
    finally:
        proc.stop()


def test_platform_failure_and_seal_failure(sandbox):
    client = make_client(sandbox)
    sandbox.fault("fail_issue", count=1)
    order = make_order()
    client.issue(order)
    failed = client.query(order.business_key, order)
    assert failed.state == REFUSED and failed.message and failed.code == "22"
    # a seal failure is kept under its key and issued again there (reInvoice), never resent
    sandbox.fault("seal_fail", count=1)
    sealed = make_order()
    client.issue(sealed)
    held = client.query(sealed.business_key, sealed)
    assert held.state == RETRY and held.code == "24"
    again = client.reissue(sealed, held.serial)
    assert again.state in (PENDING, ISSUED) and again.serial == held.serial
    done = client.query(sealed.business_key, sealed)
    assert done.state == ISSUED and done.serial == held.serial and len(done.number) == 20
    # asked again (an answer lost): the platform says it is issued, and that is the answer
    assert client.reissue(sealed, held.serial).number == done.number
    assert issued_count(sandbox) == 2


def test_many_business_keys_in_one_query(sandbox):
    calls = []
    client = make_client(sandbox)
    client.on_call = calls.extend
    sandbox.fault("fail_issue", count=1)
    failed, done = make_order(), make_order()
    client.issue(failed)
    client.issue(done)
    unknown = make_order()  # never submitted
    altered = make_order()
    client.issue(altered)
    line = dataclasses.replace(altered.lines[0], amount=Decimal("101.00"))
    altered = dataclasses.replace(altered, lines=(line,))  # not what was sent
    calls.clear()
    outcomes = client.query_many(
        {order.business_key: order for order in (failed, done, unknown, altered)}
    )
    assert [method for method, *_rest in calls] == ["nuonuo.OpeMplatform.queryInvoiceResult"]
    assert outcomes[failed.business_key].state == REFUSED
    assert outcomes[done.business_key].state == ISSUED
    assert outcomes[done.business_key].number and outcomes[done.business_key].documents["xml"]
    assert outcomes[unknown.business_key].code == "E9500"
    assert outcomes[altered.business_key].code == "MISMATCH"
    # none known at all: each key is not found, the call itself does not fail
    nobody = make_order()
    assert client.query_many({nobody.business_key: nobody})[nobody.business_key].code == "E9500"
    # the platform answers at most 50 keys a call: more is refused before anything is sent
    calls.clear()
    with pytest.raises(ValueError):
        client.query_many({f"TG{i:018d}": None for i in range(51)})
    assert calls == []


def test_diagnostics_report_every_step(sandbox):
    from fapiao_core.diagnostics import diagnose

    report = diagnose(make_client(sandbox))
    assert report["ok"], report
    assert [s["step"] for s in report["steps"]] == ["dns", "tcp", "tls", "auth", "clock", "call"]
    assert abs(report["clock_offset"]) <= 2
    assert 800 <= report["cert_days"] <= 825
    assert "token issued by localhost" in report["steps"][3]["detail"]
    bad = diagnose(make_client(sandbox, app_secret="wrong"))
    assert not bad["ok"] and bad["steps"][-1]["step"] == "auth"
    # a token held is kept (tokens are scarce) and proven by the call
    client = make_client(sandbox)
    client.fetch_token()
    again = diagnose(client)
    assert again["ok"] and again["steps"][3]["detail"] == "token held"


def test_exponent_notation_is_refused(sandbox):
    order = nuonuo.order_of(make_order())
    order["invoiceDetail"][0]["num"] = "8E+2"
    answer = make_client(sandbox).call("nuonuo.OpeMplatform.requestBillingNew", {"order": order})
    assert answer["code"] == "E9000"


def test_result_pushed_to_the_callback_url(sandbox):
    import http.server
    import json
    import queue

    pushed = queue.Queue()

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server API)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            pushed.put((self.headers["Content-Type"], body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    receiver = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{receiver.server_address[1]}/cb"
        order = dataclasses.replace(make_order(), callback_url=url)
        result = make_client(sandbox).issue(order)
        content_type, body = pushed.get(timeout=10)
        # the documented shape: a form of operater, orderno and content (a JSON text)
        assert nuonuo.callback_order_no(content_type, nuonuo.parse_form(body)) == order.business_key
        form = parse_qs(body.decode())
        assert form["operater"] == ["callback"]
        content = json.loads(form["content"][0])
        assert content["c_status"] == "1" and content["c_fpqqlsh"] == result.serial
        # what is not a result push names no business key
        assert nuonuo.callback_order_no("application/json", {"orderno": "X"}) == ""
        other = nuonuo.parse_form(body.replace(b"callback", b"other"))
        assert nuonuo.callback_order_no(content_type, other) == ""
        assert nuonuo.parse_form(b"\xff") == {}
    finally:
        receiver.shutdown()


def test_invoice_list_by_period(sandbox):
    import datetime

    client = make_client(sandbox)
    orders = [make_order() for _ in range(3)]
    for order in orders:
        client.issue(order)
    china = datetime.timezone(datetime.timedelta(hours=8))
    now = datetime.datetime.now(china)
    listed = client.list_invoices(
        now - datetime.timedelta(hours=1), now + datetime.timedelta(hours=1), page_size=2
    )
    assert sorted(r.business_key for r in listed) == sorted(o.business_key for o in orders)
    assert all(r.total == Decimal("109.00") and len(r.number) == 20 for r in listed)
    later = client.list_invoices(
        now + datetime.timedelta(hours=1), now + datetime.timedelta(hours=2)
    )
    assert later == []


def test_the_platform_has_no_health_and_serves_tokens_on_its_own_host(sandbox):
    """As on Nuonuo (open.nuonuo.com for tokens, sdk.nuonuo.com for services): the tests'
    sandbox has no /health, answers tokens on localhost only and services elsewhere only."""
    assert requests.get(f"{sandbox.url}/health", verify=sandbox.ca, timeout=5).status_code == 404
    with pytest.raises(PlatformError):  # a token asked of the services host
        make_client(sandbox, token_url="").fetch_token()
    client = make_client(sandbox)
    assert client.ping() > 0  # reachability, token, signature: a real call, nothing changed
    assert client.token and issued_count(sandbox) == 0
    with pytest.raises(PlatformError) as refused:
        make_client(sandbox, app_secret="wrong").ping()
    assert refused.value.code == "070101"


def test_paper_void_through_the_platform(sandbox):
    """作废 of a 数电 paper invoice: by its serial, code and number; an electronic one, or a
    code that is not its own, is refused; a voided invoice takes no red letter."""
    client = make_client(sandbox)
    paper, electronic = make_order(line="ec"), make_order(line="pc")
    client.issue(paper)
    client.issue(electronic)
    paper_result = client.query(paper.business_key, paper)
    electronic_result = client.query(electronic.business_key, electronic)
    assert paper_result.paper_code and paper_result.paper_number
    with pytest.raises(PlatformError) as err:
        client.void_paper(paper_result.serial, paper_result.paper_code, "00000000")
    assert err.value.code == "E9321" and not err.value.transient
    with pytest.raises(PlatformError) as err:
        client.void_paper(electronic_result.serial, "", "")
    assert err.value.code == "E9320"
    done = client.void_paper(
        paper_result.serial, paper_result.paper_code, paper_result.paper_number
    )
    assert done["invoiceId"] == paper_result.serial
    # asked again (an answer lost on the way): done, not refused
    client.void_paper(paper_result.serial, paper_result.paper_code, paper_result.paper_number)
    with pytest.raises(PlatformError) as err:
        client.request_red_form(
            RedFormRequest(
                bill_id=new_order_no(),
                blue_kind=paper.kind,
                blue_number=paper_result.number,
                seller=paper.seller,
                buyer=paper.buyer,
                reason="01",
            )
        )
    assert err.value.code == "E9166"


def test_the_drawer_s_session(sandbox):
    """登录电子税务局 and 实名认证 through the platform: logged out, nothing is issued; a QR
    scan or the texted code logs in; an identity check is confirmed by scanning."""
    client = make_client(sandbox)
    assert client.session_state() == "ok"
    sandbox.drawer("logout")
    assert client.session_state() == "login"
    with pytest.raises(PlatformError) as refused:
        client.issue(make_order())
    assert refused.value.code == "E9700" and not refused.value.transient
    qr = client.session_qr("login")
    assert qr["qr"] and qr["app"] == "2" and qr["expires"]
    assert client.session_qr("login")["qr"] == qr["qr"]  # the code held is reused
    assert client.session_qr("login", renew=True)["qr"] != qr["qr"]
    assert client.session_confirm("login") is False  # not scanned yet: still running
    sandbox.drawer("scan")
    assert client.session_confirm("login") is True
    assert client.session_state() == "ok"
    sandbox.drawer("logout")
    client.session_sms()
    with pytest.raises(PlatformError) as wrong:
        client.session_confirm("login", sms_code="1" + sandbox.drawer("sms")["sms"][1:] + "9")
    assert wrong.value.code == "SESSION_REFUSED"
    assert client.session_confirm("login", sms_code=sandbox.drawer("sms")["sms"])
    sandbox.drawer("identity_due")
    assert client.session_state() == "verify"
    check = client.session_qr("verify")
    assert client.session_confirm("verify", auth_id=check["auth_id"]) is False
    sandbox.drawer("scan")
    assert client.session_confirm("verify", auth_id=check["auth_id"]) is True
    assert client.session_state() == "ok"
    assert client.issue(make_order()).state == PENDING


def test_a_skewed_clock_is_measured_and_refused(sandbox):
    """The platform's Date header gives the offset; a timestamp more than 5 minutes off its
    clock is refused (070307, [U]), and Test Connection says why."""
    from fapiao_core.diagnostics import diagnose

    client = make_client(sandbox)
    client.ping()
    assert abs(client.clock_offset) <= 2
    sandbox.skew_clock(600)  # the platform's clock is 10 minutes ahead of ours
    with pytest.raises(PlatformError) as refused:
        client.ping()
    assert refused.value.code == "070307" and refused.value.transient
    assert 598 <= client.clock_offset <= 602
    report = diagnose(make_client(sandbox))
    assert not report["ok"]
    assert report["steps"][-1]["step"] == "clock"
    assert "behind" in report["steps"][-1]["detail"]
    assert 598 <= report["clock_offset"] <= 602
    sandbox.skew_clock(-120)  # 2 minutes: within the window
    report = diagnose(make_client(sandbox))
    assert report["ok"], report
    assert -122 <= report["clock_offset"] <= -118


def test_revocation_is_asked_of_the_ca_by_ocsp_then_crl(sandbox):
    """The sandbox's certificates name its CA's OCSP responder and CRL, as a public CA's do;
    a certificate revoked there is said revoked, by OCSP, and by the CRL when OCSP fails."""
    from fapiao_core import diagnostics

    def fetch(method, url, body, content_type):
        headers = {"Content-Type": content_type} if content_type else {}
        answer = requests.request(
            method, url, data=body, headers=headers, verify=sandbox.ca, timeout=10
        )
        if answer.status_code != 200:
            raise OSError(f"HTTP {answer.status_code}")
        return answer.content

    trusted = diagnostics.pem_certificates(open(sandbox.ca, "rb").read())
    server = diagnostics.server_certificate(make_client(sandbox).config)[1]
    assert diagnostics.revocation(server, trusted, fetch) == (
        "good",
        f"OCSP {sandbox.url}/pki/ocsp",
    )
    # the issuer is fetched from the certificate's AIA when not trusted locally
    assert diagnostics.revocation(server, [], fetch)[0] == "good"
    sandbox.revoke("server")
    assert diagnostics.revocation(server, trusted, fetch)[0] == "revoked"
    sandbox.fault("ocsp", count=1)
    assert diagnostics.revocation(server, trusted, fetch) == (
        "revoked",
        f"CRL {sandbox.url}/pki/ca.crl",
    )
    # a CRL or an OCSP answer signed by another key is not believed
    import datetime as dt

    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes as chashes
    from cryptography.hazmat.primitives.asymmetric import ec as cec

    stranger = cec.generate_private_key(cec.SECP256R1())
    fake = (
        cx509.CertificateBuilder()
        .subject_name(trusted[0].subject)
        .issuer_name(trusted[0].subject)
        .public_key(stranger.public_key())
        .serial_number(1)
        .not_valid_before(dt.datetime(2020, 1, 1))
        .not_valid_after(dt.datetime(2040, 1, 1))
        .sign(stranger, chashes.SHA256())
    )
    assert diagnostics.revocation(server, [fake], fetch) == (
        "unknown",
        "no OCSP responder or CRL answered",
    )


def test_a_platform_with_latency_and_a_rate_cap(tmp_path):
    """The sandbox answers after its latency and refuses what exceeds its cap per application
    key and second (070308 [U], transient: the connector retries later), counting the
    refusals; the benchmark of real latency reads that count."""
    proc = SandboxProcess(
        tmp_path / "capped", extra=["--latency-ms", "100", "--rate-cap", "3"]
    ).start()
    try:
        client = make_client(proc, max_attempts=1)
        client.fetch_token()
        start = time.monotonic()
        client.ping()
        assert time.monotonic() - start >= 0.1  # at least the platform's answer time
        outcomes = []

        def call():
            try:
                make_client(proc, max_attempts=1).ping()
                outcomes.append("ok")
            except PlatformError as err:
                outcomes.append((err.code, err.transient))

        threads = [threading.Thread(target=call) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        refused = [o for o in outcomes if o != "ok"]
        assert refused and set(refused) == {("070308", True)}
        status = proc.fault("status")["result"]
        assert status["rate_refusals"] == len(refused)
        assert status["service_calls"] >= 9
    finally:
        proc.stop()
