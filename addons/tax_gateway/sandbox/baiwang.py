"""The sandbox's Baiwang dialect (百望云 open platform), in front of the same bureau.

Written from the platform's descriptions, not from the connector: one router (POST /router/rest,
the method in the query string), a password grant for the token, every other call signed with
MD5(appSecret + sorted query parameters + body + appSecret), answers {"success", "response"} or
{"success": false, "errorResponse": {"code", "message"}}. Issuing is synchronous. Sources and
their confidence: the connector's readme/ROADMAP.md (Baiwang); the codes of refusals that no
source gives are this sandbox's own ([U]).

The bureau behind it (numbers, credit line, red-letter forms, documents) is ``Platform``: this
module translates Baiwang's requests into the bureau's and the bureau's answers back.
"""

import datetime
import hashlib
import hmac
import json
import secrets
import time
from decimal import Decimal, InvalidOperation

ROUTER_PATH = "/router/rest"
TOKEN_TTL = 8 * 3600  # "valid ~8 hours"
CHINA = datetime.timezone(datetime.timedelta(hours=8))
# the bureau's refusals as this dialect words them: a missing parameter is Baiwang's 70169
# (documented), the rest keep the bureau's own code; a serialNo already used is the sandbox's
# own code [U]
CODES = {"E9000": "70169", "E9106": "SBX_DUPLICATE"}
TYPE_CODES = {"01": "bs", "02": "pc"}  # invoiceTypeCode -> the bureau's kind
VEHICLE_TYPE_CODE = "83"  # [U] the sandbox's code of a 数电 motor-vehicle fapiao
# invoiceStatus of a query row: 00 开具成功, 03 已开发票作废
ISSUED, VOIDED = "00", "03"
# Baiwang's vehicleInfo (the sandbox's reading [U]) -> the bureau's fields
VEHICLE_NAMES = {
    "vehicleType": "vehicleType",
    "brandModel": "brandModel",
    "originPlace": "productOrigin",
    "vehicleIdentificationNo": "vehicleCode",
    "certificateNo": "certificate",
    "importCertificateNo": "importCerNum",
    "inspectionListNo": "insOddNum",
    "engineNo": "engineNum",
    "tonnage": "tonnage",
    "limitedPeopleCount": "maxCapacity",
    "manufacturerName": "manufacturerName",
}
# the bureau's red-letter reasons (Baiwang's redInvoiceLabel) in the bureau's store
RED_REASONS = {"01": "2", "02": "1", "03": "3", "04": "4"}
RED_REASONS_BACK = {v: k for k, v in RED_REASONS.items()}
WAIT_ISSUED = 10.0  # seconds a synchronous issue waits for the bureau's number


def ok(response):
    return {"success": True, "requestId": secrets.token_hex(8), "response": response}


def refused(code, message):
    return {
        "success": False,
        "requestId": secrets.token_hex(8),
        "errorResponse": {"code": str(code), "message": message},
    }


def signature_ok(app_secret, params, body, sign):
    joined = "".join(f"{k}{v}" for k, v in sorted(params.items()) if k != "sign" and str(v).strip())
    text = app_secret.encode() + joined.encode() + body + app_secret.encode()
    expected = hashlib.md5(text).hexdigest().upper()  # noqa: S324 (the platform's scheme)
    return hmac.compare_digest(expected, sign or "")


