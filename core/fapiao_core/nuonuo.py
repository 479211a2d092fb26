"""The Nuonuo dialect (诺税通 SaaS open platform): everything that is Nuonuo's, in one module.

Its addresses, signing, method names, field names and status codes, and the mapping of the
neutral requests and results of ``fapiao_core.platform`` to and from them; its error codes are its
table in ``fapiao_core.errors``. Nothing outside these (and the sandbox's own Nuonuo dialect)
knows any of it.

Signature (the platform's 签名机制, [C]): Base64(HMAC-SHA1(appSecret,
"a=services&l=v1&p=open&k={appkey}&i={senid}&n={nonce}&t={timestamp}&f={body}")) over the exact
body bytes that are sent.
"""

import base64
import datetime
import hashlib
import hmac
import json
import secrets
import string
import time
from decimal import Decimal
from urllib.parse import parse_qs

from . import FapiaoError, errors
from .client import Endpoints, PlatformClient, PlatformError, new_order_no
from .money import plain
from .platform import (
    AGRI,
    CHINA,
    ISSUED,
    PENDING,
    REFUSED,
    RETRY,
    SESSION_LOGIN,
    SESSION_OK,
    SESSION_UNKNOWN,
    SESSION_VERIFY,
    SPECIAL_KINDS,
    VEHICLE_KINDS,
    VOIDED,
    Line,
    RedFormResult,
    Result,
    check_shape,
    register,
)

OK = "E0000"
# what each of its codes means to the connector: errors.TABLE["nuonuo"]
NOT_FOUND = "E9500"
QUERY_BATCH = 50  # queryInvoiceResult answers at most 50 business keys a call
# [U] lines a fapiao may carry (the bureau's 数电 limit as platforms state it; not in the
# interface pages): the ``max_lines`` option overrides it
MAX_LINES = 2000
# queryInvoiceResult's status: 2 开票完成, 20 开票中, 21 开票成功签章中, 22 开票失败, 24 签章失败,
# 3 已作废, 31 作废中 (the platform's query documentation, and the independent clients
# arion/node-nuonuo, ZUOXIANGE/NuoNuoSdk, odoo-dev's l10n_cn_edi_nuonuo). A seal failure is
# issued again under the same key (reInvoice).
STATES = {
    "2": ISSUED,
    "20": PENDING,
    "21": PENDING,
    "22": REFUSED,
    "24": RETRY,
    "3": VOIDED,
    "31": VOIDED,
}
# invoiceLine of each kind: bs 数电专票, pc 数电普票, es/ec 数电纸质专票/普票, j 机动车, e 收购
# (requestBillingNew's documentation); the paper motor-vehicle fapiao (87) has no published
# code: the ``paper_vehicle_line`` option, refused while it is unset
INVOICE_LINE_BY_KIND = {"81": "bs", "82": "pc", "85": "es", "86": "ec", "83": "j", AGRI: "e"}
# certificateType of the farmer (the seller of a 农产品收购发票, sent as the buyer): the bureau's
# 证件类型 code of the person, a resident ID when unknown
AGRI_CERTIFICATE_RESIDENT_ID = "201"
AGRI_SPECIFIC_FACTOR = "16"  # 特定要素: 农产品收购
# The drawer's session at the bureau (the platform's 联调参考 4.2, 4.12, 4.13, as odoo-dev's
# l10n_cn_edi_nuonuo reads them): getCertificationStatus queryType 2 says whether the drawer is
# logged in (0 未登录), queryType 1 whether their identity is confirmed (1 已认证, 2 待认证),
# queryType 0 syncs the bureau's verdict after an identity scan; getQrCode gives the QR code
# held (login 3, identity 1) or asks the bureau for a new one (login 2, identity 0), or texts a
# login code (4); verifyComplete completes a login after a scan (0) or with the code (2), its
# result read with 1 or 3 (status 0 登录中, 1 成功, 2 失败). [U] the answers of
# requestBillingNew while the drawer is logged out: any refusal that is not one of the
# content's makes the connector ask the session.
GET_CERTIFICATION_STATUS = "nuonuo.OpeMplatform.getCertificationStatus"
GET_QR_CODE = "nuonuo.OpeMplatform.getQrCode"
VERIFY_COMPLETE = "nuonuo.OpeMplatform.verifyComplete"
LOGGED_OUT = "0"
IDENTITY_CONFIRMED, IDENTITY_PENDING = "1", "2"
QR_QUERY_TYPES = {"login": ("3", "2"), "verify": ("1", "0")}
SMS_QUERY_TYPE = "4"

