"""The sandbox against the platform's documented protocol, without the connector's client: each
request is built here from the published interface pages (token, 签名机制, requestBillingNew,
queryInvoiceResult), signed by this test's own code, and the answers are read as documented.
The refusals are those the real platform makes; their codes where it does not publish them are
the sandbox's own (listed in sandbox/platform_logic.py, [U])."""

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid

import pytest
import requests

SELLER = "91110000600037341L"
BUYER = "91310000MA1FL0001R"


class RawPlatform:
    def __init__(self, sandbox):
        self.sandbox = sandbox
        answer = requests.post(
            sandbox.token_url,
            data={
                "client_id": sandbox.APP_KEY,
                "client_secret": sandbox.APP_SECRET,
                "grant_type": "client_credentials",
            },
            verify=sandbox.ca,
            timeout=10,
        )
        body = answer.json()
        assert answer.status_code == 200 and body["access_token"] and int(body["expires_in"]) > 0
        self.token = body["access_token"]

    def call(self, method, content, secret=None, token=None):
        body = json.dumps(content, ensure_ascii=False).encode("utf-8")
        senid, nonce, stamp = (
            uuid.uuid4().hex,
            str(secrets.randbelow(9 * 10**7) + 10**7),
            str(int(time.time())),
        )
        text = (
            f"a=services&l=v1&p=open&k={self.sandbox.APP_KEY}&i={senid}&n={nonce}&t={stamp}&f="
        ).encode() + body
        sign = base64.b64encode(
            hmac.new((secret or self.sandbox.APP_SECRET).encode(), text, hashlib.sha1).digest()
        ).decode()
        answer = requests.post(
            f"{self.sandbox.url}/open/v1/services",
            params={
                "senid": senid,
                "nonce": nonce,
                "timestamp": stamp,
                "appkey": self.sandbox.APP_KEY,
            },
            data=body,
            headers={
                "Content-Type": "application/json;charset=UTF-8",
                "X-Nuonuo-Sign": sign,
                "accessToken": token or self.token,
                "userTax": SELLER,
                "method": method,
            },
            verify=self.sandbox.ca,
            timeout=10,
        )
        assert answer.status_code == 200
        envelope = answer.json()
        assert set(envelope) >= {"code", "describe"}
        return envelope


def order(**changes):
    """requestBillingNew's example order (a 数电普票 of one line), with ``changes``."""
    line = {
        "goodsName": "苹果",
        "goodsCode": "1010115010100000000",
        "specType": "一级",
        "unit": "千克",
        "num": "10",
        "price": "10",
        "withTaxFlag": "0",
        "taxRate": "0.09",
        "taxExcludedAmount": "100.00",
        "tax": "9.00",
        "taxIncludedAmount": "109.00",
        "invoiceLineProperty": "0",
    }
    value = {
        "orderNo": "TG" + uuid.uuid4().hex[:18].upper(),
        "invoiceDate": "2026-12-06 10:00:00",
        "invoiceType": "1",
        "invoiceLine": "pc",
        "salerTaxNum": SELLER,
        "salerName": "北京果品批发有限公司",
        "buyerName": "上海果品贸易有限公司",
        "buyerTaxNum": BUYER,
        "naturalPersonFlag": "0",
        "clerk": "王会计",
        "invoiceDetail": [line],
    }
    lines = changes.pop("lines", None)
    value.update(changes)
    if lines is not None:
        value["invoiceDetail"] = lines
    return value


@pytest.fixture
def raw(sandbox):
    return RawPlatform(sandbox)


def test_issue_and_query_as_documented(raw):
    sent = order()
    answer = raw.call("nuonuo.OpeMplatform.requestBillingNew", {"order": sent})
    assert answer["code"] == "E0000" and answer["result"]["invoiceSerialNum"]
    again = raw.call("nuonuo.OpeMplatform.requestBillingNew", {"order": sent})
    assert again["code"] == "E9106"  # 订单编号重复: the same orderNo is one invoice
    found = raw.call("nuonuo.OpeMplatform.queryInvoiceResult", {"orderNos": [sent["orderNo"]]})
    assert found["code"] == "E0000"
    (row,) = found["result"]
    assert row["orderNo"] == sent["orderNo"]
    assert row["serialNo"] == answer["result"]["invoiceSerialNum"]
    assert row["status"] == "2" and len(row["allElectronicInvoiceNumber"]) == 20
    assert row["orderAmount"] == "109.00" and row["pdfUrl"].startswith("https://")
    unknown = raw.call("nuonuo.OpeMplatform.queryInvoiceResult", {"orderNos": ["TGNOBODY"]})
    assert unknown["code"] == "E9500"