class Baiwang:
    """One Baiwang router in front of ``server.platform``."""

    def __init__(
        self, server, user="sandbox-user", password="sandbox-password", salt="sandbox-salt"
    ):
        self.server = server
        self.user = user
        self.password_hash = hashlib.sha256(f"{password}{salt}".encode()).hexdigest()

    @property
    def platform(self):
        return self.server.platform

    # ---------------------------------------------------------------- token
    def token(self, params, body):
        try:
            form = json.loads(body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            return refused("70169", "请求报文格式错误")
        if (
            params.get("grant_type") != "password"
            or not self.server.credentials_ok(params.get("client_id"), form.get("client_secret"))
            or form.get("username") != self.user
            or not hmac.compare_digest(str(form.get("password") or ""), self.password_hash)
        ):
            return refused("100003", "用户名、密码或应用凭证错误")
        token = secrets.token_hex(16)
        with self.server.store.transaction() as db:
            db.execute(
                "INSERT INTO tokens (token, appkey, expires) VALUES (?, ?, ?)",
                (token, params["client_id"], time.time() + TOKEN_TTL),
            )
        return ok({"access_token": token, "expires_in": TOKEN_TTL, "refresh_token": token[::-1]})

    # ------------------------------------------------------------- services
    def dispatch(self, params, body):
        secret = self.server.apps.get(params.get("appKey"))
        if not secret:
            return refused("100004", "appKey 不存在")
        row = self.server.store.one(
            "SELECT expires FROM tokens WHERE token = ? AND appkey = ?",
            (params.get("token"), params.get("appKey")),
        )
        if not row or row["expires"] < time.time():
            return refused("100002", "token 已过期")
        if not signature_ok(secret, params, body, params.get("sign")):
            return refused("100007", "签名错误")
        stamp = params.get("timestamp", "")
        skew = self.server.max_clock_skew
        if skew and (not stamp.isdigit() or abs(int(stamp) / 1000 - self.server.now()) > skew):
            return refused("100009", "timestamp 与平台时间相差过大")  # [U] window and code
        try:
            payload = json.loads(body.decode("utf-8") or "{}", parse_float=Decimal)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return refused("70169", "请求报文格式错误")
        tax_num = str(payload.get("taxNo") or "")
        if not tax_num:
            return refused("70169", "taxNo 必填")
        handler = {
            "baiwang.output.invoice.issue": self.issue,
            "baiwang.output.invoice.query": self.query,
            "baiwang.output.format.create": self.format_create,
            "baiwang.output.redinvoice.add": self.red_add,
            "baiwang.output.redinvoice.formlist": self.red_list,
            "baiwang.output.redinvoice.redforminfo": self.red_info,
            "baiwang.output.redinvoice.operate": self.red_operate,
        }.get(params.get("method"))
        if handler is None:
            return refused("100010", f"不支持的接口 {params.get('method')}")
        return handler(tax_num, payload)

    @staticmethod
    def _bureau_refusal(answer):
        return refused(CODES.get(answer["code"], answer["code"]), answer.get("describe") or "")

    # --------------------------------------------------------------- issue
    def issue(self, tax_num, payload):
        data = payload.get("data")
        if not isinstance(data, dict) or not data.get("serialNo"):
            return refused("70169", "serialNo 必填")
        try:
            order = self._order(tax_num, data)
        except (KeyError, TypeError, InvalidOperation) as err:
            return refused("70170", f"参数不合法: {err}")
        except ValueError as err:
            return refused("70170", str(err))
        answer = self.platform.request_billing(tax_num, {"order": order})
        if answer["code"] != "E0000":
            return self._bureau_refusal(answer)
        serial = answer["result"]["invoiceSerialNum"]
        self.platform.take_bad_signature(serial)
        row = self._wait_issued(tax_num, order["orderNo"])
        if row["status"] == "22":
            fail = {
                "serialNo": order["orderNo"],
                "errorCode": "70171",
                "errorMessage": row.get("failCause") or "开具失败",
            }
            return ok({"success": [], "fail": [fail]})
        return ok({"success": [self._invoice_of(row)], "fail": []})

    def _order(self, tax_num, data):
        """The bureau's order for a Baiwang invoice; ValueError when its totals disagree."""
        code = str(data.get("invoiceTypeCode") or "")
        line = TYPE_CODES.get(code) or ("j" if code == VEHICLE_TYPE_CODE else None)
        if line is None:
            raise ValueError(f"invoiceTypeCode {code!r} 不支持")
        details, amount, tax = [], Decimal("0"), Decimal("0")
        for item in data.get("invoiceDetailsList") or []:
            price, line_tax = (
                Decimal(str(item["goodsTotalPrice"])),
                Decimal(str(item["goodsTotalTax"])),
            )
            amount, tax = amount + price, tax + line_tax
            details.append(
                {
                    "goodsName": str(item.get("goodsName") or ""),
                    "goodsCode": str(item.get("goodsCode") or ""),
                    "specType": str(item.get("goodsSpecification") or ""),
                    "unit": str(item.get("goodsUnit") or ""),
                    "num": str(item.get("goodsQuantity") or ""),
                    "price": str(item.get("goodsPrice") or ""),
                    "withTaxFlag": "0",
                    "taxRate": str(item["goodsTaxRate"]),
                    "taxExcludedAmount": str(price),
                    "tax": str(line_tax),
                    "taxIncludedAmount": str(price + line_tax),
                    "favouredPolicyFlag": str(item.get("vatSpecialManagement") or ""),
                    "invoiceLineProperty": "0",
                }
            )
        totals = (data.get("invoiceTotalPrice"), data.get("invoiceTotalTax"))
        if [Decimal(str(t)) for t in totals] != [amount, tax] or Decimal(
            str(data.get("invoiceTotalPriceTax"))
        ) != amount + tax:
            raise ValueError("合计金额、合计税额与明细不符")
        order = {
            "orderNo": str(data["serialNo"]),
            "invoiceDate": f"{datetime.datetime.now(CHINA):%Y-%m-%d %H:%M:%S}",
            "invoiceType": "2" if str(data.get("invoiceType")) == "1" else "1",
            "invoiceLine": line,
            "salerTaxNum": tax_num,
            "salerName": str(data.get("sellerName") or ""),
            "salerAddress": str(data.get("sellerAddressPhone") or ""),
            "salerAccount": str(data.get("sellerBankAccount") or ""),
            "buyerName": str(data.get("buyerName") or ""),
            "buyerTaxNum": str(data.get("buyerTaxNo") or ""),
            "buyerAddress": str(data.get("buyerAddressPhone") or ""),
            "buyerAccount": str(data.get("buyerBankAccount") or ""),
            "naturalPersonFlag": "1" if data.get("naturalPersonFlag") == "Y" else "0",
            "email": str(data.get("buyerEmail") or ""),
            "clerk": str(data.get("drawer") or ""),
            "remark": str(data.get("remarks") or ""),
            "invoiceDetail": details,
        }
        if line == "j":
            vehicle = data.get("vehicleInfo") or {}
            order["vehicleInfo"] = {
                bureau: str(vehicle[name])
                for name, bureau in VEHICLE_NAMES.items()
                if vehicle.get(name)
            }
        return order

    def _wait_issued(self, tax_num, order_no):
        """The bureau's row once it has its number (or refused), at most WAIT_ISSUED s; a seal
        failure is sealed again by the platform itself (Baiwang has no such state)."""
        deadline = time.monotonic() + WAIT_ISSUED
        while True:
            row = self.platform.query_result(tax_num, {"orderNos": [order_no]})["result"][0]
            if row["status"] == "24":
                self.platform.reissue(tax_num, {"fpqqlsh": row["serialNo"], "orderno": order_no})
            elif row["status"] != "20" or time.monotonic() > deadline:
                return row
            time.sleep(0.05)

    @staticmethod
    def _invoice_of(row):
        """A Baiwang invoice (issue answer, query row) of the bureau's row."""
        invoice = {
            "serialNo": row["orderNo"],
            "invoiceTotalPrice": row["exTaxAmount"],
            "invoiceTotalTax": row["taxAmount"],
            "invoiceTotalPriceTax": row["orderAmount"],
        }
        if row["status"] in ("2", "3", "31"):
            issued = datetime.datetime.fromtimestamp(int(row["invoiceTime"]) / 1000, CHINA)
            invoice.update(
                {
                    "invoiceNo": row["allElectronicInvoiceNumber"],
                    "invoiceDate": f"{issued:%Y%m%d%H%M%S}",
                    "invoiceQrCode": row.get("qrCode", ""),
                    "invoiceStatus": ISSUED if row["status"] == "2" else VOIDED,
                }
            )
        return invoice

    # --------------------------------------------------------------- query
    def query(self, tax_num, payload):
        data = payload.get("data") or {}
        if data.get("serialNo"):
            answer = self.platform.query_result(tax_num, {"orderNos": [str(data["serialNo"])]})
            rows = answer["result"] if answer["code"] == "E0000" else []
            return ok([self._invoice_of(row) for row in rows if row["status"] != "22"])
        number = str(data.get("einvoiceNo") or data.get("invoiceNo") or "")
        if number:
            found = self.server.store.query(
                "SELECT * FROM invoices WHERE tax_num = ? AND number = ?", (tax_num, number)
            )
            rows = [self.platform._result_of(row) for row in found]
            return ok([self._invoice_of(row) for row in rows if row["status"] == "2"])
        try:
            start = f"{data['invoiceStartDate']} 00:00:00"
            end = f"{data['invoiceEndDate']} 23:59:59"
        except KeyError:
            return refused("70169", "serialNo、发票号码或开票日期起止必填")
        answer = self.platform.list_invoices(
            tax_num,
            {
                "startTime": start,
                "endTime": end,
                "pageNo": data.get("pageNo") or 1,
                "pageSize": data.get("pageSize") or 50,
            },
        )
        if answer["code"] != "E0000":
            return self._bureau_refusal(answer)
        return ok([self._invoice_of(row) for row in answer["result"]["list"]])

    def format_create(self, tax_num, payload):
        """版式文件生成: the addresses of the issued invoice's documents (queryData: the PDF;
        the XML and its detached signature are this sandbox's conveniences)."""
        data = payload.get("data") or {}
        answer = self.platform.query_result(
            tax_num, {"orderNos": [str(data.get("serialNo") or "")]}
        )
        rows = [r for r in answer.get("result") or [] if r.get("status") == "2"]
        if answer["code"] != "E0000" or not rows:
            return refused("70172", "发票不存在或未开具完成")
        row = rows[0]
        documents = {"queryData": row.get("pdfUrl", "")}
        for key in ("xmlUrl", "signatureUrl"):
            if row.get(key):
                documents[key] = row[key]
        return ok(documents)

    # ------------------------------------------------------------ red forms
    def red_add(self, tax_num, payload):
        reason = RED_REASONS.get(str(payload.get("redInvoiceLabel") or ""))
        form = {
            "billId": str(payload.get("redConfirmSerialNo") or ""),
            "blueElecInvoiceNumber": str(payload.get("originalInvoiceNo") or ""),
            "redReason": reason or "",
            "applySource": "0",
            "sellerTaxNo": tax_num,
            "buyerTaxNo": str(payload.get("buyerTaxNo") or ""),
        }
        lines = payload.get("redConfirmDetailReqEntityList")
        if lines:
            form["detail"] = [
                {
                    "blueDetailIndex": item["originalInvoiceDetailNo"],
                    "goodsName": item.get("goodsName", ""),
                    "goodsCode": item.get("goodsCode", ""),
                    "num": str(item.get("goodsQuantity") or ""),
                    "price": str(item.get("goodsPrice") or ""),
                    "taxRate": str(item.get("goodsTaxRate") or ""),
                    "taxExcludedAmount": str(item["goodsTotalPrice"]),
                    "tax": str(item["goodsTotalTax"]),
                }
                for item in lines
            ]
        answer = self.platform.save_red_form(tax_num, form)
        if answer["code"] != "E0000":
            return self._bureau_refusal(answer)
        found = self._forms(tax_num, {"billId": form["billId"]})
        return ok(
            [{k: f[k] for k in ("redConfirmUuid", "redConfirmNo", "confirmState")} for f in found]
        )

    def _forms(self, tax_num, criteria):
        answer = self.platform.query_red_forms(tax_num, {"pageSize": 50, **criteria})
        return [self._form_of(item) for item in answer["result"]["list"]]

    def _form_of(self, item):
        form = {
            "redConfirmSerialNo": item.get("billId", ""),
            "redConfirmNo": item["billNo"],
            "redConfirmUuid": item["billUuid"],
            "confirmState": item["billStatus"],
            "entryIdentity": "02" if str(item.get("applySource")) == "1" else "01",
            "originalInvoiceNo": item["blueElecInvoiceNumber"],
            "redInvoiceLabel": RED_REASONS_BACK.get(str(item.get("redReason")), "01"),
            "invoiceTotalPrice": item["taxExcludedAmount"],
            "invoiceTotalTax": item["taxAmount"],
            "electricInvoiceDetails": [
                {
                    "originalInvoiceDetailNo": line["blueDetailIndex"],
                    "goodsName": line.get("goodsName", ""),
                    "goodsCode": line.get("goodsCode", ""),
                    "goodsQuantity": line.get("num", ""),
                    "goodsTaxRate": line.get("taxRate", ""),
                    "goodsTotalPrice": line["taxExcludedAmount"],
                    "goodsTotalTax": line["tax"],
                }
                for line in item.get("detail") or []
            ],
            "alreadyRedInvoiceFlag": "Y" if item.get("redInvoiceNumber") else "N",
        }
        if item.get("redInvoiceNumber"):
            form["redInvoiceNo"] = item["redInvoiceNumber"]
        return form

    def red_list(self, tax_num, payload):
        criteria = {}
        for ours, bureau in (
            ("redConfirmSerialNo", "billId"),
            ("redConfirmNo", "billNo"),
            ("confirmState", "billStatus"),
        ):
            if payload.get(ours):
                criteria[bureau] = str(payload[ours])
        answer = self.platform.query_red_forms(
            tax_num,
            {
                **criteria,
                "pageNo": payload.get("pageNo") or 1,
                "pageSize": min(int(payload.get("pageSize") or 50), 50),
            },
        )
        return ok([self._form_of(item) for item in answer["result"]["list"]])

    def red_info(self, tax_num, payload):
        found = self._forms(tax_num, {"billUuid": str(payload.get("redConfirmUuid") or "")})
        return ok(found[0] if found else None)

    def red_operate(self, tax_num, payload):
        uuid_ = str(payload.get("redConfirmUuid") or "")
        kind = str(payload.get("confirmType") or "")
        if kind in ("01", "02"):
            answer = self.platform.confirm_red_form(
                tax_num,
                {
                    "billUuid": uuid_,
                    "identity": "0",
                    "confirmAgreement": "1" if kind == "01" else "0",
                },
            )
        elif kind == "03":
            answer = self.platform.cancel_red_form(tax_num, {"billUuid": uuid_, "identity": "0"})
        else:
            return refused("70169", "confirmType 必须是 01、02 或 03")
        if answer["code"] != "E0000":
            return self._bureau_refusal(answer)
        found = self._forms(tax_num, {"billUuid": uuid_})
        return ok(found)
