"""红字发票信息确认单 in the sandbox: the bureau's states 01-10, 72 h expiry, cumulative caps.

Rules (the bureau's, as Nuonuo's red-form interface documents and Odoo S.A.'s
l10n_cn_edi document model state them):
- the seller raises a form; when the buyer has not confirmed the blue invoice for use (用途确认)
  it needs no confirmation (01) and the red invoice is issued at once; otherwise it waits for
  the buyer (02). A buyer may raise a form too (03), which the seller confirms (04) or denies (06);
- a form not confirmed within 72 h lapses (07); the initiator may revoke a pending form (08);
- the red amount of all live forms on one blue invoice never exceeds it, line by line;
  a fully reversed blue invoice refuses another form (E9103).
The buyer's side is played through the admin endpoint (server.py ``/admin/buyer``).
"""

import datetime
import json
import secrets
import time
from decimal import Decimal, InvalidOperation

from bureau import LINE_TAX_TOLERANCE, cents  # pylint: disable=import-error

OK = "E0000"
RED_TTL = 72 * 3600
LIVE = ("01", "02", "03", "04")  # forms that hold (or will hold) red amount
CONFIRMED = ("01", "04")  # the bureau issues the red invoice
PENDING = ("02", "03")
SELLER, BUYER = "0", "1"
RED_CODES = {
    "E9103": "该发票不能重复冲红",  # Nuonuo, documented
    "E9165": "红冲金额超过蓝票剩余可冲红金额",  # sandbox
    "E9166": "蓝字发票不存在或未开具完成",  # sandbox
    "E9167": "红字确认单当前状态不允许该操作",  # sandbox
    "E9168": "红字确认单不存在",  # sandbox
}


def _env(code, describe=None, result=None):
    return {"code": code, "describe": describe or RED_CODES.get(code, ""), "result": result}


