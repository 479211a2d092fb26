"""The Baiwang dialect (百望云 open platform): everything that is Baiwang's, in one module.

Sources (read, not copied): the platform's method pages as listed by the independent client
wenlingang/baiwang-ruby-sdk (``apis.md``, ``lib/baiwang/request.rb``); Odoo S.A.'s prototype
``l10n_cn_edi_baiwang`` (odoo/odoo pull request 266575: ``API_REFERENCE.md``, "validated against
sandbox", ``models/baiwang_client.py``); an independent Java integration (wishare finance,
``BaiwangFacadeImpl``, enums ``InvoiceStatusEnum``, ``MethodEnum``). [C] confirmed by two of
them, [S] by one, [U] by none: a setting or the sandbox's own choice (readme/ROADMAP.md).

Transport [C]: every call is a POST to ``{base}/router/rest`` whose query string carries
``method``, ``version``, ``appKey``, ``format=json``, ``timestamp`` (ms), ``type=sync``,
``requestId`` (a UUID), ``token`` and ``sign``; the body is compact JSON sent as the exact bytes
signed. ``sign = MD5(appSecret + k1v1k2v2... (query parameters sorted by name, empty ones and
sign left out) + body + appSecret)``, upper-case hex. The answer is ``{"success": true,
"response": ...}`` or ``{"success": false, "errorResponse": {"code", "message", "subCode",
"subMessage"}}``.

Token [C]: ``method=baiwang.oauth.token&grant_type=password&client_id={appKey}&version=7.0`` with
the body ``{"username", "password": sha256(password + salt) hex, "client_secret"}``, not signed;
the answer's ``response`` holds ``access_token`` and ``expires_in``. Codes 100001/100002: the
token is invalid or expired (fetched again once).

Issuing [C] is synchronous: ``baiwang.output.invoice.issue`` answers with the issued invoice in
``response.success`` (its 20-digit ``invoiceNo``, ``invoiceDate`` yyyyMMddHHmmss, China time) or
the refusal in ``response.fail``. The business key is ``serialNo`` (开票流水号). The documents
come from ``baiwang.output.format.create`` (版式文件生成, ``queryData``: the layout file's
address [S]). ``baiwang.output.invoice.query`` reads an invoice by ``serialNo`` [C]; its
``invoiceStatus`` [S]: 00 开具成功, 02 空白发票作废, 03 已开发票作废, 05 正票全额红冲,
06 正票部分红冲.

Red letters [C]: ``baiwang.output.redinvoice.add`` (红字确认单, flat body of version 7.0, keyed by
``redConfirmSerialNo``, ``autoIssueSwitch`` Y: the red invoice is issued once the form needs no
more confirmation), ``.operate`` (``confirmType`` 01 confirm, 02 deny, 03 revoke), ``.formlist``
(pages of 50) and ``.redforminfo`` (one form by ``redConfirmUuid``: ``confirmState``,
``alreadyRedInvoiceFlag``, ``redInvoiceNo``).

Not offered by this dialect: paper fapiao and their void, 农产品收购发票, the drawer's login
(Baiwang holds the bureau session itself: the session is "unknown", which never holds fapiao
back), the month's credit line, result pushes.
"""

import datetime
import hashlib
import json
import time
import uuid
from decimal import Decimal

from . import FapiaoError
from .client import Endpoints, PlatformClient, PlatformError, new_order_no
from .money import plain
from .platform import (
    AGRI,
    CHINA,
    ISSUED,
    PAPER_KINDS,
    PENDING,
    REFUSED,
    SESSION_UNKNOWN,
    VEHICLE_KINDS,
    VOIDED,
    Line,
    RedFormResult,
    Result,
    check_shape,
    register,
)

ROUTER_PATH = "/router/rest"
TOKEN_METHOD = "baiwang.oauth.token"
ISSUE = "baiwang.output.invoice.issue"
QUERY = "baiwang.output.invoice.query"
FORMAT_CREATE = "baiwang.output.format.create"
RED_ADD = "baiwang.output.redinvoice.add"
RED_OPERATE = "baiwang.output.redinvoice.operate"
RED_LIST = "baiwang.output.redinvoice.formlist"
RED_INFO = "baiwang.output.redinvoice.redforminfo"
# the protocol version each method is documented under [C]: 7.0 methods take a flat body and
# three more query parameters
VERSION_7 = {RED_ADD, RED_OPERATE, RED_LIST}
# what each of its codes means to the connector: errors.TABLE["baiwang"]. [U] a call over the
# application key's rate cap (20 calls/s, as Odoo's prototype notes) is answered with the bundled
# test platform's code, which is retried.
OK = "OK"  # the request log's code of a successful envelope (which carries none)
NOT_FOUND = "NOT_FOUND"
RED_PAGE = 50  # formlist's largest page [C]
MAX_LINES = 2000  # [U] as for every 数电 platform: the ``max_lines`` option overrides it

