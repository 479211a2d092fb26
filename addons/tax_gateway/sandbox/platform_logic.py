"""What the sandbox platform does with each Nuonuo method, independent of HTTP.

Every answer is an envelope ``{"code", "describe", "result"}``. Codes follow Nuonuo where they
are documented ([C] by Nuonuo's interface documents as the independent clients
wwbgo/NuoNuoSdk and ZUOXIANGE/NuoNuoSdk carry them: E0000, E9106, E9500, E9306, E9131, E9103,
E9154); the others
are the sandbox's own and listed in SANDBOX_CODES.
"""

import datetime
import json
import re
import secrets
import threading
import time
import urllib.parse
import urllib.request
from decimal import Decimal, InvalidOperation

from bureau import LINE_TAX_TOLERANCE, cents, gbk_safe, tax_id_valid  # pylint: disable=import-error
from einvoice_xml import build  # pylint: disable=import-error
from pki import sign_detached  # pylint: disable=import-error
from red_forms import RedForms  # pylint: disable=import-error

OK = "E0000"
CHINA = datetime.timezone(datetime.timedelta(hours=8), "CST")
SANDBOX_CODES = {
    "E9307": "购方税号校验失败",  # sandbox: check character of the buyer's tax ID wrong
    "E9160": "发票总额度不足",  # sandbox: monthly credit line exceeded
    "E9000": "请求报文格式错误",  # sandbox: malformed request body
    "E9320": "数电电票不能作废，请开具红字发票",  # sandbox: void of an electronic fapiao
    "E9321": "发票代码、号码与流水号不符",  # sandbox
    "E9322": "发票未开具完成或已冲红，不能作废",  # sandbox
    "E9323": "跨月发票不能作废",  # sandbox: only in the month of issue
    "E9308": "专票不能开具给自然人",  # sandbox: a 专票 to a natural person
    "E9309": "开票内容含有GBK字符集以外的字符",  # sandbox: text the bureau cannot store [U]
    "E9310": "发票明细行数超过上限",  # sandbox: more lines than the platform takes [U]
    "E9700": "开票员未登录电子税务局或身份认证已失效，请重新登录",  # sandbox: session [U]
    "E9326": "发票已生成，无需再重试开票",  # sandbox (the platform's words, its code [U])
    "E9327": "开票中（重试中），请耐心等待开票结果",  # sandbox (the platform's words, code [U])
}
# [U] "jz": the paper motor-vehicle fapiao (87) has no published invoiceLine code; this
# sandbox answers to "jz", which the connector sends only when told to (a provider setting)
KIND_BY_LINE = {
    "bs": "81",
    "pc": "82",
    "es": "85",
    "ec": "86",
    "j": "83",
    "jz": "87",
    "e": "agri",
}
PAPER_KINDS = ("85", "86", "87")
# the order's texts printed on the fapiao (each must be in the bureau's character set)
TEXT_FIELDS = (
    "buyerName",
    "buyerAddress",
    "buyerAccount",
    "salerName",
    "salerAddress",
    "salerAccount",
    "clerk",
    "remark",
)


def envelope(code, describe="", result=None):
    return {"code": code, "describe": describe, "result": result}


