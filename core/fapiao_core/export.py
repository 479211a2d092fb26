"""XLSX of fapiao not issued yet, for filing them by hand while the platform is down."""

import io

import xlsxwriter

COLUMNS = (
    ("invoice", "发票来源 Invoice", 18),
    ("kind", "票种 Kind", 16),
    ("buyer_name", "购买方 Buyer", 30),
    ("buyer_tax_id", "纳税人识别号 Tax ID", 22),
    ("amount", "金额 Amount", 14),
    ("tax", "税额 Tax", 12),
    ("total", "价税合计 Total", 14),
    ("state", "状态 State", 12),
    ("submitted_at", "提交时间 Submitted", 20),
    ("error", "错误 Error", 40),
)


# A text cell starting with one of these is a formula to a spreadsheet, or becomes one when the
# file is saved as CSV and opened again (OWASP "CSV injection"): such text is written as text
# and prefixed with an apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value):
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def pending_xlsx(rows):
    """``rows``: dicts with the COLUMNS keys (amounts as Decimal or str). Returns bytes."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = book.add_worksheet("待开发票")
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
    money = book.add_format({"num_format": "#,##0.00"})
    for col, (_key, title, width) in enumerate(COLUMNS):
        sheet.write(0, col, title, bold)
        sheet.set_column(col, col, width)
    for row_index, row in enumerate(rows, start=1):
        for col, (key, _title, _width) in enumerate(COLUMNS):
            value = row.get(key)
            if key in ("amount", "tax", "total"):
                sheet.write_number(row_index, col, float(value or 0), money)
            else:
                sheet.write_string(row_index, col, safe_text(value))
    sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()