# invoiceTypeCode [C]: 01 数电专票, 02 数电普票. The 数电 motor-vehicle fapiao's code is not
# published: the ``vehicle_type_code`` option, refused while unset.
INVOICE_TYPE_BY_KIND = {"81": "01", "82": "02"}
SPECIAL_TYPE_CODE = "01"
# invoiceStatus of a query row [S]
ISSUED_STATUSES = {"00", "05", "06"}  # issued (05/06: reversed in full or in part since)
VOIDED_STATUSES = {"02", "03"}
# the bureau's red-letter reasons are Baiwang's redInvoiceLabel as they are [C]
ENTRY_SELLER, ENTRY_BUYER = "01", "02"
CONFIRM_TYPES = {"confirm": "01", "deny": "02", "revoke": "03"}

# the vehicle of a 机动车销售统一发票 [U]: Baiwang's field names are not published for 数电;
# platform.VEHICLE_KEYS -> name in ``vehicleInfo``
VEHICLE_FIELDS = {
    "vehicle_type": "vehicleType",
    "brand_model": "brandModel",
    "origin": "originPlace",
    "vin": "vehicleIdentificationNo",
    "certificate": "certificateNo",
    "import_certificate": "importCertificateNo",
    "inspection_number": "inspectionListNo",
    "engine_number": "engineNo",
    "tonnage": "tonnage",
    "seats": "limitedPeopleCount",
    "manufacturer": "manufacturerName",
}

# Baiwang's published addresses [C] (tokens and services on one host)
PRESETS = {
    "production": Endpoints(
        "https://openapi.baiwang.com", "https://openapi.baiwang.com", (".baiwang.com",)
    ),
    "sandbox": Endpoints(
        "https://sandbox-openapi.baiwang.com",
        "https://sandbox-openapi.baiwang.com",
        (".baiwang.com",),
    ),
}


def endpoints(environment, base_url=None, token_url=None):
    """The endpoints of ``environment``, or of the URL given as an override (a proxy, the
    bundled test platform). Tokens are asked of the same router."""
    return Endpoints.of(PRESETS, environment, base_url, token_url, lambda url, _preset: url)


def sign(app_secret, params, body):
    """The ``sign`` of a call: ``params`` the query parameters (without sign), ``body`` the
    exact body (str or UTF-8 bytes)."""
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    joined = "".join(
        f"{key}{value}"
        for key, value in sorted(params.items())
        if key != "sign" and value is not None and str(value).strip()
    )
    text = f"{app_secret}{joined}{body}{app_secret}"
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()  # noqa: S324 (the platform's)


def password_hash(password, salt):
    """The password as the token call sends it: SHA-256 of password + salt, hex."""
    return hashlib.sha256(f"{password}{salt}".encode()).hexdigest()


def _amount(value):
    """An exact amount as text (the independent TypeScript client sends strings)."""
    return plain(value) if value is not None else ""


def type_code(kind, options=None):
    """invoiceTypeCode of ``kind``; refuses a kind this dialect does not issue."""
    if kind in VEHICLE_KINDS and kind not in PAPER_KINDS:
        code = (options or {}).get("vehicle_type_code")
        if not code:
            raise FapiaoError("vehicle_type_code_unset")
        return code
    if kind not in INVOICE_TYPE_BY_KIND:
        raise FapiaoError("kind_not_offered", kind=kind, platform="百望云")
    return INVOICE_TYPE_BY_KIND[kind]


def vehicle_info(vehicle):
    vehicle = vehicle or {}
    return {
        name: str(vehicle.get(key) or "").strip()
        for key, name in VEHICLE_FIELDS.items()
        if str(vehicle.get(key) or "").strip()
    }


