"""Workbooks of several sheets.  `metrics` read the first sheet only: an export whose data
follows a sheet of notes (说明) was refused, and orders kept on a second sheet beside the
chats were never read ("chat messages but no orders").  Now every sheet whose headers are
those of chats, orders or a platform report is read, each as a file of its own, named in
sentences as 'file, sheet name'; sheets of other headers are left out."""
from __future__ import annotations

import pytest
from openpyxl import Workbook

from kpi_xl.cli import main
from kpi_xl.metrics.api import compute_metrics
from kpi_xl.metrics.errors import MetricsError

MSG = ["时间", "买家", "客服", "发送方", "内容"]
ORD = ["订单号", "买家", "下单时间", "付款时间", "实付金额"]
QN = ["日期", "旺旺昵称", "有效接待人数", "当日询单人数", "销售人数", "销售额"]
NOTES = [["导出说明"], ["数据来源", "千牛"], ["客服", "统计口径见帮助中心"]]
# 甲 answers b1 on 1 Oct after 20 s, b2 on 16 Oct after 40 s.
FIRST_HALF = [["2025-10-01 10:00:00", "b1", "甲", "买家", "在吗"],
              ["2025-10-01 10:00:20", "b1", "甲", "客服", "在的"]]
SECOND_HALF = [["2025-10-16 10:00:00", "b2", "甲", "买家", "有货吗"],
               ["2025-10-16 10:00:40", "b2", "甲", "客服", "有"]]
ORDERS = [["o1", "b1", "2025-10-01 11:00:00", "2025-10-01 11:01:00", 120]]


def _book(path, sheets):
    """A workbook of ``sheets``: {name: rows}, in that order."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def _check(row):
    """By hand: receptions 2 (b1, b2), inquiries 2, buyers 1 (b1 pays 120), conversion
    50 %, first response (20 + 40) / 2 = 30 s."""
    assert (row["agent"], row["receptions"], row["inquiries"], row["buyers"]) == ("甲", 2, 2, 1)
    assert (row["conversion"], row["sales"], row["first_response_s"]) == (0.5, 120, 30)


def test_data_after_a_sheet_of_notes(tmp_path):
    chats = _book(tmp_path / "chats.xlsx", {"说明": NOTES, "聊天": [MSG, *FIRST_HALF,
                                                                  *SECOND_HALF]})
    orders = _book(tmp_path / "orders.xlsx", {"说明": NOTES, "订单": [ORD, *ORDERS]})
    result = compute_metrics([chats, orders], shop="S")
    _check(result.agents.iloc[0])
    assert result.inputs == {f"{chats}, sheet '聊天'": "messages",
                             f"{orders}, sheet '订单'": "orders"}


def test_chats_and_orders_on_two_sheets_of_one_workbook(tmp_path, capsys):
    book = _book(tmp_path / "店A_10月.xlsx", {"聊天": [MSG, *FIRST_HALF, *SECOND_HALF],
                                             "订单": [["订单报表"], [], ORD, *ORDERS]})
    out = tmp_path / "m.xlsx"
    assert main(["metrics", str(book), "-o", str(out), "--shop", "S"]) == 0
    lines = capsys.readouterr().out
    assert f"{book}, sheet '聊天': read as messages." in lines
    assert f"{book}, sheet '订单': read as orders." in lines
    _check(compute_metrics([book], shop="S").agents.iloc[0])


def test_a_month_of_chats_split_over_two_sheets(tmp_path):
    """An export past a sheet's rows goes on in the next sheet: both halves are read."""
    chats = _book(tmp_path / "chats.xlsx", {"1-15日": [MSG, *FIRST_HALF],
                                            "16-31日": [MSG, *SECOND_HALF]})
    orders = _book(tmp_path / "orders.xlsx", {"订单": [ORD, *ORDERS]})
    _check(compute_metrics([chats, orders], shop="S").agents.iloc[0])


def test_sentences_name_the_sheet(tmp_path):
    # The sheet '订单' of book.xlsx: title row 1, header row 2, o2's amount 'abc' in row 4.
    book = _book(tmp_path / "book.xlsx", {"聊天": [MSG, *FIRST_HALF], "订单": [
        ["订单报表"], ORD, *ORDERS, ["o2", "b1", "2025-10-02 11:00:00", "2025-10-02 11:01:00",
                                  "abc"]]})
    with pytest.raises(MetricsError, match=r"book\.xlsx, sheet '订单', column '实付金额': row 4 "
                                           r"\('abc'\) is not an amount"):
        compute_metrics([book], shop="S")


def test_two_sheets_giving_the_same_days_are_refused(tmp_path):
    """A 千牛 export's days on one sheet and again on another would add up twice."""
    days = [QN, ["2025-10-01", "小王", 100, 80, 32, 3200], ["2025-10-02", "小王", 50, 40, 8, 1600]]
    book = _book(tmp_path / "千牛.xlsx", {"明细": days, "明细 (2)": days})
    with pytest.raises(MetricsError, match=(
            r"agent '小王', day 2025-10-01, is given more than once \(.*千牛\.xlsx, sheet '明细' "
            r"row 2; .*千牛\.xlsx, sheet '明细 \(2\)' row 2\)")):
        compute_metrics([book], shop="S")
    # One sheet of them: 小王's inquiries 80 + 40 = 120, buyers 32 + 8 = 40, sales 4,800.
    alone = _book(tmp_path / "千牛_1.xlsx", {"说明": NOTES, "明细": days})
    row = compute_metrics([alone], shop="S").agents.iloc[0]
    assert (row["agent"], row["inquiries"], row["buyers"], row["sales"]) == ("小王", 120, 40, 4800)


def test_a_workbook_without_a_sheet_we_know_is_refused(tmp_path):
    book = _book(tmp_path / "misc.xlsx", {"说明": NOTES, "汇总": [["客服", "绩效分"], ["甲", 90]]})
    with pytest.raises(MetricsError, match=r"misc\.xlsx: no sheet's headers are those we know "
                                           r"\(sheet '说明': \(客服, 统计口径见帮助中心\); sheet "
                                           r"'汇总': \(客服, 绩效分\)\); they are not those of chat"):
        compute_metrics([book], shop="S")
