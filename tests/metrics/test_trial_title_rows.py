"""Exports with title rows above the header: "客服绩效报表 2025-10", a date of export, a
blank row.  `fill` finds such a header; `metrics` took the title for the header and
refused the file ("the headers (客服绩效报表 2025-10, Unnamed: 1, …) are not those of …").
Rows named in its sentences are the file's rows, titles counted."""
from __future__ import annotations

import csv

import pytest
from openpyxl import Workbook

from kpi_xl.metrics.api import compute_metrics
from kpi_xl.metrics.errors import MetricsError

MSG = ["时间", "买家", "客服", "发送方", "内容"]
ORD = ["订单号", "买家", "下单时间", "付款时间", "实付金额"]
QN = ["日期", "旺旺昵称", "有效接待人数", "当日询单人数", "销售人数", "销售额"]
CHATS = [["2025-10-01 10:00:00", "b1", "甲", "买家", "在吗"],
         ["2025-10-01 10:00:20", "b1", "甲", "客服", "在的"],
         ["2025-10-02 10:00:00", "b2", "甲", "买家", "有货吗"],
         ["2025-10-02 10:00:40", "b2", "甲", "客服", "有"]]
ORDERS = [["o1", "b1", "2025-10-01 11:00:00", "2025-10-01 11:01:00", "120"]]


def _write(path, titles, header, rows):
    """``titles`` (lists of cells; [] a blank row) above the header, then the rows."""
    lines = [*titles, header, *rows]
    if path.suffix == ".xlsx":
        book = Workbook()
        for r, line in enumerate(lines, start=1):
            for c, value in enumerate(line, start=1):
                book.active.cell(row=r, column=c, value=value)
        book.save(path)
    else:
        with open(path, "w", newline="", encoding="utf-8-sig") as fh:
            csv.writer(fh).writerows(lines)
    return path


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_chats_and_orders_below_title_rows(tmp_path, suffix):
    """甲 answers b1 after 20 s and b2 after 40 s; b1 pays 120.  By hand: receptions 2,
    inquiries 2, buyers 1, conversion 50 %, sales 120, first response (20 + 40) / 2 = 30 s."""
    chats = _write(tmp_path / f"chats{suffix}", [["客服聊天记录 2025-10"], []], MSG, CHATS)
    orders = _write(tmp_path / f"orders{suffix}",
                    [["订单报表"], ["导出时间", "2025-11-01 09:00"], []], ORD, ORDERS)
    row = compute_metrics([chats, orders], shop="S").agents.iloc[0]
    assert (row["agent"], row["receptions"], row["inquiries"], row["buyers"]) == ("甲", 2, 2, 1)
    assert (row["conversion"], row["sales"], row["first_response_s"]) == (0.5, 120, 30)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_platform_report_below_title_rows(tmp_path, suffix):
    """小王: inquiries 80 + 40 = 120, buyers 32 + 8 = 40, sales 3,200 + 1,600 = 4,800."""
    report = _write(tmp_path / f"千牛{suffix}", [["客服绩效报表 2025-10"], []], QN, [
        ["2025-10-01", "小王", 100, 80, 32, 3200], ["2025-10-02", "小王", 50, 40, 8, 1600]])
    row = compute_metrics([report], shop="S").agents.iloc[0]
    assert (row["agent"], row["inquiries"], row["buyers"], row["sales"]) == ("小王", 120, 40, 4800)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_rows_named_are_the_files_rows(tmp_path, suffix):
    # Two title rows and a blank one: the header is row 4, o2 (no amount) row 6.
    chats = _write(tmp_path / f"chats{suffix}", [], MSG, CHATS)
    orders = _write(tmp_path / f"orders{suffix}", [["订单报表"], ["2025-10"], []], ORD,
                    ORDERS + [["o2", "b2", "2025-10-02 11:00:00", "2025-10-02 11:01:00", "abc"]])
    with pytest.raises(MetricsError, match=r"orders\.(xlsx|csv), column '实付金额': row 6 "
                                           r"\('abc'\) is not an amount"):
        compute_metrics([chats, orders], shop="S")
    report = _write(tmp_path / f"千牛{suffix}", [["客服绩效报表"], []], QN, [
        ["2025-10-01", "小王", 100, 80, 32, 3200], ["2025-10-32", "小王", 50, 40, 8, 1600]])
    with pytest.raises(MetricsError, match=r"column '日期': row 5 \('2025-10-32'\) is not a date"):
        compute_metrics([report], shop="S")