def check(request, options=None):
    """Refuse, before anything is sent, what this platform cannot take."""
    if request.kind == AGRI or request.kind in PAPER_KINDS:
        raise FapiaoError("kind_not_offered", kind=request.kind, platform="百望云")
    type_code(request.kind, options)
    check_shape(request, int((options or {}).get("max_lines") or MAX_LINES))


def _line(position, line):
    return {
        "goodsLineNo": position,
        "invoiceLineNature": "0",
        "goodsCode": line.tax_code or "",
        "goodsName": line.name,
        "goodsSpecification": line.spec or "",
        "goodsUnit": line.unit or "",
        "goodsQuantity": _amount(line.quantity) if line.quantity else "",
        "goodsPrice": _amount(line.unit_price) if line.unit_price else "",
        "goodsTaxRate": _amount(line.rate),
        "goodsTotalPrice": _amount(line.amount),
        "goodsTotalTax": _amount(line.tax),
        "preferentialMarkFlag": "1" if line.policy_flag else "0",
        "vatSpecialManagement": line.policy_flag or "",
    }


def invoice_data(request, options=None):
    """invoice.issue's ``data`` for a neutral ``FapiaoRequest`` (prices tax excluded)."""
    buyer, seller = request.buyer, request.seller
    amount = sum((line.amount for line in request.lines), Decimal("0.00"))
    tax = sum((line.tax for line in request.lines), Decimal("0.00"))
    data = {
        "serialNo": request.business_key,
        "invoiceTypeCode": type_code(request.kind, options),
        "invoiceType": "0" if request.direction == "blue" else "1",
        "priceTaxMark": "0",
        "invoiceListMark": "0",
        "taxationMethod": "0",
        "sellerName": seller.name or "",
        "sellerAddressPhone": seller.address_phone or "",
        "sellerBankAccount": seller.bank_account or "",
        "buyerName": buyer.name or "",
        "buyerTaxNo": buyer.tax_id or "",
        "buyerAddressPhone": buyer.address_phone or "",
        "buyerBankAccount": buyer.bank_account or "",
        "buyerEmail": buyer.email or "",
        "naturalPersonFlag": "Y" if buyer.natural_person else "N",  # [U] the flag's name
        "drawer": request.drawer or "",
        "remarks": request.remark or "",
        "invoiceTotalPrice": _amount(amount),
        "invoiceTotalTax": _amount(tax),
        "invoiceTotalPriceTax": _amount(amount + tax),
        "invoiceDetailsList": [_line(i, line) for i, line in enumerate(request.lines, 1)],
    }
    if request.kind in VEHICLE_KINDS:
        data["vehicleInfo"] = vehicle_info(request.vehicle)
        # the bureau's rule: one line, named after the vehicle type
        data["invoiceDetailsList"][0]["goodsName"] = data["vehicleInfo"].get("vehicleType", "")
    return data


def _issued_at(text):
    """invoiceDate (yyyyMMddHHmmss or yyyy-MM-dd HH:mm:ss, China time) as naive UTC."""
    text = "".join(ch for ch in str(text or "") if ch.isdigit())
    if len(text) < 14:
        return None
    when = datetime.datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(tzinfo=CHINA)
    return when.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def _decimal(value, what):
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError as err:
        raise PlatformError("BAD_RESPONSE", f"{what} {value!r}") from err


def result_of(row, business_key=""):
    """A neutral ``Result`` of an issued invoice (an issue answer's success or a query row)."""
    status = str(row.get("invoiceStatus") or "")
    number = str(row.get("einvoiceNo") or row.get("invoiceNo") or "")
    if status in VOIDED_STATUSES:
        state = VOIDED
    elif number and (not status or status in ISSUED_STATUSES):
        state = ISSUED
    elif not number and not status:
        state = PENDING  # [U] a row the bureau has not numbered yet
    else:
        raise PlatformError("BAD_RESPONSE", f"unknown invoice status {status!r}")
    return Result(
        business_key=str(row.get("serialNo") or business_key),
        serial=str(row.get("serialNo") or business_key),
        state=state,
        number=number or None,
        issued_at=_issued_at(row.get("invoiceDate")),
        code=status if state == VOIDED else "",
        message=str(row.get("statusMessage") or ""),
        total=_decimal(row.get("invoiceTotalPriceTax"), "invoiceTotalPriceTax"),
        qr=str(row.get("invoiceQrCode") or ""),
    )


