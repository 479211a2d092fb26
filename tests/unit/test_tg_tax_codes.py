"""Updates of the tax code table: CSV (UTF-8, GB18030) and XLSX, compared with what is known."""

import io
from decimal import Decimal

import openpyxl
import pytest
from fapiao_core import FapiaoError
from fapiao_core import tax_codes as tc

KNOWN = {
    "1010115010100000000": {
        "name": "苹果",
        "short_name": "水果",
        "default_rate": 0.09,
        "policy_flag": False,
    },
    "1010101010000000000": {
        "name": "稻谷",
        "short_name": False,
        "default_rate": 0.0,
        "policy_flag": False,
    },
}


def test_csv_added_changed_unchanged_refused():
    content = (
        "税收分类编码,商品和服务名称,简称,税率,优惠政策标识\n"
        "1010115010100000000,苹果,水果,9%,\n"  # unchanged (9 % written as 9%)
        "1010101010000000000,稻谷,谷物,0.09,3\n"  # changed: short name, rate, flag 03
        "1010115010200000000,梨,水果,9,\n"  # added (rate 9 → 0.09)
        "101011501,短编码,,,\n"  # refused: not 19 digits
        "1010115010300000000,,,,\n"  # refused: no name
        "1010115010200000000,梨,,,\n"  # refused: twice in the file
        "1010115010400000000,桃,,abc,\n"  # refused: rate
        "1010115010500000000,李,,,19\n"  # refused: policy marker
        ",,,,\n"  # blank lines are skipped
    ).encode("utf-8-sig")
    rows, refused = tc.read_table(content, "codes.csv")
    report = tc.compare(rows, KNOWN)
    assert report.unchanged == 1
    assert [r.code for r in report.added] == ["1010115010200000000"]
    assert report.added[0].default_rate == Decimal("0.0900")
    ((row, changes),) = report.changed
    assert row.code == "1010101010000000000"
    assert changes == {
        "short_name": ("", "谷物"),
        "default_rate": (Decimal("0.0000"), Decimal("0.0900")),
        "policy_flag": ("", "03"),
    }
    assert [(line, reason) for line, _code, reason, _params in refused] == [
        (5, "tax_code_invalid"),
        (6, "tax_table_no_name"),
        (7, "tax_table_duplicate"),
        (8, "tax_table_bad_rate"),
        (9, "tax_table_bad_flag"),
    ]


def test_gb18030_csv_and_absent_columns_keep_values():
    content = "编码,名称\n1010115010100000000,苹果（新）\n".encode("gb18030")
    rows, refused = tc.read_table(content, "codes.csv")
    assert not refused
    ((row, changes),) = tc.compare(rows, KNOWN).changed
    assert changes == {"name": ("苹果", "苹果（新）")}  # short name and rate untouched


def test_xlsx_with_title_rows_before_the_header():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["商品和服务税收分类编码表 2026"])
    sheet.append([])
    sheet.append(["code", "name", "default_rate"])
    sheet.append([1010115010200000000, "梨", 0.09])  # a number cell, as Excel stores it
    buffer = io.BytesIO()
    book.save(buffer)
    rows, refused = tc.read_table(buffer.getvalue(), "Codes.XLSX")
    assert not refused
    assert [(r.line, r.code, r.name, r.default_rate) for r in rows] == [
        (4, "1010115010200000000", "梨", Decimal("0.0900"))
    ]


@pytest.mark.parametrize(
    "content, name, reason",
    [
        (b"a,b\n1,2\n", "x.csv", "tax_table_no_header"),
        (b"\xff\xfe\x00garbage", "x.csv", "tax_table_unreadable"),
        (b"not a zip", "x.xlsx", "tax_table_unreadable"),
    ],
)
def test_unreadable_files(content, name, reason):
    with pytest.raises(FapiaoError) as err:
        tc.read_table(content, name)
    assert err.value.code == reason