# The bureau's red-letter reasons (01 开票有误, 02 销货退回, 03 服务中止, 04 销售折让) against
# Nuonuo's redReason, which numbers the first two the other way round.
RED_REASONS = {"01": "2", "02": "1", "03": "3", "04": "4"}
RED_REASONS_BACK = {nuonuo: bureau for bureau, nuonuo in RED_REASONS.items()}

SERVICES_PATH = "/open/v1/services"
TOKEN_PATH = "/accessToken"


# Nuonuo's published addresses: services per environment (the platform's 请求地址 table,
# "正式环境 https://sdk.nuonuo.com/open/v1/services / 沙箱环境 https://sandbox.nuonuocs.cn/...")
# and one token host for both ("https://open.nuonuo.com/accessToken", 自用型应用创建; also the
# independent clients axolo/node-nuonuo and pypi nuonuo-sdk). Document hosts: the sandbox
# answers with invtest.nntest.cn (arion/node-nuonuo); production's are [U] (ROADMAP).
PRESETS = {
    "production": Endpoints(
        "https://sdk.nuonuo.com",
        "https://open.nuonuo.com/accessToken",
        (".nuonuo.com", ".jss.com.cn"),
    ),
    "sandbox": Endpoints(
        "https://sandbox.nuonuocs.cn",
        "https://open.nuonuo.com/accessToken",
        (".nuonuocs.cn", ".nntest.cn"),
    ),
}


def endpoints(environment, base_url=None, token_url=None):
    """The endpoints of ``environment`` (a PRESETS key), or of the URL given as an override
    (a proxy, or the bundled test platform, which serves tokens itself unless told where)."""
    return Endpoints.of(
        PRESETS,
        environment,
        base_url,
        token_url,
        lambda url, preset: preset.token_url if preset else url + TOKEN_PATH,
    )