def _red_line(item):
    quantity = item.get("goodsQuantity")
    return int(item["originalInvoiceDetailNo"]), Line(
        name=str(item.get("goodsName") or ""),
        tax_code=str(item.get("goodsCode") or ""),
        rate=Decimal(str(item.get("goodsTaxRate") or "0")),
        amount=Decimal(str(item["goodsTotalPrice"])),
        tax=Decimal(str(item["goodsTotalTax"])),
        quantity=Decimal(str(quantity)) if quantity not in (None, "") else None,
    )


def red_form_result(item):
    """A neutral ``RedFormResult`` of one form of formlist or redforminfo."""
    try:
        return RedFormResult(
            bill_id=str(item.get("redConfirmSerialNo") or ""),
            bill_no=str(item.get("redConfirmNo") or ""),
            bill_uuid=str(item["redConfirmUuid"]),
            status=str(item["confirmState"]),
            blue_number=str(item.get("originalInvoiceNo") or ""),
            apply_source="1" if str(item.get("entryIdentity")) == ENTRY_BUYER else "0",
            reason=str(item.get("redInvoiceLabel") or "01"),
            amount=Decimal(str(item.get("invoiceTotalPrice") or "0")),
            tax=Decimal(str(item.get("invoiceTotalTax") or "0")),
            detail=[
                _red_line(line)
                for line in item.get("electricInvoiceDetails")
                or item.get("redConfirmDetailReqEntityList")
                or []
            ],
            red_serial=str(item.get("redInvoiceSerialNo") or "") or None,
            red_number=str(item.get("redInvoiceNo") or "") or None,
        )
    except (KeyError, ArithmeticError, TypeError, ValueError) as err:
        raise PlatformError("BAD_RESPONSE", f"red form: {err!r}") from err


