"""Updates of the official tax classification code table (商品和服务税收分类编码) from CSV or XLSX.

``read_table`` turns a file into rows; ``compare`` sorts them against the codes known today into
added, changed, unchanged and refused rows, each refusal with a stable reason code (translated by
the Odoo layer) and the file's line number. Nothing here writes anything.

Columns are found by their header, in English or Chinese, in any order: code (编码 / 税收分类编码),
name (名称 / 商品和服务名称), and optionally short name (简称), default rate (税率) and policy
marker (优惠政策标识). A rate is written 0.09, 9 or 9%.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from . import FapiaoError
from .sheets import find_header, sheet_rows
from .validators import validate_tax_code

POLICY_FLAGS = {f"{n:02d}" for n in range(1, 19)}
HEADERS = {
    "code": ("code", "编码", "税收分类编码", "商品和服务税收分类编码", "税收编码"),
    "name": ("name", "name_zh", "名称", "商品和服务名称", "货物和劳务名称", "官方名称"),
    "short_name": ("short_name", "简称", "商品和服务分类简称"),
    "default_rate": ("default_rate", "rate", "税率", "默认税率", "增值税税率"),
    "policy_flag": ("policy_flag", "优惠政策标识", "政策标识"),
}
RATE_STEP = Decimal("0.0001")


@dataclass
class Row:
    line: int
    code: str
    name: str
    short_name: str | None = None  # None: column absent or cell empty, keep what is known
    default_rate: Decimal | None = None
    policy_flag: str | None = None


@dataclass
class Report:
    added: list = field(default_factory=list)  # Row
    changed: list = field(default_factory=list)  # (Row, {field: (old, new)})
    unchanged: int = 0
    refused: list = field(default_factory=list)  # (line, code text, reason code, params)


def _rate(text):
    text = text.replace("％", "%").strip()
    if not text:
        return None
    percent = text.endswith("%")
    try:
        value = Decimal(text.rstrip("%").strip())
    except InvalidOperation as err:
        raise FapiaoError("tax_table_bad_rate", value=text) from err
    if percent or value > 1:
        value = value / 100
    if not Decimal(0) <= value < 1:
        raise FapiaoError("tax_table_bad_rate", value=text)
    return value.quantize(RATE_STEP)


def read_table(content, filename):
    """Rows of a CSV (UTF-8 or GB18030) or XLSX file; FapiaoError when no header is found.

    Returns (rows, refused): rows that could be read, and (line, code, reason, params) of those
    that could not."""
    lines = iter(enumerate(sheet_rows(content, filename), start=1))
    columns = find_header(lines, HEADERS, required=("code", "name"))
    if columns is None:
        raise FapiaoError("tax_table_no_header")
    rows, refused, seen = [], [], set()
    for number, cells in lines:
        if not any(cells):
            continue

        def get(key, cells=cells):
            index = columns.get(key)
            return cells[index] if index is not None and index < len(cells) else None

        code = (get("code") or "").replace(" ", "")
        try:
            code = validate_tax_code(code)
            if code in seen:
                raise FapiaoError("tax_table_duplicate", value=code)
            name = get("name") or ""
            if not name:
                raise FapiaoError("tax_table_no_name", value=code)
            flag = get("policy_flag")
            if flag and flag.zfill(2) not in POLICY_FLAGS:
                raise FapiaoError("tax_table_bad_flag", value=flag)
            rate = get("default_rate")
            row = Row(
                line=number,
                code=code,
                name=name,
                short_name=get("short_name") or None,
                default_rate=_rate(rate) if rate else None,
                policy_flag=flag.zfill(2) if flag else None,
            )
        except FapiaoError as err:
            refused.append((number, code, err.code, err.params))
            continue
        seen.add(code)
        rows.append(row)
    return rows, refused


def compare(rows, known):
    """``known``: {code: dict(name, short_name, default_rate (Decimal), policy_flag)}.

    An optional column absent from the file, or an empty cell, leaves that value as it is."""
    report = Report()
    for row in rows:
        current = known.get(row.code)
        if current is None:
            report.added.append(row)
            continue
        changes = {}
        for key in ("name", "short_name", "default_rate", "policy_flag"):
            new = getattr(row, key)
            if new is None:
                continue
            old = current.get(key)
            if key == "default_rate":
                old = Decimal(str(old or 0)).quantize(RATE_STEP)
                new = new.quantize(RATE_STEP)
            else:
                old = old or ""
            if old != new:
                changes[key] = (old, new)
        if changes:
            report.changed.append((row, changes))
        else:
            report.unchanged += 1
    return report