def sign(app_secret, appkey, senid, nonce, timestamp, body):
    """``body`` is the exact request body (str or UTF-8 bytes). Returns the X-Nuonuo-Sign value."""
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    message = f"a=services&l=v1&p=open&k={appkey}&i={senid}&n={nonce}&t={timestamp}&f={body}"
    digest = hmac.new(app_secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(app_secret, appkey, senid, nonce, timestamp, body, signature):
    expected = sign(app_secret, appkey, senid, nonce, timestamp, body)
    return hmac.compare_digest(expected, signature or "")


def new_senid():
    """32 random characters identifying one transport attempt (not the business key)."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


def new_nonce():
    """An 8-digit positive integer."""
    return str(secrets.randbelow(90_000_000) + 10_000_000)


# The platform's result push (回传开票结果对接文档 v1.0.8): an HTTP POST of a FORM with
# ``operater=callback``, ``orderno`` (the business key sent) and ``content`` (a JSON text:
# the invoice's data, and ``c_status`` 1 完成 / 2 失败 / 3 签章失败 when the company asked for
# failures too). No signature scheme is published: only the business key is read, as a hint.
CALLBACK_OPERATER = "callback"


def callback_order_no(content_type, form):
    """The business key a result push names, or "" when it is not one. ``form``: the posted
    form's fields, name -> (first) value."""
    if "application/x-www-form-urlencoded" not in (content_type or "").lower():
        return ""
    if str(form.get("operater") or "") != CALLBACK_OPERATER:
        return ""
    order_no = str(form.get("orderno") or "").strip()
    return order_no if 0 < len(order_no) <= 20 and order_no.isascii() else ""


def parse_form(body):
    """name -> first value of a form body (bytes); {} when it is not one."""
    try:
        return {k: v[0] for k, v in parse_qs(body.decode("utf-8"), max_num_fields=20).items()}
    except (UnicodeDecodeError, ValueError):
        return {}


# vehicleInfo of a 机动车销售统一发票 (requestBillingNew's order; field list and lengths of the
# request documentation, as the independent clients wwbgo/NuoNuoSdk and
# chuningfan/project-management carry them): platform.VEHICLE_KEYS -> (Nuonuo key, required,
# max length)
VEHICLE_FIELDS = {
    "vehicle_type": ("vehicleType", True, 40),  # 车辆类型; also the single line's goodsName
    "brand_model": ("brandModel", True, 60),  # 厂牌型号
    "origin": ("productOrigin", True, 32),  # 产地
    "vin": ("vehicleCode", True, 23),  # 车辆识别代号/车架号
    "certificate": ("certificate", False, 50),  # 合格证号
    "import_certificate": ("importCerNum", False, 36),  # 进口证明书号
    "inspection_number": ("insOddNum", False, 32),  # 商检单号
    "engine_number": ("engineNum", False, 50),  # 发动机号码
    "tonnage": ("tonnage", False, 8),  # 吨位
    "seats": ("maxCapacity", False, 12),  # 限乘人数
    "manufacturer": ("manufacturerName", False, 80),  # 生产厂家
}


def vehicle_info(vehicle):
    """Nuonuo's ``vehicleInfo`` for the neutral ``vehicle`` (VEHICLE_FIELDS' keys); refuses,
    before anything is sent, a vehicle without what the platform requires or with a value
    longer than it takes."""
    if not vehicle:
        raise FapiaoError("vehicle_data_missing", field="vin")
    info = {}
    for key, (name, required, size) in VEHICLE_FIELDS.items():
        value = str(vehicle.get(key) or "").strip()
        if required and not value:
            raise FapiaoError("vehicle_data_missing", field=key)
        if len(value) > size:
            raise FapiaoError("vehicle_data_too_long", field=key, size=size)
        if value:
            info[name] = value
    return info


# ------------------------------------------------------------ neutral -> Nuonuo
def _text(value):
    """A Decimal as the platform's decimal text (no exponent), "" for None or zero."""
    return plain(value) if value else ""


def invoice_line(kind, options=None):
    """Nuonuo's invoiceLine of ``kind``."""
    if kind == "87":
        code = (options or {}).get("paper_vehicle_line")
        if not code:
            raise FapiaoError("paper_vehicle_line_unset")
        return code
    return INVOICE_LINE_BY_KIND.get(kind, "pc")


def check(request, options=None):
    """Refuse, before anything is sent, a request this platform would refuse for its shape:
    a kind without a code, more lines than it takes, text outside GBK, a vehicle without the
    data the platform requires or with values longer than it takes."""
    invoice_line(request.kind, options)
    check_shape(request, int((options or {}).get("max_lines") or MAX_LINES))
    if request.kind in VEHICLE_KINDS:
        vehicle_info(request.vehicle)


def order_of(request, options=None):
    """requestBillingNew's ``order`` for a neutral ``FapiaoRequest`` (amounts as exact text)."""
    buyer, seller = request.buyer, request.seller
    details = [
        {
            "goodsName": line.name,
            "goodsCode": line.tax_code or "",
            "specType": line.spec or "",
            "unit": line.unit or "",
            "num": _text(line.quantity),
            "price": _text(line.unit_price),
            "withTaxFlag": "0",
            "taxRate": str(line.rate),
            "taxExcludedAmount": str(line.amount),
            "tax": str(line.tax),
            "taxIncludedAmount": str(line.total),
            "favouredPolicyFlag": line.policy_flag or "",
            "invoiceLineProperty": "0",
        }
        for line in request.lines
    ]
    when = request.issued_at or datetime.datetime.now(datetime.timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)  # Odoo's datetimes are UTC
    order = {
        "orderNo": request.business_key,
        "invoiceDate": f"{when.astimezone(CHINA):%Y-%m-%d %H:%M:%S}",
        "invoiceType": "1" if request.direction == "blue" else "2",
        "invoiceLine": invoice_line(request.kind, options),
        "salerTaxNum": seller.tax_id or "",
        "salerName": seller.name or "",
        "salerAddress": seller.address_phone or "",
        "salerAccount": seller.bank_account or "",
        "buyerName": buyer.name or "",
        "buyerTaxNum": buyer.tax_id or "",
        "buyerAddress": buyer.address_phone or "",
        "buyerAccount": buyer.bank_account or "",
        "naturalPersonFlag": "1" if buyer.natural_person else "0",
        "email": buyer.email or "",
        "clerk": request.drawer or "",
        "remark": request.remark or "",
        "invoiceDetail": details,
    }
    if request.callback_url:
        order["callBackUrl"] = request.callback_url
    if request.kind in VEHICLE_KINDS:
        info = vehicle_info(request.vehicle)
        order["vehicleInfo"] = info
        # the single line's goodsName is the vehicle type (the platform's rule)
        details[0]["goodsName"] = info["vehicleType"]
    elif request.kind in SPECIAL_KINDS and request.vehicle:
        # a 机动车类专票 (B2B: to a dealer, a leasing company): flagged, with the vehicle [U]
        order["vehicleFlag"] = "1"
        order["vehicleInfo"] = vehicle_info(request.vehicle)
    if request.kind == AGRI:
        order["specificFactor"] = AGRI_SPECIFIC_FACTOR
        order["certificateType"] = buyer.id_type or AGRI_CERTIFICATE_RESIDENT_ID
    return order


def red_form_of(form, options=None):
    """saveInvoiceRedConfirm's payload for a neutral ``RedFormRequest``."""
    payload = {
        "billId": form.bill_id,
        "blueInvoiceLine": invoice_line(form.blue_kind, options),
        "applySource": "0",
        "blueElecInvoiceNumber": form.blue_number,
        "sellerTaxNo": form.seller.tax_id or "",
        "sellerName": form.seller.name or "",
        "buyerTaxNo": form.buyer.tax_id or "",
        "buyerName": form.buyer.name or "",
        "redReason": RED_REASONS[form.reason],
    }
    if form.lines is not None:  # partial: lines with the blue line's position
        payload["detail"] = [
            {
                "blueDetailIndex": position,
                "goodsName": line.name,
                "goodsCode": line.tax_code or "",
                "num": _text(line.quantity),
                "price": _text(line.unit_price),
                "taxRate": str(line.rate),
                "taxExcludedAmount": str(line.amount),
                "tax": str(line.tax),
                "taxIncludedAmount": str(line.total),
            }
            for position, line in form.lines
        ]
    return payload


# ------------------------------------------------------------ Nuonuo -> neutral
def result_of(row):
    """A neutral ``Result`` of one row of queryInvoiceResult (or queryInvoiceList)."""
    status = str(row["status"])
    if status not in STATES:
        raise PlatformError("BAD_RESPONSE", f"unknown invoice status {status!r}")
    ms = row.get("invoiceTime")
    issued_at = None
    if ms:
        issued_at = datetime.datetime.fromtimestamp(int(ms) / 1000, datetime.timezone.utc)
        issued_at = issued_at.replace(tzinfo=None)
    names = {"xml": "xmlUrl", "sig": "signatureUrl", "pdf": "pdfUrl", "ofd": "ofdUrl"}
    return Result(
        business_key=row.get("orderNo", ""),
        serial=row["serialNo"],
        state=STATES[status],
        number=row.get("allElectronicInvoiceNumber"),
        issued_at=issued_at,
        code=status if STATES[status] in (REFUSED, RETRY) else "",
        message=row.get("failCause") or row.get("statusMsg") or "",
        documents={name: row[key] for name, key in names.items() if row.get(key)},
        total=Decimal(str(row["orderAmount"])) if row.get("orderAmount") is not None else None,
        paper_code=str(row["invoiceCode"]) if row.get("invoiceCode") else None,
        paper_number=str(row["invoiceNo"]) if row.get("invoiceNo") else None,
        qr=str(row.get("qrCode") or ""),  # [U] the field's name
    )


def _red_line(item):
    """(blue line position, Line with negative amounts) of one line of a red form."""
    quantity = Decimal(str(item["num"])) if item.get("num") else None
    return int(item["blueDetailIndex"]), Line(
        name=str(item.get("goodsName") or ""),
        tax_code=str(item.get("goodsCode") or ""),
        rate=Decimal(str(item.get("taxRate") or "0")),
        amount=Decimal(str(item["taxExcludedAmount"])),
        tax=Decimal(str(item["tax"])),
        quantity=quantity,
    )


def red_form_result(item):
    """A neutral ``RedFormResult`` of one form of queryInvoiceRedConfirm."""
    try:
        return RedFormResult(
            bill_id=str(item.get("billId") or ""),
            bill_no=str(item["billNo"]),
            bill_uuid=str(item["billUuid"]),
            status=str(item["billStatus"]),
            blue_number=str(item.get("blueElecInvoiceNumber") or ""),
            apply_source=str(item.get("applySource", "0")),
            reason=RED_REASONS_BACK.get(str(item.get("redReason")), "01"),
            amount=Decimal(str(item.get("taxExcludedAmount") or "0")),
            tax=Decimal(str(item.get("taxAmount") or "0")),
            detail=[_red_line(line) for line in item.get("detail") or []],
            red_serial=item.get("invoiceSerialNum") or None,
            red_number=item.get("redInvoiceNumber") or None,
        )
    except (KeyError, ArithmeticError, TypeError, ValueError) as err:
        raise PlatformError("BAD_RESPONSE", f"red form: {err!r}") from err


# ------------------------------------------------------------------- the client
@register("nuonuo", "Nuonuo (诺税通)")
class NuonuoClient(PlatformClient):
    """The Nuonuo dialect of ``PlatformClient``; ``config.options``: ``paper_vehicle_line``."""

    query_batch = QUERY_BATCH
    NOT_FOUND = NOT_FOUND
    endpoints = staticmethod(endpoints)
    callback_business_key = staticmethod(callback_order_no)

    @staticmethod
    def services_url(base_url):
        return f"{base_url}{SERVICES_PATH}"

    @staticmethod
    def callback_answer():
        # [U] what the platform expects back: its own envelope of success
        return {"code": OK, "describe": ""}

    @classmethod
    def check(cls, request, options=None):
        check(request, options)

    def order_of(self, request):
        return order_of(request, self.config.options)

    # ------------------------------------------------------------ transport
    def ping(self):
        """Prove the whole path (host, TLS, token, signature, the service) with a real call
        that changes nothing: the result of a business key nobody used must be "not found".
        The platform has no health route. Returns the round trip in milliseconds."""
        start = time.perf_counter()
        envelope = self.call(
            "nuonuo.OpeMplatform.queryInvoiceResult", {"orderNos": [new_order_no()]}
        )
        if envelope["code"] not in (OK, NOT_FOUND):
            raise self._refusal(envelope)
        return round((time.perf_counter() - start) * 1000, 1)

    def fetch_token(self):
        answer = self._request(
            "POST",
            self.config.token_url or f"{self.config.base_url}{TOKEN_PATH}",
            data={
                "client_id": self.config.app_key,
                "client_secret": self.config.app_secret,
                "grant_type": "client_credentials",
            },
        )
        body = self._json(answer)
        if "access_token" not in body:
            raise PlatformError(body.get("error") or "AUTH", body.get("error_description", ""))
        self.token = body["access_token"]
        if self.on_token:
            self.on_token(self.token, int(body.get("expires_in", 0)))
        return self.token

    def call(self, method, payload):
        """One signed call; returns the envelope (``_with_token``: an expired token is fetched
        again once)."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        return self._with_token(lambda: self._signed(method, body), self._code_of)

    def _signed(self, method, body):
        senid, nonce, timestamp = new_senid(), new_nonce(), str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=UTF-8",
            "X-Nuonuo-Sign": sign(
                self.config.app_secret, self.config.app_key, senid, nonce, timestamp, body
            ),
            "accessToken": self.token,
            "userTax": self.config.user_tax,
            "method": method,
        }
        params = {
            "senid": senid,
            "nonce": nonce,
            "timestamp": timestamp,
            "appkey": self.config.app_key,
        }
        return self._exchange(
            method,
            lambda: self._request(
                "POST",
                f"{self.config.base_url}{SERVICES_PATH}",
                params=params,
                data=body.encode("utf-8"),
                headers=headers,
            ),
            self._read_envelope,
        )

    @staticmethod
    def _code_of(envelope):
        return envelope["code"]

    def _read_envelope(self, answer):
        envelope = self._json(answer)
        if not envelope.get("code"):
            raise PlatformError(
                "BAD_RESPONSE", "no code in the answer", transient=True, unknown=True
            )
        return envelope, envelope["code"]

    def _refusal(self, envelope):
        """None for an envelope of success, else its refusal (transient or not)."""
        code = envelope["code"]
        if code == OK:
            return None
        return self._refused(code, envelope.get("describe", ""))

    # -------------------------------------------------------------- business
    def issue(self, request):
        """Submit ``request`` (a FapiaoRequest) at most once: a Result."""
        order = self.order_of(request)
        order_no = request.business_key

        def find():
            return self._adoptable(order_no, request)

        envelope, found = self._at_most_once(
            lambda: self.call("nuonuo.OpeMplatform.requestBillingNew", {"order": order}),
            find,
            self._refusal,
        )
        if found:
            return found
        code = envelope["code"]
        if code == OK:
            serial = (envelope.get("result") or {}).get("invoiceSerialNum")
            if not serial:
                raise PlatformError(
                    "BAD_RESPONSE", "no invoiceSerialNum", transient=True, unknown=True
                )
            return Result(order_no, serial, PENDING)
        if self._means(code, errors.ADOPT):
            found = find()
            if found:
                return found
            raise PlatformError(code, envelope.get("describe", ""), transient=True)
        raise self._refusal(envelope)

    def reissue(self, request, serial):
        """开票重试 (reInvoice: "发票开票失败时...发票订单号、流水号与原请求一致", the platform's
        documentation) of a fapiao whose seal failed: the platform issues it again under the
        same key and serial. Whatever the answer, the key's state is then asked: a platform
        that says it is issuing or issued already is taken at its word. [U] the body's field
        names (fpqqlsh / orderno, as ZUOXIANGE/NuoNuoSdk sends them to the older method)."""
        try:
            envelope = self.call(
                "nuonuo.OpeMplatform.reInvoice",
                {"fpqqlsh": serial, "orderno": request.business_key},
            )
        except PlatformError as err:
            if not err.unknown:
                raise
            envelope = None
        if envelope is not None and envelope["code"] == OK:
            return Result(request.business_key, serial, PENDING)
        found = self.query(request.business_key, request)
        if found.state in (PENDING, ISSUED):
            return found
        if envelope is None:
            raise PlatformError("TIMEOUT", "no answer to reInvoice", transient=True)
        self._checked(envelope)
        return found

    def _checked(self, envelope, ok=(OK,)):
        if envelope["code"] not in ok:
            raise self._refused(envelope["code"], envelope.get("describe", ""))
        return envelope

    def _query_rows(self, key, values):
        """The result rows of queryInvoiceResult for ``values`` (business keys or serials),
        by key; a row for something not asked for is ignored, one asked for may be missing."""
        envelope = self._checked(
            self.call("nuonuo.OpeMplatform.queryInvoiceResult", {key: list(values)})
        )
        results = envelope.get("result")
        if not isinstance(results, list) or not results or not isinstance(results[0], dict):
            raise PlatformError(
                "BAD_RESPONSE", "queryInvoiceResult without a result list", transient=True
            )
        field_name = "orderNo" if key == "orderNos" else "serialNo"
        wanted = set(values)
        return {
            row[field_name]: row
            for row in results
            if isinstance(row, dict)
            and row.get(field_name) in wanted
            and row.get("serialNo")
            and row.get("status")
        }

    def _query_row(self, key, value):
        row = self._query_rows(key, [value]).get(value)
        if row is None:
            raise PlatformError("BAD_RESPONSE", "result does not match the business key")
        return row

    def query_serial(self, serial):
        """The platform's state of one invoice by its serial (a red invoice the bureau issued)."""
        return result_of(self._query_row("serialNos", serial))

    def query(self, business_key, request=None):
        """The platform's state of one business key; checks the echoed total against
        ``request``."""
        return self._checked_result(self._query_row("orderNos", business_key), request)

    def query_many(self, orders):
        """The platform's state of up to QUERY_BATCH business keys in one call:
        ``{key: request}`` -> ``{key: Result, or the PlatformError of that key}`` (a key the
        platform does not know: NOT_FOUND; an echoed total that differs from its request's:
        MISMATCH). A failure of the call itself is raised."""
        if not 0 < len(orders) <= QUERY_BATCH:
            raise ValueError(f"1 to {QUERY_BATCH} business keys a query, not {len(orders)}")
        try:
            rows = self._query_rows("orderNos", orders)
        except PlatformError as err:
            if err.code != NOT_FOUND:
                raise
            rows = {}  # none of them is known
        outcomes = {}
        for order_no, order in orders.items():
            try:
                if order_no not in rows:
                    raise PlatformError(NOT_FOUND, f"{order_no} not found on the platform")
                outcomes[order_no] = self._checked_result(rows[order_no], order)
            except PlatformError as err:
                outcomes[order_no] = err
        return outcomes

    @staticmethod
    def _checked_result(row, request=None):
        if request is not None and row.get("orderAmount") is not None:
            try:
                echoed = Decimal(str(row["orderAmount"]))
            except ArithmeticError as err:
                raise PlatformError("BAD_RESPONSE", f"orderAmount {row['orderAmount']!r}") from err
            if echoed != request.total:
                raise PlatformError(
                    "MISMATCH", f"platform total {row['orderAmount']} != {request.total}"
                )
        return result_of(row)

    def list_invoices(self, start, end, page_size=100):
        """Invoices issued between ``start`` and ``end`` (datetimes, China time), all pages."""
        found, page = [], 1
        while True:
            envelope = self._checked(
                self.call(
                    "nuonuo.OpeMplatform.queryInvoiceList",
                    {
                        "startTime": f"{start:%Y-%m-%d %H:%M:%S}",
                        "endTime": f"{end:%Y-%m-%d %H:%M:%S}",
                        "pageNo": str(page),
                        "pageSize": str(page_size),
                    },
                )
            )
            result = envelope.get("result")
            if not isinstance(result, dict) or not isinstance(result.get("list"), list):
                raise PlatformError("BAD_RESPONSE", "queryInvoiceList without a list")
            try:
                found += [result_of(row) for row in result["list"]]
            except (KeyError, ArithmeticError, TypeError) as err:
                raise PlatformError("BAD_RESPONSE", f"invoice list: {err!r}") from err
            if len(result["list"]) < page_size or len(found) >= int(result.get("total") or 0):
                return found
            page += 1

    # ------------------------------------------------------------ red letters
    def request_red_form(self, form):
        """Apply for a 红字确认单 (a ``RedFormRequest``) at most once, like ``issue``: an
        unknown outcome or a duplicate is answered by a query."""
        bill_id = form.bill_id
        payload = red_form_of(form, self.config.options)
        envelope, found = self._at_most_once(
            lambda: self.call("nuonuo.OpeMplatform.saveInvoiceRedConfirm", payload),
            lambda: self.query_red_form(bill_id=bill_id),
            self._refusal,
        )
        if found:
            return found
        code = envelope["code"]
        if code == OK or self._means(code, errors.ADOPT):
            found = self.query_red_form(bill_id=bill_id)
            if found:
                return found
            raise PlatformError(code, "red form accepted but not found", transient=True)
        raise self._refusal(envelope)

    def query_red_form(self, bill_id=None, bill_no=None, bill_uuid=None):
        """One form by the applicant's key, the bureau's number or uuid; None when unknown."""
        keys = {"billId": bill_id, "billNo": bill_no, "billUuid": bill_uuid}
        forms = self._red_forms({k: v for k, v in keys.items() if v})
        return forms[0] if forms else None

    def list_red_forms(self, status=None):
        """Forms as the seller sees them, all pages; ``status``: the bureau's state."""
        return self._red_forms({"billStatus": status} if status else {})

    def _red_forms(self, criteria, identity="0"):
        """queryInvoiceRedConfirm as the seller (identity 0), all pages."""
        forms, page = [], 1
        while True:
            envelope = self._checked(
                self.call(
                    "nuonuo.OpeMplatform.queryInvoiceRedConfirm",
                    {"identity": identity, "pageNo": str(page), "pageSize": "50", **criteria},
                )
            )
            result = envelope.get("result")
            if not isinstance(result, dict) or not isinstance(result.get("list"), list):
                raise PlatformError("BAD_RESPONSE", "queryInvoiceRedConfirm without a list")
            forms += [red_form_result(item) for item in result["list"]]
            if len(result["list"]) < 50 or len(forms) >= int(result.get("total") or 0):
                return forms
            page += 1

    def confirm_red_form(self, bill_uuid, agree=True):
        """The seller confirms (or denies) a form the buyer raised (03)."""
        return self._operate_red_form(
            "nuonuo.OpeMplatform.confirm",
            {"billUuid": bill_uuid, "identity": "0", "confirmAgreement": "1" if agree else "0"},
            done=("04",) if agree else ("06",),
        )

    def cancel_red_form(self, bill_uuid):
        """The initiator revokes a pending form."""
        return self._operate_red_form(
            "nuonuo.OpeMplatform.confirmInfoCancel",
            {"billUuid": bill_uuid, "identity": "0"},
            done=("08",),
        )

    def _operate_red_form(self, method, payload, done):
        return self._act_on_form(
            lambda: self.call(method, payload),
            lambda: self.query_red_form(bill_uuid=payload["billUuid"]),
            done,
        )

    def fetch_red_invoice(self, form):
        """The red invoice the bureau issued for a confirmed form (fastInvoiceRed, then a
        query by serial); None while there is none."""
        serial = form.red_serial
        if not serial:
            envelope = self.call(
                "nuonuo.OpeMplatform.fastInvoiceRed",
                {"billNo": form.bill_no, "billUuid": form.bill_uuid},
            )
            if envelope["code"] != OK:
                return None
            serial = (envelope.get("result") or {}).get("invoiceSerialNum")
        return self.query_serial(serial) if serial else None

    # ------------------------------------------------------ the drawer's session
    def _session_payload(self, **values):
        options = self.config.options
        return {"extensionNumber": options.get("extension_number") or "", **values}

    def _session_call(self, method, **values):
        return self._checked(self.call(method, self._session_payload(**values))).get("result") or {}

    def _certification(self, query_type):
        """getCertificationStatus of ``query_type`` (2 login, 1 identity); {} when unknown."""
        envelope = self.call(
            GET_CERTIFICATION_STATUS,
            self._session_payload(
                queryType=query_type, eleAccount=self.config.options.get("ele_account") or ""
            ),
        )
        if envelope["code"] != OK:
            return {}
        return envelope.get("result") or {}

    def session_state(self):
        """Logged out (queryType 2 says 0), identity due (queryType 1 says 2), else ok; a
        platform that does not say is "unknown" (it must not hold fapiao back)."""
        login = self._certification("2")
        if not login:
            return SESSION_UNKNOWN
        if str(login.get("certificationStatus")) == LOGGED_OUT:
            return SESSION_LOGIN
        if str(self._certification("1").get("certificationStatus")) == IDENTITY_PENDING:
            return SESSION_VERIFY
        return SESSION_OK

    def session_qr(self, purpose, renew=False):
        held, new = QR_QUERY_TYPES[purpose]
        result = {} if renew else self._session_call(GET_QR_CODE, queryType=held)
        renewed = not result.get("qrCode")
        if renewed:
            self._session_call(GET_QR_CODE, queryType=new)  # the bureau makes one: a moment
            result = self._session_call(GET_QR_CODE, queryType=held)
        if not result.get("qrCode"):
            raise PlatformError("SESSION_PENDING", "no QR code yet", transient=True)
        return {
            "qr": str(result["qrCode"]),
            "app": str(result.get("qrCodeType") or ""),
            "auth_id": str(result.get("authId") or ""),
            "expires": str(result.get("endTime") or ""),
            "renewed": renewed,
        }

    def session_sms(self):
        self._session_call(GET_QR_CODE, queryType=SMS_QUERY_TYPE)

    def session_confirm(self, purpose, sms_code=None, auth_id=None):
        if purpose == SESSION_VERIFY:
            self._session_call(
                GET_CERTIFICATION_STATUS,
                queryType="0",
                authId=auth_id or "",
                eleAccount=self.config.options.get("ele_account") or "",
            )
            return str(self._certification("1").get("certificationStatus")) == IDENTITY_CONFIRMED
        if sms_code:
            self._session_call(VERIFY_COMPLETE, queryType="2", verifyCode=int(sms_code))
        else:
            self._session_call(VERIFY_COMPLETE, queryType="0")
        result = self._session_call(VERIFY_COMPLETE, queryType="3" if sms_code else "1")
        status = str(result.get("status") or "")
        if status == "2":  # 登录失败
            raise PlatformError("SESSION_REFUSED", str(result.get("message") or ""))
        return status == "1"

    def void_paper(self, serial, paper_code, paper_number):
        """作废 a 数电 paper invoice (invoiceCancellation: its serial, 发票代码 and 发票号码).
        Raises PlatformError unless the platform accepted the void; an unknown outcome is
        raised as such (a second void of a voided invoice is answered as done [U])."""
        envelope = self.call(
            "nuonuo.electronInvoice.invoiceCancellation",
            {"invoiceId": serial, "invoiceCode": paper_code, "invoiceNo": paper_number},
        )
        return self._checked(envelope).get("result") or {}

    def credit_line(self):
        """The month's 发票总额度 (tax excluded): {"total", "used", "available"} as Decimal,
        as the platform last got it from the bureau (queryType 1). When it holds no figure yet,
        it is asked to fetch one (queryType 0) and the caller reads it later: the bureau
        answers at most once per 30 s and 20 times a day (odoo-dev's l10n_cn_edi_nuonuo)."""
        envelope = self.call("nuonuo.OpeMplatform.getCreditLine", {"queryType": "1"})
        if envelope["code"] != OK:
            raise PlatformError(envelope["code"], envelope.get("describe", ""))
        result = envelope.get("result")
        if isinstance(result, dict) and result.get("availableCreditLine") is None:
            if str(result.get("requestStatus") or "") != "2":  # 2: the bureau refused it
                self.call("nuonuo.OpeMplatform.getCreditLine", {"queryType": "0"})
            raise PlatformError(
                "CREDIT_PENDING", "the platform is fetching the credit line", transient=True
            )
        try:
            return {
                "total": Decimal(str(result["totalCreditLine"])),
                "used": Decimal(str(result["usedCreditLine"])),
                "available": Decimal(str(result["availableCreditLine"])),
            }
        except (KeyError, TypeError, ArithmeticError) as err:
            raise PlatformError("BAD_RESPONSE", f"credit line: {err!r}") from err