@register("baiwang", "Baiwang (百望云)")
class BaiwangClient(PlatformClient):
    """The Baiwang dialect of ``PlatformClient``; ``config.options``: ``username``,
    ``password``, ``salt`` (the platform user the token is asked for), ``vehicle_type_code``,
    ``max_lines``."""

    query_batch = 1  # invoice.query takes one serialNo
    NOT_FOUND = NOT_FOUND
    endpoints = staticmethod(endpoints)

    @staticmethod
    def services_url(base_url):
        return f"{base_url}{ROUTER_PATH}"

    @staticmethod
    def callback_business_key(content_type, form):
        return ""  # no result push is published: results are polled

    @staticmethod
    def callback_answer():
        return {"success": True}

    @classmethod
    def check(cls, request, options=None):
        check(request, options)

    # ------------------------------------------------------------ transport
    def _envelope(self, answer):
        body = self._json(answer, exact=True)
        if "success" not in body:
            raise PlatformError("BAD_RESPONSE", "no success flag", transient=True, unknown=True)
        return body

    @staticmethod
    def _error(body):
        error = body.get("errorResponse") or {}
        code = str(error.get("subCode") or error.get("code") or "UNKNOWN")
        message = str(error.get("subMessage") or error.get("message") or "")
        return code, message

    def fetch_token(self):
        options = self.config.options
        params = {
            "method": TOKEN_METHOD,
            "grant_type": "password",
            "client_id": self.config.app_key,
            "version": "7.0",
            "timestamp": str(int(time.time() * 1000)),
        }
        body = json.dumps(
            {
                "username": options.get("username") or "",
                "password": password_hash(options.get("password") or "", options.get("salt") or ""),
                "client_secret": self.config.app_secret,
            },
            separators=(",", ":"),
        )
        answer = self._request(
            "POST",
            self.services_url(self.config.token_url or self.config.base_url),
            params=params,
            data=body.encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        envelope = self._envelope(answer)
        token = (envelope.get("response") or {}).get("access_token")
        if not envelope["success"] or not token:
            raise PlatformError(*self._error(envelope))
        self.token = token
        if self.on_token:
            self.on_token(token, int((envelope.get("response") or {}).get("expires_in") or 0))
        return token

    def call(self, method, payload):
        """One signed call; returns the envelope (``_with_token``: a token refused is fetched
        again once)."""
        body = json.dumps(
            {"taxNo": self.config.user_tax, **payload}, ensure_ascii=False, separators=(",", ":")
        )
        return self._with_token(lambda: self._signed(method, body), self._code_of)

    def _signed(self, method, body):
        params = {
            "method": method,
            "version": "7.0" if method in VERSION_7 else "6.0",
            "appKey": self.config.app_key,
            "format": "json",
            "timestamp": str(int(time.time() * 1000)),
            "type": "sync",
            "requestId": str(uuid.uuid4()),
            "token": self.token,
        }
        if method in VERSION_7:
            params.update(signType="MD5", encryptType="NONE", encryptScope="00")
        params["sign"] = sign(self.config.app_secret, params, body)
        return self._exchange(
            method,
            lambda: self._request(
                "POST",
                self.services_url(self.config.base_url),
                params=params,
                data=body.encode("utf-8"),
                headers={"Content-Type": "application/json; charset=utf-8"},
            ),
            self._read_envelope,
        )

    @classmethod
    def _code_of(cls, envelope):
        """The envelope's code as the request log and the error table know it: OK or the
        refusal's sub-code."""
        return OK if envelope["success"] else cls._error(envelope)[0]

    def _checked(self, envelope):
        """The ``response`` of a successful envelope; a refusal raised."""
        refused = self._refusal(envelope)
        if refused:
            raise refused
        return envelope.get("response")

    def _read_envelope(self, answer):
        envelope = self._envelope(answer)
        return envelope, self._code_of(envelope)

    def _refusal(self, envelope):
        """None for an envelope of success, else its refusal (transient or not)."""
        if envelope["success"]:
            return None
        return self._refused(*self._error(envelope))

    def _retrying(self, method, payload, on_unknown):
        """``call`` sent at most once (``PlatformClient._at_most_once``)."""
        return self._at_most_once(lambda: self.call(method, payload), on_unknown, self._refusal)

    # -------------------------------------------------------------- business
    def ping(self):
        """A query of a serial nobody used: proves host, TLS, token and signature."""
        start = time.perf_counter()
        self._query_rows({"serialNo": new_order_no()})
        return round((time.perf_counter() - start) * 1000, 1)

    def issue(self, request):
        """Submit ``request`` at most once. Issuing is synchronous: the Result is final
        (issued or refused) unless the bureau is slow [U]."""
        key = request.business_key
        data = invoice_data(request, self.config.options)

        def found():
            return self._adoptable(key, request)

        envelope, adopted = self._retrying(ISSUE, {"data": data}, found)
        if adopted:
            return adopted
        if not envelope["success"]:
            # a refusal may be of a serialNo the platform already has (the code of a
            # duplicate is not published): it is asked before the refusal is believed
            existing = found()
            if existing:
                return existing
            raise self._refused(*self._error(envelope))
        answer = envelope.get("response") or {}
        if not isinstance(answer, dict):
            raise PlatformError("BAD_RESPONSE", "issue without a response", transient=True)
        for row in answer.get("success") or []:
            if str(row.get("serialNo") or key) == key:
                return self._with_documents(self._checked_result(row, request, key))
        for row in answer.get("fail") or []:
            if str(row.get("serialNo") or key) == key:
                return Result(
                    key,
                    key,
                    REFUSED,
                    code=str(row.get("errorCode") or row.get("code") or "REFUSED"),  # [U]
                    message=str(row.get("errorMessage") or row.get("message") or ""),
                )
        raise PlatformError("BAD_RESPONSE", "issue answered neither success nor fail")

    def reissue(self, request, serial):
        # a seal failure is not a state of Baiwang's synchronous issue: only queried
        return self.query(request.business_key, request)

    def _query_rows(self, data):
        rows = self._checked(self.call(QUERY, {"data": data}))
        if rows is None:
            return []
        if isinstance(rows, dict):  # [U] some versions wrap the list
            rows = rows.get("list") or rows.get("invoiceList") or []
        if not isinstance(rows, list):
            raise PlatformError("BAD_RESPONSE", "invoice query without a list", transient=True)
        return [row for row in rows if isinstance(row, dict)]

    @staticmethod
    def _checked_result(row, request, key):
        result = result_of(row, key)
        if request is not None and result.total is not None and result.total != request.total:
            raise PlatformError("MISMATCH", f"platform total {result.total} != {request.total}")
        return result

    def query(self, business_key, request=None):
        rows = [
            row
            for row in self._query_rows({"serialNo": business_key})
            if str(row.get("serialNo") or "") == business_key
        ]
        if not rows:
            raise PlatformError(NOT_FOUND, f"{business_key} not found on the platform")
        result = self._checked_result(rows[0], request, business_key)
        return self._with_documents(result)

    def query_many(self, orders):
        outcomes = {}
        for key, request in orders.items():
            try:
                outcomes[key] = self.query(key, request)
            except PlatformError as err:
                if not err.code == NOT_FOUND and err.transient:
                    raise
                outcomes[key] = err
        return outcomes

    def query_serial(self, serial):
        return self.query(serial)

    def _by_number(self, number):
        rows = self._query_rows({"einvoiceNo": number, "invoiceNo": number})
        rows = [r for r in rows if str(r.get("einvoiceNo") or r.get("invoiceNo")) == number]
        if not rows:
            return None
        return self._with_documents(result_of(rows[0]))

    def _with_documents(self, result):
        """An issued Result with its documents' addresses (format.create, one call)."""
        if result.state != ISSUED or not result.number:
            return result
        # it changes nothing at the platform: retried like any transient error
        payload = {
            "data": {
                "serialNo": result.serial,
                "einvoiceNo": result.number,
                "invoiceIssueMode": "1",
            }
        }
        envelope, _found = self._retrying(FORMAT_CREATE, payload, lambda: None)
        answer = self._checked(envelope)
        answer = answer if isinstance(answer, dict) else {}
        # queryData: the layout file [S]; the other formats' fields are [U]
        names = {"pdf": "queryData", "ofd": "ofdUrl", "xml": "xmlUrl", "sig": "signatureUrl"}
        result.documents = {
            name: str(answer[key]) for name, key in names.items() if answer.get(key)
        }
        return result

    def list_invoices(self, start, end, page_size=100):
        """Invoices issued between ``start`` and ``end`` (datetimes, China time)."""
        found, page = [], 1
        while True:
            rows = self._query_rows(
                {
                    "queryAll": True,
                    "invoiceStartDate": f"{start:%Y-%m-%d}",
                    "invoiceEndDate": f"{end:%Y-%m-%d}",
                    "pageNo": page,
                    "pageSize": page_size,
                }
            )
            try:
                results = [result_of(row) for row in rows]
            except (KeyError, TypeError) as err:
                raise PlatformError("BAD_RESPONSE", f"invoice list: {err!r}") from err
            low = start.replace(tzinfo=CHINA).astimezone(datetime.timezone.utc).replace(tzinfo=None)
            high = end.replace(tzinfo=CHINA).astimezone(datetime.timezone.utc).replace(tzinfo=None)
            found += [r for r in results if r.issued_at and low <= r.issued_at <= high]
            if len(rows) < page_size:
                return found
            page += 1

    # ------------------------------------------------------------ red letters
    def request_red_form(self, form):
        """Apply for a 红字确认单 at most once: an unknown outcome or a refusal is answered by
        a query on ``redConfirmSerialNo`` first."""
        lines = form.lines or ()
        amount = sum((line.amount for _pos, line in lines), Decimal("0.00"))
        tax = sum((line.tax for _pos, line in lines), Decimal("0.00"))
        payload = {
            "redConfirmSerialNo": form.bill_id,
            "entryIdentity": ENTRY_SELLER,
            "sellerTaxNo": form.seller.tax_id or "",
            "sellerTaxName": form.seller.name or "",
            "buyerTaxNo": form.buyer.tax_id or "",
            "buyerTaxName": form.buyer.name or "",
            "originInvoiceIsPaper": "N",
            "originalInvoiceNo": form.blue_number,
            "originInvoiceType": SPECIAL_TYPE_CODE if form.blue_kind == "81" else "02",
            "redInvoiceLabel": form.reason,
            "invoiceSource": "2",
            "priceTaxMark": "0",
            "autoIssueSwitch": "Y",
            "redInvoiceIsPaper": "N",
        }
        if form.lines is not None:  # partial; [U] a whole reversal is sent without lines
            payload["invoiceTotalPrice"] = _amount(amount)
            payload["invoiceTotalTax"] = _amount(tax)
            payload["redConfirmDetailReqEntityList"] = [
                {**_line(i, line), "originalInvoiceDetailNo": position}
                for i, (position, line) in enumerate(form.lines, 1)
            ]

        def found():
            return self.query_red_form(bill_id=form.bill_id)

        envelope, existing = self._retrying(RED_ADD, payload, found)
        if existing:
            return existing
        if not envelope["success"]:
            existing = found()
            if existing:
                return existing
            raise PlatformError(*self._error(envelope))
        answer = envelope.get("response")
        row = answer[0] if isinstance(answer, list) and answer else answer
        uuid_ = str((row or {}).get("redConfirmUuid") or "") if isinstance(row, dict) else ""
        form_found = self.query_red_form(bill_uuid=uuid_) if uuid_ else found()
        if form_found:
            return form_found
        raise PlatformError("BAD_RESPONSE", "red form accepted but not found", transient=True)

    def query_red_form(self, bill_id=None, bill_no=None, bill_uuid=None):
        """One form by the applicant's key, the bureau's number or uuid; None when unknown."""
        if bill_uuid:
            envelope = self.call(
                RED_INFO,
                {
                    "sellerTaxNo": self.config.user_tax,
                    "redConfirmUuid": bill_uuid,
                    "redConfirmNo": bill_no or "",
                },
            )
            if not envelope["success"]:
                code, message = self._error(envelope)
                if code == NOT_FOUND:
                    return None
                raise self._refused(code, message)
            answer = envelope.get("response")
            row = answer[0] if isinstance(answer, list) and answer else answer
            return red_form_result(row) if isinstance(row, dict) and row else None
        criteria = {}
        if bill_id:
            criteria["redConfirmSerialNo"] = bill_id  # [U] a filter of formlist
        if bill_no:
            criteria["redConfirmNo"] = bill_no
        forms = [
            f
            for f in self._red_forms(criteria)
            if (not bill_id or f.bill_id == bill_id) and (not bill_no or f.bill_no == bill_no)
        ]
        return forms[0] if forms else None

    def list_red_forms(self, status=None):
        return self._red_forms({"confirmState": status} if status else {})

    def _red_forms(self, criteria):
        forms, page = [], 1
        while True:
            answer = self._checked(
                self.call(
                    RED_LIST,
                    {
                        "sellerTaxNo": self.config.user_tax,
                        "buySelSelector": "0",
                        "pageNo": page,
                        "pageSize": RED_PAGE,
                        "queryAll": True,
                        **criteria,
                    },
                )
            )
            rows = answer.get("list") if isinstance(answer, dict) else answer
            if not isinstance(rows, list):
                raise PlatformError("BAD_RESPONSE", "formlist without a list")
            forms += [red_form_result(row) for row in rows]
            if len(rows) < RED_PAGE:
                return forms
            page += 1

    def confirm_red_form(self, bill_uuid, agree=True):
        return self._operate(
            bill_uuid, "confirm" if agree else "deny", ("04",) if agree else ("06",)
        )

    def cancel_red_form(self, bill_uuid):
        return self._operate(bill_uuid, "revoke", ("08",))

    def _operate(self, bill_uuid, action, done):
        payload = {
            "sellerTaxNo": self.config.user_tax,
            "redConfirmUuid": bill_uuid,
            "confirmType": CONFIRM_TYPES[action],
        }
        return self._act_on_form(
            lambda: self.call(RED_OPERATE, payload),
            lambda: self.query_red_form(bill_uuid=bill_uuid),
            done,
        )

    def fetch_red_invoice(self, form):
        """The red invoice the bureau issued for a form (autoIssueSwitch Y): read by the
        number redforminfo names; None while there is none."""
        fresh = self.query_red_form(bill_uuid=form.bill_uuid) or form
        if fresh.red_serial:
            found = self._query_or_none(fresh.red_serial)
            if found:
                return found
        return self._by_number(fresh.red_number) if fresh.red_number else None

    # ------------------------------------------------------------ not offered
    def session_state(self):
        return SESSION_UNKNOWN  # Baiwang keeps the bureau's session itself

    def session_qr(self, purpose, renew=False):
        raise PlatformError("NOT_OFFERED", "the drawer's login is not a Baiwang call")

    def session_sms(self):
        raise PlatformError("NOT_OFFERED", "the drawer's login is not a Baiwang call")

    def session_confirm(self, purpose, sms_code=None, auth_id=None):
        raise PlatformError("NOT_OFFERED", "the drawer's login is not a Baiwang call")

    def credit_line(self):
        raise PlatformError("NOT_OFFERED", "the credit line is not read through Baiwang")

    def void_paper(self, serial, paper_code, paper_number):
        raise PlatformError("NOT_OFFERED", "paper fapiao are not issued through Baiwang")
