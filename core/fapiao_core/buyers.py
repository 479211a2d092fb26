"""The customer tax-ID library (购方信息库) from CSV or XLSX, as exported by the tax bureau's
client or kept in a spreadsheet.

``read_buyers`` turns a file into rows and refusals (line, value, reason code, params);
``compare`` sorts the rows against the customers known today (by tax ID) into added, changed
and unchanged. Nothing here writes anything.

Columns are found by their header, in English or Chinese, in any order: name (名称 / 购方名称),
tax ID (税号 / 纳税人识别号 / 统一社会信用代码), and optionally address and phone (地址电话),
bank and account (开户行及账号), e-mail (邮箱) and the fapiao asked for (发票类型: 专票/普票).
"""

import re
from dataclasses import dataclass, field

from . import FapiaoError
from .sheets import find_header, sheet_rows
from .validators import validate_tax_id

HEADERS = {
    "name": ("name", "名称", "购方名称", "客户名称", "单位名称", "购买方名称"),
    "tax_id": (
        "tax_id",
        "vat",
        "税号",
        "纳税人识别号",
        "统一社会信用代码",
        "购方税号",
        "统一社会信用代码/纳税人识别号",
    ),
    "address_phone": ("address_phone", "地址电话", "地址、电话", "购方地址电话"),
    "bank_account": ("bank_account", "开户行及账号", "开户银行及账号", "银行账号"),
    "email": ("email", "邮箱", "电子邮箱", "收票邮箱"),
    "kind": ("kind", "发票类型", "票种"),
}
KINDS = {
    "专票": "81",
    "专用发票": "81",
    "增值税专用发票": "81",
    "81": "81",
    "普票": "82",
    "普通发票": "82",
    "增值税普通发票": "82",
    "82": "82",
}
OPTIONAL = ("address_phone", "bank_account", "email", "kind")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class Row:
    line: int
    name: str
    tax_id: str
    address_phone: str | None = None  # None: column absent or cell empty, keep what is known
    bank_account: str | None = None
    email: str | None = None
    kind: str | None = None


@dataclass
class Report:
    added: list = field(default_factory=list)  # Row
    changed: list = field(default_factory=list)  # (Row, {field: (old, new)})
    unchanged: int = 0


def read_buyers(content, filename):
    """Rows of a CSV (UTF-8 or GB18030) or XLSX file; FapiaoError when no header is found."""
    lines = iter(enumerate(sheet_rows(content, filename), start=1))
    columns = find_header(lines, HEADERS, required=("name", "tax_id"))
    if columns is None:
        raise FapiaoError("buyer_table_no_header")
    rows, refused, seen = [], [], set()
    for number, cells in lines:
        if not any(cells):
            continue

        def get(key, cells=cells):
            index = columns.get(key)
            value = cells[index] if index is not None and index < len(cells) else ""
            return value or None

        tax_id = (get("tax_id") or "").replace(" ", "").upper()
        try:
            name = get("name")
            if not name:
                raise FapiaoError("buyer_table_no_name", value=tax_id)
            tax_id = validate_tax_id(tax_id)
            if tax_id in seen:
                raise FapiaoError("buyer_table_duplicate", value=tax_id)
            kind = get("kind")
            if kind and kind not in KINDS:
                raise FapiaoError("buyer_table_bad_kind", value=kind)
            email = get("email")
            if email and not EMAIL_RE.match(email):
                raise FapiaoError("buyer_table_bad_email", value=email)
            row = Row(
                line=number,
                name=name,
                tax_id=tax_id,
                address_phone=get("address_phone"),
                bank_account=get("bank_account"),
                email=email,
                kind=KINDS[kind] if kind else None,
            )
        except FapiaoError as err:
            refused.append((number, tax_id, err.code, err.params))
            continue
        seen.add(tax_id)
        rows.append(row)
    return rows, refused


def compare(rows, known):
    """``known``: {tax_id: dict(name, address_phone, bank_account, email, kind)}. An optional
    column absent from the file, or an empty cell, leaves that value as it is."""
    report = Report()
    for row in rows:
        current = known.get(row.tax_id)
        if current is None:
            report.added.append(row)
            continue
        changes = {}
        for key in ("name", *OPTIONAL):
            new = getattr(row, key)
            old = current.get(key) or ""
            if new is not None and new != old:
                changes[key] = (old, new)
        if changes:
            report.changed.append((row, changes))
        else:
            report.unchanged += 1
    return report
