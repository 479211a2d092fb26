"""The customer tax-ID library: CSV (UTF-8, GB18030) and XLSX, validated and compared."""

import io

import openpyxl
import pytest
from fapiao_core import FapiaoError, buyers

KNOWN = {
    "91310000MA1FL0001R": {
        "name": "上海果品贸易有限公司",
        "address_phone": "上海市黄浦区中山东一路1号 021-66666666",
        "bank_account": False,
        "email": False,
        "kind": "81",
    },
    "91330100MA2B3C4D5N": {
        "name": "杭州鲜丰超市有限公司",
        "address_phone": False,
        "bank_account": False,
        "email": "fapiao@xianfeng.example.com",
        "kind": "82",
    },
}
CSV = (
    "购方名称,纳税人识别号,地址电话,开户行及账号,邮箱,发票类型\n"
    "上海果品贸易有限公司,91310000MA1FL0001R,上海市黄浦区中山东一路1号 021-66666666,,,专票\n"
    "杭州鲜丰超市有限公司,91330100MA2B3C4D5N,,招商银行杭州分行 571900000000001,,普票\n"
    "南京果缘餐饮管理有限公司,91320100MA1N2P3Q43,,,nj@guoyuan.example.com,\n"
    "错号公司,91320100MA1N2P3Q44,,,,\n"  # wrong check character
    ",91110000600037341L,,,,\n"  # no name
    "重复公司,91320100MA1N2P3Q43,,,,\n"  # twice in the file
    "票种不明公司,91110000600037341L,,,,卷票\n"
    "邮箱错误公司,110105000000001,,,not-an-email,\n"  # legacy 15-character number is fine
    "\n"
)


def test_csv_added_changed_unchanged_refused():
    rows, refused = buyers.read_buyers(CSV.encode(), "buyers.csv")
    assert [(line, reason) for line, _value, reason, _params in refused] == [
        (5, "uscc_checksum"),
        (6, "buyer_table_no_name"),
        (7, "buyer_table_duplicate"),
        (8, "buyer_table_bad_kind"),
        (9, "buyer_table_bad_email"),
    ]
    report = buyers.compare(rows, KNOWN)
    assert report.unchanged == 1  # 专票 read as 81, the rest as known
    assert [row.tax_id for row in report.added] == ["91320100MA1N2P3Q43"]
    assert report.added[0].email == "nj@guoyuan.example.com"
    assert report.added[0].kind is None  # empty cell: nothing asked
    [(row, changes)] = report.changed
    assert row.tax_id == "91330100MA2B3C4D5N"
    # the empty e-mail cell keeps the known address; the bank account is new
    assert changes == {"bank_account": ("", "招商银行杭州分行 571900000000001")}


def test_gb18030_and_xlsx_read_the_same():
    utf8 = buyers.read_buyers(CSV.encode(), "buyers.csv")
    gbk = buyers.read_buyers(CSV.encode("gb18030"), "buyers.csv")
    assert utf8 == gbk
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["客户信息库"])  # a title row above the header
    for line in CSV.strip().splitlines():
        sheet.append(line.split(","))
    data = io.BytesIO()
    book.save(data)
    rows, refused = buyers.read_buyers(data.getvalue(), "buyers.xlsx")
    assert [r.tax_id for r in rows] == [r.tax_id for r in utf8[0]]
    assert len(refused) == len(utf8[1])


def test_a_file_without_the_two_columns_is_refused():
    with pytest.raises(FapiaoError) as err:
        buyers.read_buyers("名称,地址\n甲,乙\n".encode(), "x.csv")
    assert err.value.code == "buyer_table_no_header"
    with pytest.raises(FapiaoError) as err:
        list(buyers.read_buyers(b"\x80\x81\xff" * 10, "x.xlsx"))
    assert err.value.code == "tax_table_unreadable"
