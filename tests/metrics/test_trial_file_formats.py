"""Files as Excel and the platforms save them: UTF-16 "Unicode text" (tab-separated, with a
byte-order mark), tab-separated CSV in UTF-8 or GBK, and order numbers that a spreadsheet
turned into numbers.  Before, the first two stopped with a codec's message or "the headers
(日期\\t旺旺昵称…) are not those of …", and an order number 2.56322E+18 was taken as it was."""
from __future__ import annotations

import pytest

from kpi_xl.cli import main
from kpi_xl.metrics.api import compute_metrics
from kpi_xl.metrics.errors import MetricsError

QN = ["日期", "旺旺昵称", "有效接待人数", "当日询单人数", "销售人数", "销售额"]
ROWS = [["2025-10-01", "小王", "100", "80", "32", "3200"],
        ["2025-10-02", "小王", "50", "40", "8", "1600"]]


def _text(path, sep, encoding):
    path.write_text("\r\n".join(sep.join(r) for r in [QN] + ROWS) + "\r\n", encoding=encoding)
    return path


@pytest.mark.parametrize("name, sep, encoding", [
    ("unicode.txt", "\t", "utf-16"),        # Excel's "Unicode text": UTF-16 LE with its BOM
    ("unicode.csv", "\t", "utf-16"),
    ("unicode_comma.csv", ",", "utf-16"),
    ("tab.csv", "\t", "utf-8"),
    ("tab_gbk.csv", "\t", "gbk"),
    ("comma_gbk.csv", ",", "gbk"),
])
def test_text_exports_are_read(tmp_path, name, sep, encoding):
    """小王: inquiries 80 + 40 = 120, buyers 32 + 8 = 40, sales 3,200 + 1,600 = 4,800."""
    row = compute_metrics([_text(tmp_path / name, sep, encoding)], shop="S").agents.iloc[0]
    assert (row["agent"], row["inquiries"], row["buyers"], row["sales"]) == ("小王", 120, 40, 4800)


def test_a_file_with_nul_bytes_is_refused_naming_why(tmp_path, capsys):
    # UTF-16 without its byte-order mark (or a workbook renamed .csv).
    path = tmp_path / "report.csv"
    path.write_bytes("\t".join(QN).encode("utf-16-le"))
    out = tmp_path / "m.xlsx"
    rc = main(["metrics", str(path), "--shop", "S", "-o", str(out)])
    err = capsys.readouterr().err
    assert rc == 1 and not out.exists() and "Traceback" not in err
    assert "report.csv is not text (it holds NUL bytes)" in err


def test_an_xls_workbook_is_refused_naming_why(tmp_path):
    path = tmp_path / "report.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(MetricsError, match=r"is an old Excel workbook \(\.xls\); .* save it as "
                                           r"\.xlsx"):
        compute_metrics([path], shop="S")


MSG = ["时间", "买家", "客服", "发送方", "内容"]
ORD = ["订单号", "买家", "下单时间", "付款时间", "实付金额"]


def _chat_and_two_orders(tmp_path, first, second):
    """b1 writes to 甲 and is answered; then pays two orders numbered ``first`` and
    ``second`` (100 and 50), as CSV text: (chats, orders)."""
    chats = tmp_path / "chats.csv"
    chats.write_text("\n".join(",".join(r) for r in [
        MSG, ["2025-10-01 10:00:00", "b1", "甲", "买家", "在吗"],
        ["2025-10-01 10:00:10", "b1", "甲", "客服", "在"]]) + "\n", encoding="utf-8")
    orders = tmp_path / "orders.csv"
    orders.write_text("\n".join(",".join(r) for r in [
        ORD, [first, "b1", "2025-10-01 11:00:00", "2025-10-01 11:01:00", "100"],
        [second, "b1", "2025-10-01 11:05:00", "2025-10-01 11:06:00", "50"]]) + "\n",
        encoding="utf-8")
    return chats, orders