class RedForms:
    """Mixed into platform_logic.Platform (needs ``store``, ``area``, ``issue_delay``)."""

    clock_offset = 0.0  # seconds added to the clock of red forms (tests of the 72 h expiry)

    def now(self):
        return time.time() + self.clock_offset

    # ------------------------------------------------------------------ apply
    def save_red_form(self, tax_num, payload, source=SELLER):
        payload = payload or {}
        bill_id = str(payload.get("billId") or "")
        blue_number = str(payload.get("blueElecInvoiceNumber") or "")
        reason = str(payload.get("redReason") or "")
        if not bill_id or not blue_number or reason not in ("1", "2", "3", "4"):
            return _env("E9000", "billId、blueElecInvoiceNumber、redReason 必填")
        with self.store.transaction() as db:
            existing = db.execute(
                "SELECT * FROM red_forms WHERE tax_num = ? AND bill_id = ?", (tax_num, bill_id)
            ).fetchone()
            if existing:
                return _env("E9106", "红字确认单申请号重复", {"billId": bill_id})
            blue = db.execute(
                "SELECT * FROM invoices WHERE tax_num = ? AND number = ? AND blue = 1"
                " AND outcome = 'ok' AND NOT voided",
                (tax_num, blue_number),
            ).fetchone()
            if not blue or time.time() < blue["ready_at"]:
                return _env("E9166")
            try:
                lines = self._red_lines(db, blue, payload.get("detail"))
            except _RedRefused as refused:
                return _env(refused.code, refused.message)
            amount = sum((Decimal(ln["taxExcludedAmount"]) for ln in lines), Decimal("0.00"))
            tax = sum((Decimal(ln["tax"]) for ln in lines), Decimal("0.00"))
            needs_buyer = source == SELLER and blue["buyer_confirmed"]
            status = "03" if source == BUYER else ("02" if needs_buyer else "01")
            sequence = self.store.next_value("red_form")
            bill_no = f"{datetime.date.today():%Y%m%d}{sequence:012d}"
            db.execute(
                "INSERT INTO red_forms (tax_num, bill_id, bill_no, bill_uuid, blue_number,"
                " apply_source, reason, status, created, amount, tax, lines)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    tax_num,
                    bill_id,
                    bill_no,
                    secrets.token_hex(16),
                    blue_number,
                    source,
                    reason,
                    status,
                    self.now(),
                    str(cents(amount)),
                    str(cents(tax)),
                    json.dumps(lines, ensure_ascii=False),
                ),
            )
            if status in CONFIRMED:
                self._issue_red(db, tax_num, bill_id)
        return _env(OK, "", {"billId": bill_id, "billNo": bill_no})

    def _red_lines(self, db, blue, detail):
        """The red lines (negative) of a new form, checked against what is left of the blue."""
        blue_lines = json.loads(blue["request"]).get("invoiceDetail") or []
        left = self._left_by_line(db, blue, blue_lines)
        if not any(amount > 0 or tax > 0 for amount, tax in left.values()):
            raise _RedRefused("E9103", RED_CODES["E9103"])
        if not detail:  # full reversal: whatever is left of every line
            return [
                self._red_line(blue_lines[index - 1], index, -amount, -tax)
                for index, (amount, tax) in sorted(left.items())
                if amount or tax
            ]
        lines = []
        try:
            for item in detail:
                index = int(item["blueDetailIndex"])
                if index not in left:
                    raise _RedRefused("E9000", f"blueDetailIndex {index} 不存在")
                amount = Decimal(str(item["taxExcludedAmount"]))
                tax = Decimal(str(item["tax"]))
                if amount > 0 or tax > 0:
                    raise _RedRefused("E9000", f"第{index}行红字金额须为负数")
                rate = Decimal(str(blue_lines[index - 1]["taxRate"]))
                if abs(amount * rate - tax) > LINE_TAX_TOLERANCE:
                    raise _RedRefused("E9131", f"第{index}行税额误差超过0.06")
                left_amount, left_tax = left[index]
                if -amount > left_amount or -tax > left_tax + LINE_TAX_TOLERANCE:
                    raise _RedRefused("E9165", f"第{index}行: {RED_CODES['E9165']}")
                left[index] = (left_amount + amount, left_tax + tax)
                line = self._red_line(blue_lines[index - 1], index, amount, tax)
                if item.get("num"):
                    line["num"] = str(item["num"])
                lines.append(line)
        except (KeyError, ValueError, TypeError, InvalidOperation) as err:
            raise _RedRefused("E9000", "detail 格式错误") from err
        return lines

    def _left_by_line(self, db, blue, blue_lines):
        left = {
            index: (Decimal(str(line["taxExcludedAmount"])), Decimal(str(line["tax"])))
            for index, line in enumerate(blue_lines, start=1)
        }
        forms = db.execute(
            "SELECT lines FROM red_forms WHERE tax_num = ? AND blue_number = ? AND status IN"
            " ('01', '02', '03', '04')",
            (blue["tax_num"], blue["number"]),
        ).fetchall()
        for form in forms:
            for line in json.loads(form["lines"]):
                amount, tax = left[int(line["blueDetailIndex"])]
                left[int(line["blueDetailIndex"])] = (
                    amount + Decimal(line["taxExcludedAmount"]),
                    tax + Decimal(line["tax"]),
                )
        return left

    @staticmethod
    def _red_line(blue_line, index, amount, tax):
        return {
            "blueDetailIndex": index,
            "goodsName": blue_line.get("goodsName", ""),
            "goodsCode": blue_line.get("goodsCode", ""),
            "specType": blue_line.get("specType", ""),
            "unit": blue_line.get("unit", ""),
            "price": blue_line.get("price", ""),
            "taxRate": blue_line["taxRate"],
            "taxExcludedAmount": str(cents(amount)),
            "tax": str(cents(tax)),
            "taxIncludedAmount": str(cents(amount + tax)),
        }

    def _issue_red(self, db, tax_num, bill_id):
        """The bureau issues the red invoice of a confirmed form by itself (数电)."""
        form = db.execute(
            "SELECT * FROM red_forms WHERE tax_num = ? AND bill_id = ?", (tax_num, bill_id)
        ).fetchone()
        blue = db.execute(
            "SELECT * FROM invoices WHERE tax_num = ? AND number = ?",
            (tax_num, form["blue_number"]),
        ).fetchone()
        order = json.loads(blue["request"])
        lines = json.loads(form["lines"])
        order.update(
            {
                "orderNo": f"HZ{form['bill_no'][-18:]}",
                "invoiceType": "2",
                "invoiceDetail": lines,
                "remark": f"被红冲蓝字数电票号码：{form['blue_number']} "
                f"红字发票信息确认单编号：{form['bill_no']}",
                "_original_number": form["blue_number"],
                "_red_form_number": form["bill_no"],
            }
        )
        sequence = self.store.next_value("invoice")
        number = f"{datetime.date.today():%y}{self.area}2{sequence:015d}"
        serial = f"SBX{int(time.time() * 1000)}{sequence:08d}"
        now = time.time()
        db.execute(
            "INSERT INTO invoices (tax_num, order_no, serial, number, kind, blue, created,"
            " ready_at, outcome, amount, tax, total, file_token, request)"
            " VALUES (?, ?, ?, ?, ?, 0, ?, ?, 'ok', ?, ?, ?, ?, ?)",
            (
                tax_num,
                order["orderNo"],
                serial,
                number,
                blue["kind"],
                now,
                now + self.issue_delay,
                form["amount"],
                form["tax"],
                str(cents(Decimal(form["amount"]) + Decimal(form["tax"]))),
                secrets.token_urlsafe(16),
                json.dumps(order, ensure_ascii=False),
            ),
        )
        db.execute(
            "UPDATE red_forms SET red_serial = ? WHERE tax_num = ? AND bill_id = ?",
            (serial, tax_num, bill_id),
        )

    # ------------------------------------------------------------------ query
    def query_red_forms(self, tax_num, payload):
        payload = payload or {}
        self._expire(tax_num)
        clauses, params = ["tax_num = ?"], [tax_num]
        for key, column in (
            ("billId", "bill_id"),
            ("billNo", "bill_no"),
            ("billUuid", "bill_uuid"),
            ("billStatus", "status"),
        ):
            if payload.get(key):
                clauses.append(f"{column} = ?")
                params.append(str(payload[key]))
        rows = self.store.query(
            f"SELECT * FROM red_forms WHERE {' AND '.join(clauses)} ORDER BY created",  # noqa: S608  (fixed column names, values bound)
            params,
        )
        page, size = int(payload.get("pageNo") or 1), min(int(payload.get("pageSize") or 50), 50)
        chosen = rows[(page - 1) * size : page * size]
        return _env(OK, "", {"total": len(rows), "list": [self._form_of(r) for r in chosen]})

    def _form_of(self, row):
        result = {
            "billId": row["bill_id"],
            "billNo": row["bill_no"],
            "billUuid": row["bill_uuid"],
            "billStatus": row["status"],
            "applySource": row["apply_source"],
            "blueElecInvoiceNumber": row["blue_number"],
            "redReason": row["reason"],
            "taxExcludedAmount": row["amount"],
            "taxAmount": row["tax"],
            "billTime": datetime.datetime.fromtimestamp(row["created"]).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "detail": json.loads(row["lines"]),
        }
        if row["red_serial"]:
            result["invoiceSerialNum"] = row["red_serial"]
            red = self.store.one("SELECT * FROM invoices WHERE serial = ?", (row["red_serial"],))
            if red and time.time() >= red["ready_at"]:
                result["redInvoiceNumber"] = red["number"]
        return result

    def _expire(self, tax_num):
        with self.store.transaction() as db:
            db.execute(
                "UPDATE red_forms SET status = '07' WHERE tax_num = ? AND status IN ('02', '03')"
                " AND created < ?",
                (tax_num, self.now() - RED_TTL),
            )

    def _find(self, db, tax_num, payload):
        for key, column in (
            ("billUuid", "bill_uuid"),
            ("billId", "bill_id"),
            ("billNo", "bill_no"),
        ):
            if payload.get(key):
                return db.execute(
                    f"SELECT * FROM red_forms WHERE tax_num = ? AND {column} = ?",  # noqa: S608  (column from the fixed tuple above)
                    (tax_num, str(payload[key])),
                ).fetchone()
        return None

    # ---------------------------------------------------------------- actions
    def confirm_red_form(self, tax_num, payload, identity=None):
        """``identity`` 0: the seller acts on a buyer's form (03); 1: the buyer on ours (02)."""
        payload = payload or {}
        identity = str(identity if identity is not None else payload.get("identity", SELLER))
        agree = str(payload.get("confirmAgreement", "1")) == "1"
        self._expire(tax_num)
        with self.store.transaction() as db:
            form = self._find(db, tax_num, payload)
            if not form:
                return _env("E9168")
            waiting_for = {"03": SELLER, "02": BUYER}.get(form["status"])
            if waiting_for != identity:
                return _env("E9167")
            if agree:
                status = "04"
            else:
                status = "06" if form["status"] == "03" else "05"
            db.execute(
                "UPDATE red_forms SET status = ? WHERE tax_num = ? AND bill_id = ?",
                (status, tax_num, form["bill_id"]),
            )
            if status == "04":
                self._issue_red(db, tax_num, form["bill_id"])
        return _env(OK, "", {"billStatus": status})

    def cancel_red_form(self, tax_num, payload):
        payload = payload or {}
        identity = str(payload.get("identity", SELLER))
        self._expire(tax_num)
        with self.store.transaction() as db:
            form = self._find(db, tax_num, payload)
            if not form:
                return _env("E9168")
            if form["apply_source"] != identity or form["status"] not in PENDING:
                return _env("E9167")
            db.execute(
                "UPDATE red_forms SET status = '08' WHERE tax_num = ? AND bill_id = ?",
                (tax_num, form["bill_id"]),
            )
        return _env(OK, "", {"billStatus": "08"})

    def fast_red(self, tax_num, payload):
        """fastInvoiceRed: the serial of the red invoice the bureau issued for a confirmed form."""
        with self.store.transaction() as db:
            form = self._find(db, tax_num, payload or {})
        if not form:
            return _env("E9168")
        if form["status"] not in CONFIRMED or not form["red_serial"]:
            return _env("E9167")
        return _env(OK, "", {"invoiceSerialNum": form["red_serial"]})

    # ------------------------------------------------------------ buyer side
    def buyer_action(self, spec):
        """The buyer at the bureau: ``use_confirm`` a blue invoice, ``raise`` a form on it,
        ``confirm`` / ``deny`` a seller's form."""
        action = spec.get("action")
        if action == "use_confirm":
            with self.store.transaction() as db:
                db.execute(
                    "UPDATE invoices SET buyer_confirmed = 1 WHERE number = ?", (spec["number"],)
                )
            return _env(OK)
        if action == "raise":
            blue = self.store.one(
                "SELECT tax_num FROM invoices WHERE number = ?", (spec["number"],)
            )
            if not blue:
                return _env("E9166")
            payload = {
                "billId": spec.get("billId") or f"BUYER{secrets.token_hex(6).upper()}",
                "blueElecInvoiceNumber": spec["number"],
                "redReason": spec.get("redReason", "1"),
                "detail": spec.get("detail"),
            }
            return self.save_red_form(blue["tax_num"], payload, source=BUYER)
        if action in ("confirm", "deny"):
            form = self.store.one(
                "SELECT tax_num FROM red_forms WHERE bill_no = ?", (spec["billNo"],)
            )
            if not form:
                return _env("E9168")
            return self.confirm_red_form(
                form["tax_num"],
                {"billNo": spec["billNo"], "confirmAgreement": "1" if action == "confirm" else "0"},
                identity=BUYER,
            )
        return _env("E9000", "action: use_confirm / raise / confirm / deny")


class _RedRefused(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message