class Platform(RedForms):
    def __init__(
        self,
        store,
        pki,
        base_url,
        issue_delay=0.0,
        credit_line=Decimal("10000000.00"),
        area="31",
        documents=("xml", "sig", "pdf"),
        max_lines=2000,
    ):
        # which documents the answers name: an account may get no XML (it is an option of the
        # platform's account), and the detached signature is this sandbox's own convenience
        self.documents = tuple(documents)
        self.max_lines = max_lines  # [U] the platform's limit of lines a fapiao
        self.store = store
        self.pki = pki
        self.base_url = base_url
        self.issue_delay = issue_delay
        self.credit_line = credit_line
        self.area = area
        self.next_outcome = []  # injected outcomes for the next issues: "fail" / "seal_fail"
        self.next_delays = []  # injected issuing times (s) for the next issues: still 20 till then
        self.bad_signatures = 0
        # the drawer's session at the bureau: "ok", "login" (logged out) or "verify" (identity
        # check due); the QR code handed out, whether the drawer scanned it, the texted code
        self.drawer = {"state": "ok", "qr": "", "scanned": False, "sms": "", "last": "0"}

    # ---------------------------------------------------------------- issue
    def request_billing(self, tax_num, payload):
        order = (payload or {}).get("order")
        if not isinstance(order, dict) or not order.get("orderNo"):
            return envelope("E9000", SANDBOX_CODES["E9000"])
        order_no = str(order["orderNo"])
        if len(order_no) > 20:
            return envelope("E9000", "orderNo 长度不能超过20位")
        if self.drawer["state"] != "ok":
            return envelope("E9700", SANDBOX_CODES["E9700"])
        existing = self.store.one(
            "SELECT serial FROM invoices WHERE tax_num = ? AND order_no = ?", (tax_num, order_no)
        )
        if existing:
            return envelope("E9106", "订单编号重复", {"invoiceSerialNum": existing["serial"]})
        try:
            amount, tax, total = self._check_order(order)
        except _Refused as refused:
            return envelope(refused.code, refused.message)
        month = datetime.date.today().strftime("%Y%m")
        outcome = self.next_outcome.pop(0) if self.next_outcome else "ok"
        delay = self.next_delays.pop(0) if self.next_delays else self.issue_delay
        with self.store.transaction() as db:
            # re-check inside the write lock: concurrent submissions of one orderNo
            row = db.execute(
                "SELECT serial FROM invoices WHERE tax_num = ? AND order_no = ?",
                (tax_num, order_no),
            ).fetchone()
            if row:
                return envelope("E9106", "订单编号重复", {"invoiceSerialNum": row["serial"]})
            credit = db.execute(
                "SELECT used FROM credit WHERE tax_num = ? AND month = ?", (tax_num, month)
            ).fetchone()
            used = Decimal(credit["used"]) if credit else Decimal("0.00")
            blue = str(order.get("invoiceType", "1")) == "1"
            if blue and used + amount > self.credit_line:
                return envelope("E9160", SANDBOX_CODES["E9160"])
            kind = KIND_BY_LINE.get(order.get("invoiceLine"), "82")
            sequence = self.store.next_value("invoice")
            number = f"{datetime.date.today():%y}{self.area}2{sequence:015d}"
            serial = f"SBX{int(time.time() * 1000)}{sequence:08d}"
            now = time.time()
            db.execute(
                "INSERT INTO invoices (tax_num, order_no, serial, number, kind, blue, created,"
                " ready_at, outcome, amount, tax, total, file_token, request)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    tax_num,
                    order_no,
                    serial,
                    number,
                    kind,
                    int(blue),
                    now,
                    now + delay,
                    outcome,
                    str(amount),
                    str(tax),
                    str(total),
                    secrets.token_urlsafe(16),
                    json.dumps(order, ensure_ascii=False),
                ),
            )
            if blue and outcome == "ok":
                db.execute(
                    "INSERT OR REPLACE INTO credit (tax_num, month, used) VALUES (?, ?, ?)",
                    (tax_num, month, str(used + amount)),
                )
        if order.get("callBackUrl"):
            self._call_back(str(order["callBackUrl"]), tax_num, serial, delay)
        return envelope(OK, "", {"invoiceSerialNum": serial})

    def _call_back(self, url, tax_num, serial, delay):
        """Push the result to the seller's callBackUrl once the invoice is ready, as the
        platform does (回传开票结果对接文档 v1.0.8): a FORM POST of operater=callback, orderno
        and content, a JSON text whose c_status is 1 完成, 2 失败 or 3 签章失败. Sent once, its
        failure ignored. [U] the other keys of content: the few below."""

        def push():
            row = self.store.one(
                "SELECT * FROM invoices WHERE tax_num = ? AND serial = ?", (tax_num, serial)
            )
            result = self._result_of(row)
            content = {
                "c_orderno": row["order_no"],
                "c_fpqqlsh": row["serial"],
                "c_status": {"2": "1", "22": "2", "24": "3"}.get(result["status"], "2"),
                "c_fphm": result.get("allElectronicInvoiceNumber") or "",
                "c_jshj": row["total"],
            }
            body = urllib.parse.urlencode(
                {
                    "operater": "callback",
                    "orderno": row["order_no"],
                    "content": json.dumps(content, ensure_ascii=False),
                }
            ).encode("utf-8")
            request = urllib.request.Request(
                url,
                data=body,
                headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
                method="POST",
            )
            try:
                urllib.request.urlopen(request, timeout=5).close()  # noqa: S310 (configured URL)
            except OSError:
                pass  # the seller polls anyway

        timer = threading.Timer(delay + 0.05, push)
        timer.daemon = True
        timer.start()

    @staticmethod
    def _check_vehicle(order, details):
        """A motor-vehicle invoice carries one vehicle: its vehicleInfo (VIN, type, brand and
        model, origin) and a single line named after the vehicle type. [U] the codes: the
        platform's own are not published; E9000 here."""
        info = order.get("vehicleInfo")
        if not isinstance(info, dict):
            raise _Refused("E9000", "机动车发票 vehicleInfo 不能为空")
        for key in ("vehicleCode", "vehicleType", "brandModel", "productOrigin"):
            if not str(info.get(key) or "").strip():
                raise _Refused("E9000", f"机动车发票 vehicleInfo.{key} 不能为空")
        if not re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", str(info["vehicleCode"])):
            raise _Refused("E9000", "车辆识别代号/车架号格式错误")
        if len(details) != 1 or details[0].get("goodsName") != info["vehicleType"]:
            raise _Refused("E9000", "机动车发票只能有一行明细，商品名称为车辆类型")
        blue = str(order.get("invoiceType", "1")) == "1"
        if blue and (order.get("remark") or "").strip():
            raise _Refused("E9000", "机动车发票蓝票时备注只能为空")

    def _check_order(self, order):
        buyer_tax = (order.get("buyerTaxNum") or "").strip()
        natural = str(order.get("naturalPersonFlag", "0")) == "1"
        special = order.get("invoiceLine") in ("bs", "es")
        if special and natural:
            raise _Refused("E9308", SANDBOX_CODES["E9308"])
        texts = [order.get(key) for key in TEXT_FIELDS] + [
            line.get(key)
            for line in order.get("invoiceDetail") or []
            if isinstance(line, dict)
            for key in ("goodsName", "specType", "unit")
        ]
        if not all(gbk_safe(text or "") for text in texts):
            raise _Refused("E9309", SANDBOX_CODES["E9309"])
        if len(order.get("invoiceDetail") or []) > self.max_lines:
            raise _Refused("E9310", SANDBOX_CODES["E9310"])
        if buyer_tax:
            if not 6 <= len(buyer_tax) <= 20:
                raise _Refused("E9306", "购方税号只支持6-20位")
            if not tax_id_valid(buyer_tax, natural_person=natural):
                raise _Refused("E9307", SANDBOX_CODES["E9307"])
        elif order.get("invoiceLine") in ("bs", "es"):
            raise _Refused("E9306", "专票购方税号不能为空")
        details = order.get("invoiceDetail") or []
        if not details:
            raise _Refused("E9000", "invoiceDetail 不能为空")
        if order.get("invoiceLine") in ("j", "jz"):
            self._check_vehicle(order, details)
        amount = tax = Decimal("0.00")
        try:
            for index, line in enumerate(details, start=1):
                for key in ("num", "price"):  # decimal text, at most 8 decimals, no exponent
                    text = str(line.get(key) or "")
                    if text and not re.fullmatch(r"-?\d+(\.\d{1,8})?", text):
                        raise _Refused("E9000", f"第{index}行{key}格式错误: {text}")
                line_amount = Decimal(str(line["taxExcludedAmount"]))
                line_tax = Decimal(str(line["tax"]))
                rate = Decimal(str(line["taxRate"]))
                if abs(line_amount * rate - line_tax) > LINE_TAX_TOLERANCE:
                    raise _Refused("E9131", f"第{index}行税额误差超过0.06")
                if len(str(line.get("goodsCode", ""))) != 19:
                    raise _Refused("E9138", f"第{index}行商品编码必须为19位")
                amount += line_amount
                tax += line_tax
        except (KeyError, InvalidOperation, TypeError) as err:
            raise _Refused("E9000", SANDBOX_CODES["E9000"]) from err
        return cents(amount), cents(tax), cents(amount + tax)

    # ---------------------------------------------------------------- query
    def query_result(self, tax_num, payload):
        payload = payload or {}
        order_nos = payload.get("orderNos") or []
        serials = payload.get("serialNos") or []
        if not isinstance(order_nos, list) or not isinstance(serials, list):
            return envelope("E9000", SANDBOX_CODES["E9000"])
        if len(order_nos) + len(serials) > 50:
            return envelope("E9000", "一次最多查询50张")
        rows = []
        for order_no in order_nos:
            rows += self.store.query(
                "SELECT * FROM invoices WHERE tax_num = ? AND order_no = ?",
                (tax_num, str(order_no)),
            )
        for serial in serials:
            rows += self.store.query(
                "SELECT * FROM invoices WHERE tax_num = ? AND serial = ?", (tax_num, str(serial))
            )
        if not rows:
            return envelope("E9500", "未查询到发票")
        return envelope(OK, "", [self._result_of(row) for row in rows])

    def list_invoices(self, tax_num, payload):
        """queryInvoiceList: issued invoices (blue and red) whose issue time, China time, lies
        between startTime and endTime; pages of at most 100. [U] field names: public sources only
        name the method (doc 100595)."""
        payload = payload or {}
        try:
            start, end = (
                datetime.datetime.strptime(payload[key], "%Y-%m-%d %H:%M:%S")
                .replace(tzinfo=CHINA)
                .timestamp()
                for key in ("startTime", "endTime")
            )
            page = max(1, int(payload.get("pageNo") or 1))
            size = min(100, max(1, int(payload.get("pageSize") or 50)))
        except (KeyError, ValueError, TypeError):
            return envelope("E9000", SANDBOX_CODES["E9000"])
        now = time.time()
        rows = [
            row
            for row in self.store.query(
                "SELECT * FROM invoices WHERE tax_num = ? AND outcome = 'ok'"
                " AND ready_at >= ? AND ready_at <= ? ORDER BY ready_at, serial",
                (tax_num, start, end),
            )
            if row["ready_at"] <= now
        ]
        chunk = rows[(page - 1) * size : page * size]
        return envelope(OK, "", {"total": len(rows), "list": [self._result_of(r) for r in chunk]})

    def _result_of(self, row):
        done = time.time() >= row["ready_at"]
        status = "20"
        result = {
            "orderNo": row["order_no"],
            "serialNo": row["serial"],
            "orderAmount": row["total"],
            "exTaxAmount": row["amount"],
            "taxAmount": row["tax"],
        }
        if done:
            status = {"ok": "2", "fail": "22", "seal_fail": "24"}[row["outcome"]]
        result["status"] = status
        result["statusMsg"] = {"20": "开票中", "2": "开票完成", "22": "开票失败", "24": "签章失败"}[
            status
        ]
        if status == "22":
            result["failCause"] = "税局校验失败（沙箱注入）"
        if status == "2":
            files = f"{self.base_url}/files/{row['serial']}/{row['file_token']}"
            issued = datetime.datetime.fromtimestamp(row["ready_at"], CHINA)
            result.update(
                {
                    "allElectronicInvoiceNumber": row["number"],
                    "invoiceTime": int(row["ready_at"] * 1000),
                    # [U] the field and its content: the bureau's 数电 QR text (version, kind,
                    # number, total, date), as the sandbox writes it
                    "qrCode": f"01,{'31' if row['kind'] in ('81', '85') else '32'},,"
                    f"{row['number']},{row['total']},{issued:%Y%m%d},,",
                }
            )
            for ext, key in (("pdf", "pdfUrl"), ("xml", "xmlUrl"), ("sig", "signatureUrl")):
                if ext in self.documents:
                    result[key] = f"{files}.{ext}"
            paper = self._paper_of(row)
            if paper:
                result["invoiceCode"], result["invoiceNo"] = paper
        return result

    # ------------------------------------------------------- drawer's session
    def drawer_action(self, spec):
        """The bureau's side of the drawer's session, played by the tests: ``logout``,
        ``identity_due``, ``scan`` (the drawer scanned the QR code), ``sms`` (read the code
        texted to the drawer's phone)."""
        action = spec["action"]
        if action == "logout":
            self.drawer.update(state="login", qr="", scanned=False, last="0")
        elif action == "identity_due":
            self.drawer.update(state="verify", qr="", scanned=False)
        elif action == "scan":
            if not self.drawer["qr"]:
                return envelope("E9000", "没有二维码")
            self.drawer["scanned"] = True
        elif action != "sms":
            return envelope("E9000", f"unknown action {action}")
        return envelope(OK, "", {"state": self.drawer["state"], "sms": self.drawer["sms"]})

    def certification_status(self, tax_num, payload):
        """getCertificationStatus: 2 logged in? (0 未登录 / 1 已登录), 1 identity (1 已认证 /
        2 待认证), 0 sync the verdict of an identity scan."""
        query = str((payload or {}).get("queryType", ""))
        drawer = self.drawer
        if query == "2":
            return envelope(
                OK, "", {"certificationStatus": "0" if drawer["state"] == "login" else "1"}
            )
        if query == "1":
            return envelope(
                OK, "", {"certificationStatus": "2" if drawer["state"] == "verify" else "1"}
            )
        if query == "0":
            if drawer["state"] == "verify" and drawer["scanned"]:
                drawer.update(state="ok", qr="", scanned=False)
            return envelope(OK, "", {})
        return envelope("E9000", "queryType 错误")

    def qr_code(self, tax_num, payload):
        """getQrCode: 3 / 1 the login / identity code held, 2 / 0 a new one, 4 text a code."""
        query = str((payload or {}).get("queryType", ""))
        drawer = self.drawer
        if query in ("2", "0"):
            drawer.update(qr=f"https://tpass.sandbox/qr/{secrets.token_hex(8)}", scanned=False)
            return envelope(OK, "", {})
        if query in ("3", "1"):
            if not drawer["qr"]:
                return envelope(OK, "", {"status": "0"})
            valid = datetime.datetime.now(CHINA) + datetime.timedelta(minutes=5)
            return envelope(
                OK,
                "",
                {
                    "qrCode": drawer["qr"],
                    "qrCodeType": "2",  # the tax bureau's app
                    "authId": drawer["qr"].rsplit("/", 1)[1],
                    "endTime": f"{valid:%Y-%m-%d %H:%M:%S}",
                    "status": "1",
                },
            )
        if query == "4":
            drawer["sms"] = f"{secrets.randbelow(10**6):06d}"
            return envelope(OK, "", {})
        return envelope("E9000", "queryType 错误")

    def verify_complete(self, tax_num, payload):
        """verifyComplete: 0 log in after the scan, 2 with the texted code (verifyCode); 1 / 3
        read how it went (status 0 登录中, 1 成功, 2 失败)."""
        payload = payload or {}
        query = str(payload.get("queryType", ""))
        drawer = self.drawer
        if query in ("0", "2"):
            if query == "0":  # not scanned yet: the login is still running (0)
                done = drawer["state"] == "login" and drawer["scanned"]
                failed = "0"
            else:  # a wrong code fails (2); verifyCode is a number (a leading 0 is lost)
                code = str(payload.get("verifyCode", "")).strip()
                sent = drawer["sms"]
                done = drawer["state"] == "login" and bool(sent) and code.isdigit()
                done = done and int(code) == int(sent)
                failed = "2"
            drawer["last"] = "1" if done or drawer["state"] != "login" else failed
            if done:
                drawer.update(state="ok", qr="", scanned=False, sms="")
            return envelope(OK, "", {})
        if query in ("1", "3"):
            message = "" if drawer["last"] != "2" else "登录失败：二维码未扫描或验证码错误"
            return envelope(OK, "", {"status": drawer["last"], "message": message})
        return envelope("E9000", "queryType 错误")

    # ---------------------------------------------------------------- retry
    def reissue(self, tax_num, payload):
        """reInvoice (开票重试): a fapiao that failed at the platform is issued again under its
        orderNo and serial ("发票订单号、流水号与原请求一致"). A seal failure succeeds this time; a
        refusal for its content is refused again; an issued or issuing one is answered with the
        platform's words. [U] the body's names (fpqqlsh or orderno) and the codes."""
        payload = payload or {}
        serial, order_no = str(payload.get("fpqqlsh") or ""), str(payload.get("orderno") or "")
        if serial:
            row = self.store.one(
                "SELECT * FROM invoices WHERE tax_num = ? AND serial = ?", (tax_num, serial)
            )
        else:
            row = self.store.one(
                "SELECT * FROM invoices WHERE tax_num = ? AND order_no = ?", (tax_num, order_no)
            )
        if not row:
            return envelope("E9500", "未查询到发票")
        if time.time() < row["ready_at"]:
            return envelope("E9327", SANDBOX_CODES["E9327"])
        if row["outcome"] == "ok":
            return envelope("E9326", SANDBOX_CODES["E9326"])
        outcome = "ok" if row["outcome"] == "seal_fail" else row["outcome"]
        month = datetime.date.today().strftime("%Y%m")
        with self.store.transaction() as db:
            db.execute(
                "UPDATE invoices SET outcome = ?, ready_at = ? WHERE tax_num = ? AND serial = ?",
                (outcome, time.time() + self.issue_delay, tax_num, row["serial"]),
            )
            if outcome == "ok" and row["blue"]:
                credit = db.execute(
                    "SELECT used FROM credit WHERE tax_num = ? AND month = ?", (tax_num, month)
                ).fetchone()
                used = Decimal(credit["used"]) if credit else Decimal("0.00")
                db.execute(
                    "INSERT OR REPLACE INTO credit (tax_num, month, used) VALUES (?, ?, ?)",
                    (tax_num, month, str(used + Decimal(row["amount"]))),
                )
        return envelope(OK, "", {"invoiceSerialNum": row["serial"]})

    # ----------------------------------------------------------------- void
    def void_invoice(self, tax_num, payload):
        """invoiceCancellation (发票作废; independent clients ZUOXIANGE/NuoNuoSdk and
        xforstudio/XForPlatform: ``invoiceId`` the serial, ``invoiceCode``, ``invoiceNo``): a
        数电 paper invoice of this month, issued and not reversed. [U] the refusal codes (the
        sandbox's own), and a second void of a voided invoice (answered as done)."""
        payload = payload or {}
        serial = str(payload.get("invoiceId") or "")
        if not serial:
            return envelope("E9000", "invoiceId 不能为空")
        row = self.store.one(
            "SELECT * FROM invoices WHERE tax_num = ? AND serial = ?", (tax_num, serial)
        )
        if not row:
            return envelope("E9500", "未查询到发票")
        if row["kind"] not in PAPER_KINDS:
            return envelope("E9320", SANDBOX_CODES["E9320"])
        paper = self._paper_of(row)
        if (str(payload.get("invoiceCode") or ""), str(payload.get("invoiceNo") or "")) != paper:
            return envelope("E9321", SANDBOX_CODES["E9321"])
        if row["voided"]:
            return envelope(OK, "", {"invoiceId": serial})
        reversed_ = self.store.one(
            "SELECT 1 FROM red_forms WHERE tax_num = ? AND blue_number = ? AND status IN"
            " ('01', '02', '03', '04')",
            (tax_num, row["number"]),
        )
        if row["outcome"] != "ok" or time.time() < row["ready_at"] or reversed_:
            return envelope("E9322", SANDBOX_CODES["E9322"])
        issued = datetime.datetime.fromtimestamp(row["ready_at"], CHINA)
        if f"{issued:%Y%m}" != f"{datetime.datetime.now(CHINA):%Y%m}":
            return envelope("E9323", SANDBOX_CODES["E9323"])
        with self.store.transaction() as db:
            db.execute(
                "UPDATE invoices SET voided = 1 WHERE tax_num = ? AND serial = ?",
                (tax_num, serial),
            )
            if row["blue"]:  # the credit line used by the voided invoice is given back [U]
                month = f"{issued:%Y%m}"
                credit = db.execute(
                    "SELECT used FROM credit WHERE tax_num = ? AND month = ?", (tax_num, month)
                ).fetchone()
                if credit:
                    db.execute(
                        "UPDATE credit SET used = ? WHERE tax_num = ? AND month = ?",
                        (str(Decimal(credit["used"]) - Decimal(row["amount"])), tax_num, month),
                    )
        return envelope(OK, "", {"invoiceId": serial})

    def credit_line_of(self, tax_num, payload=None):
        """getCreditLine: queryType 1 reads the figure the platform holds, 0 has it fetched
        from the bureau (the sandbox always holds one)."""
        if str((payload or {}).get("queryType", "")) not in ("0", "1"):
            return envelope("E9000", "queryType 只能为 0 或 1")
        month = datetime.date.today().strftime("%Y%m")
        row = self.store.one(
            "SELECT used FROM credit WHERE tax_num = ? AND month = ?", (tax_num, month)
        )
        used = Decimal(row["used"]) if row else Decimal("0.00")
        return envelope(
            OK,
            "",
            {
                "totalCreditLine": str(self.credit_line),
                "usedCreditLine": str(used),
                "availableCreditLine": str(self.credit_line - used),
            },
        )

    # ------------------------------------------------------------- documents
    @staticmethod
    def _paper_of(row):
        """(发票代码, 发票号码) printed on a 数电 paper fapiao (12 and 8 digits); None for an
        electronic one."""
        if row["kind"] not in PAPER_KINDS:
            return None
        sequence = row["number"][-8:]
        return f"0{row['number'][:2]}{row['number'][2:4]}0000000"[:12], sequence

    def document(self, serial, token, ext):
        row = self.store.one(
            "SELECT * FROM invoices WHERE serial = ? AND file_token = ?", (serial, token)
        )
        if not row or time.time() < row["ready_at"] or row["outcome"] != "ok":
            return None
        if ext not in ("xml", "sig", "pdf"):
            return None
        body = self._rendered(row, ext)
        if ext == "sig" and row["bad_signature"]:
            sig = body.decode()
            body = (sig[:-8] + ("A" * 8 if not sig.endswith("A" * 8) else "B" * 8)).encode()
        return {"xml": "application/xml", "sig": "text/plain", "pdf": "application/pdf"}[ext], body

    def _rendered(self, row, ext):
        """A document is made once, when first asked for, and kept: an issued fapiao never
        changes, and a real platform serves stored files too."""
        kept = self.store.one(
            "SELECT body FROM documents WHERE serial = ? AND ext = ?", (row["serial"], ext)
        )
        if kept:
            return kept["body"]
        if ext == "xml":
            body = build(self._document_values(row))
        elif ext == "sig":
            body = sign_detached(self._signing_key(), self._rendered(row, "xml")).encode()
        else:
            from documents import render_pdf  # reportlab is only needed for PDFs

            body = render_pdf(self._document_values(row))
        with self.store.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO documents (serial, ext, body) VALUES (?, ?, ?)",
                (row["serial"], ext, body),
            )
        return body

    def _signing_key(self):
        if not hasattr(self, "_signing_key_pem"):
            with open(self.pki["sign_sm2_key"], "rb") as key:
                self._signing_key_pem = key.read()
        return self._signing_key_pem

    def _document_values(self, row):
        order = json.loads(row["request"])
        issue = datetime.datetime.fromtimestamp(row["ready_at"]).strftime("%Y-%m-%d %H:%M:%S")
        return {
            "number": row["number"],
            "kind": row["kind"],
            "blue": bool(row["blue"]),
            "issue_time": issue,
            "drawer": order.get("clerk", ""),
            "seller": {
                "tax_id": order.get("salerTaxNum", ""),
                "name": order.get("salerName", ""),
                "address": order.get("salerAddress", ""),
                "phone": order.get("salerTel", ""),
                "account": order.get("salerAccount", ""),
            },
            "buyer": {
                "tax_id": order.get("buyerTaxNum", ""),
                "name": order.get("buyerName", ""),
                "address": order.get("buyerAddress", ""),
                "phone": order.get("buyerTel", ""),
                "account": order.get("buyerAccount", ""),
            },
            "lines": [
                {
                    "name": d.get("goodsName", ""),
                    "spec": d.get("specType", ""),
                    "unit": d.get("unit", ""),
                    "quantity": d.get("num", ""),
                    "price": d.get("price", ""),
                    "amount": d["taxExcludedAmount"],
                    "rate": d["taxRate"],
                    "tax": d["tax"],
                    "code": d.get("goodsCode", ""),
                }
                for d in order.get("invoiceDetail", [])
            ],
            "amount": row["amount"],
            "tax": row["tax"],
            "total": row["total"],
            "remark": order.get("remark", ""),
            "original_number": order.get("_original_number", ""),
            "red_form_number": order.get("_red_form_number", ""),
        }

    def mark_bad_signature_next(self):
        self.bad_signatures += 1

    def take_bad_signature(self, serial):
        if self.bad_signatures:
            self.bad_signatures -= 1
            with self.store.transaction() as db:
                db.execute("UPDATE invoices SET bad_signature = 1 WHERE serial = ?", (serial,))


class _Refused(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message