def test_order_numbers_that_lost_their_digits_are_refused(tmp_path, capsys):
    # Two orders 2563218734567890123 and …124 as Excel saves them: one number, 2.56322E+18.
    chats, orders = _chat_and_two_orders(tmp_path, "2.56322E+18", "2.56322E+18")
    out = tmp_path / "m.xlsx"
    rc = main(["metrics", str(chats), str(orders), "--shop", "S", "-o", str(out)])
    err = capsys.readouterr().err
    assert rc == 1 and not out.exists() and "Traceback" not in err
    assert ("orders.csv, column '订单号': row 2 ('2.56322E+18'), row 3 ('2.56322E+18') are "
            "order numbers stored as numbers, whose last digits were lost") in err


def test_long_order_numbers_as_text_are_kept(tmp_path):
    """The control: 18-digit numbers written as text stay two orders; 甲 is credited both,
    sales 100 + 50 = 150, buyers 1."""
    chats, orders = _chat_and_two_orders(tmp_path, "256321873456789012", "256321873456789013")
    result = compute_metrics([chats, orders], shop="S")
    row = result.agents.iloc[0]
    assert (row["paid_orders"], row["buyers"], row["sales"]) == (2, 1, 150)
    assert list(result.orders["order_id"]) == ["256321873456789012", "256321873456789013"]


def _xlsx_orders(tmp_path, first, second):
    """The orders of :func:`_chat_and_two_orders` as an .xlsx whose order numbers are
    number cells ``first`` and ``second``: (chats, orders)."""
    from openpyxl import Workbook
    chats, _ = _chat_and_two_orders(tmp_path, "x1", "x2")
    book = Workbook()
    sheet = book.active
    sheet.title = "订单"
    sheet.append(ORD)
    sheet.append([first, "b1", "2025-10-01 11:00:00", "2025-10-01 11:01:00", 100])
    sheet.append([second, "b1", "2025-10-01 11:05:00", "2025-10-01 11:06:00", 50])
    orders = tmp_path / "orders.xlsx"
    book.save(orders)
    return chats, orders


def test_xlsx_order_numbers_stored_as_numbers_that_lost_digits_are_refused(tmp_path, capsys):
    # 3851234567890123456 and …457 typed into Excel are one double, 3.85123456789012E+18
    # (15 significant digits shown): the two orders would be one, or match no chat's.
    chats, orders = _xlsx_orders(tmp_path, 3851234567890123456, 3851234567890123457)
    out = tmp_path / "m.xlsx"
    rc = main(["metrics", str(chats), str(orders), "--shop", "S", "-o", str(out)])
    err = capsys.readouterr().err
    assert rc == 1 and not out.exists() and "Traceback" not in err
    assert ("orders.xlsx, sheet '订单', column '订单号': row 2 ('3.85123456789012E+18'), row 3 "
            "('3.85123456789012E+18') are order numbers stored as numbers, whose last digits "
            "were lost") in err


def test_xlsx_order_number_cell_of_sixteen_digits_is_refused_even_when_alone(tmp_path):
    # 1,000,000,000,000,000 (1e15, 16 digits) is past what a spreadsheet keeps; the other
    # order number is text.
    chats, orders = _xlsx_orders(tmp_path, "256321873456789012", 10 ** 15)
    with pytest.raises(MetricsError, match=r"orders\.xlsx, sheet '订单', column '订单号': row 3 "
                                           r"\('1E\+15'\) is an order number stored as a number"):
        compute_metrics([chats, orders], shop="S")


def test_xlsx_order_numbers_small_enough_to_be_exact_read_as_csv_gives_them(tmp_path):
    """Number cells below 1e15 are exact: 999999999999999 (15 digits) and 1001 read as the
    text a CSV gives (no ".0"); 甲 is credited both, paid orders 2, buyers 1, sales
    100 + 50 = 150 — as the CSV of the same orders gives."""
    chats, orders = _xlsx_orders(tmp_path, 999999999999999, 1001.0)
    result = compute_metrics([chats, orders], shop="S")
    row = result.agents.iloc[0]
    assert (row["paid_orders"], row["buyers"], row["sales"]) == (2, 1, 150)
    assert list(result.orders["order_id"]) == ["999999999999999", "1001"]
    (tmp_path / "csv").mkdir()
    csv_chats, csv_orders = _chat_and_two_orders(tmp_path / "csv", "999999999999999", "1001")
    assert list(compute_metrics([csv_chats, csv_orders], shop="S").orders["order_id"]) \
        == ["999999999999999", "1001"]