def test_the_documents_are_signed_with_sm2(raw, sandbox):
    """The XML's detached signature is an SM2/SM3 signature (GB/T 32918, default ID) of the
    published key, as gmssl, an implementation neither side uses, computes it."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    from gmssl import sm2

    sent = order()
    raw.call("nuonuo.OpeMplatform.requestBillingNew", {"order": sent})
    (row,) = raw.call("nuonuo.OpeMplatform.queryInvoiceResult", {"orderNos": [sent["orderNo"]]})[
        "result"
    ]
    xml = requests.get(row["xmlUrl"], verify=sandbox.ca, timeout=10).content
    sig = base64.b64decode(requests.get(row["signatureUrl"], verify=sandbox.ca, timeout=10).text)
    with open(sandbox.signing_key, "rb") as handle:
        spki = base64.b64decode(b"".join(handle.read().strip().splitlines()[1:-1]))
    assert spki[-65] == 4  # an uncompressed point, x || y
    bureau = sm2.CryptSM2(private_key=None, public_key=spki[-64:].hex())
    r, s = decode_dss_signature(sig)
    assert bureau.verify_with_sm3(f"{r:064x}{s:064x}", xml)
    assert not bureau.verify_with_sm3(f"{r:064x}{s:064x}", xml + b" ")


def test_a_request_not_signed_with_the_secret_or_without_a_valid_token_is_refused(raw):
    assert raw.call("nuonuo.OpeMplatform.getCreditLine", {}, secret="wrong")["code"] == "070304"
    assert raw.call("nuonuo.OpeMplatform.getCreditLine", {}, token="expired")["code"] == "070101"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        # a 专票 is never issued to a natural person
        (
            {"invoiceLine": "bs", "naturalPersonFlag": "1", "buyerTaxNum": "11010519491231002X"},
            "E9308",
        ),
        # the buyer's 纳税人识别号 fails its check character
        ({"buyerTaxNum": "91310000MA1FL00010"}, "E9307"),
        # a 专票 needs the buyer's tax ID
        ({"invoiceLine": "bs", "buyerTaxNum": ""}, "E9306"),
        # text outside the bureau's character set (GBK)
        ({"buyerName": "上海果品贸易有限公司🍎"}, "E9309"),
        # a line's tax more than 0.06 away from amount × rate
        (
            {"lines": [dict(order()["invoiceDetail"][0], tax="9.07", taxIncludedAmount="109.07")]},
            "E9131",
        ),
        # a motor-vehicle invoice without its vehicle
        ({"invoiceLine": "j"}, "E9000"),
        # more lines than the platform takes on one invoice
        ({"lines": order()["invoiceDetail"] * 2001}, "E9310"),
    ],
)
def test_the_platform_s_refusals(raw, sandbox, changes, code):
    answer = raw.call("nuonuo.OpeMplatform.requestBillingNew", {"order": order(**changes)})
    assert answer["code"] == code, answer
    assert answer["describe"]


def test_without_its_conveniences_the_sandbox_is_only_the_platform(tmp_path):
    """No /health, no /admin routes, tokens on their own host: what remains is the
    documented protocol, and the connector's contract still holds on it."""
    from sandbox.testing import SandboxProcess

    bare = SandboxProcess(tmp_path / "bare", extra=["--no-admin"], platform_like=True).start()
    try:
        for path in ("/admin/faults", "/admin/buyer", "/admin/drawer", "/admin/clock"):
            answer = requests.post(
                f"{bare.url}{path}",
                json={"fault": "5xx", "action": "logout"},
                headers={"X-Sandbox-Admin": bare.APP_SECRET},
                verify=bare.ca,
                timeout=10,
            )
            assert answer.status_code == 404, path
        assert requests.get(f"{bare.url}/health", verify=bare.ca, timeout=10).status_code == 404
        raw = RawPlatform(bare)
        sent = order()
        assert raw.call("nuonuo.OpeMplatform.requestBillingNew", {"order": sent})["code"] == "E0000"
        found = raw.call("nuonuo.OpeMplatform.queryInvoiceResult", {"orderNos": [sent["orderNo"]]})
        assert found["result"][0]["status"] == "2"
    finally:
        bare.stop()
