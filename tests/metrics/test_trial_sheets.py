"""Workbooks of several sheets.  `metrics` read the first sheet only: an export whose data
follows a sheet of notes (说明) was refused, and orders kept on a second sheet beside the
chats were never read ("chat messages but no orders").  Now every sheet whose headers are
those of chats, orders or a platform report is read, each as a file of its own, named in
sentences as 'file, sheet name'; sheets of other headers are left out.  A report
workbook's 汇总 sheet (the month) beside its 明细 sheet (the days) was then refused ("no date
column", or "a month's row beside its days"): it is now checked against the days and left
out, or refused when the two disagree; `--sheet` reads the named sheets only."""
from __future__ import annotations

import re

import pandas as pd
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



def test_a_sheet_near_a_kind_we_know_is_told_what_it_lacks(tmp_path):
    """Taobao's order export written without its 订单创建时间 column: four of the five order
    headers are there (订单编号 for 订单号), so the refusal names the one missing, with the
    other headers it would be read under; a sheet near nothing we know gets no such line."""
    orders = [["订单编号", "买家会员名", "订单付款时间", "买家实际支付金额"],
              ["o1", "b1", "2025-10-01 11:01:00", 120]]
    book = _book(tmp_path / "orders.xlsx", {"说明": NOTES, "订单": orders})
    with pytest.raises(MetricsError) as refused:
        compute_metrics([book], shop="S")
    said = str(refused.value)
    assert said.endswith("Sheet '订单': headers look like orders, without a column of 下单时间 "
                         "(or 创建时间, 订单创建时间, order time, created at).")
    assert "Sheet '说明'" not in said

# A 千牛 report workbook: 明细 (days) and 汇总 (the month, one row per agent, a 合计 row and
# a rate that is not compared).  By hand, the days: 小王 receptions 100 + 50 = 150, inquiries
# 80 + 40 = 120, buyers 32 + 8 = 40, sales 3,200.50 + 1,599.75 = 4,800.25; 小李 60 + 40 = 100,
# 30 + 20 = 50, 9 + 6 = 15, 900 + 660.25 = 1,560.25.  汇总 writes 小李's sales 1,560.26: one
# fen off, within the rounding of 2 days and the month to fen ((2 + 1) × 0.005 = 0.015).
DAYS = [QN, ["2025-10-01", "小王", 100, 80, 32, 3200.5], ["2025-10-02", "小王", 50, 40, 8, 1599.75],
        ["2025-10-01", "小李", 60, 30, 9, 900], ["2025-10-02", "小李", 40, 20, 6, 660.25]]
SUM = ["旺旺昵称", "有效接待人数", "当日询单人数", "销售人数", "销售额", "询单最终付款转化率"]
SUMMARY = [SUM, ["小王", 150, 120, 40, 4800.25, "33.33%"], ["小李", 100, 50, 15, 1560.26, "30%"],
           ["合计", 250, 170, 55, 6360.51, "32.35%"]]
DATED = [["统计日期", *SUM], *(["2025-10", *row] for row in SUMMARY[1:])]


def _figures(result):
    """{agent: (receptions, inquiries, buyers, sales)} of a run's report rows."""
    return {row["agent"]: (row["receptions"], row["inquiries"], row["buyers"], row["sales"])
            for _, row in result.agents.iterrows()}


@pytest.mark.parametrize("summary", [SUMMARY, DATED], ids=["undated", "dated 2025-10"])
@pytest.mark.parametrize("month", [[], ["--month", "2025-10"]], ids=["", "--month"])
def test_a_summary_sheet_that_agrees_with_its_days_is_checked_and_left_out(
        tmp_path, capsys, summary, month):
    book = _book(tmp_path / "千牛_10月.xlsx", {"明细": DAYS, "汇总": summary})
    out = tmp_path / "m.xlsx"
    assert main(["metrics", str(book), "-o", str(out), "--shop", "S", *month]) == 0
    err = capsys.readouterr().err
    assert err.count("Note:") == 1
    assert (f"Note: {book}: sheet '汇总' (the month of 2 agent(s)) agrees with the sums of the "
            "days of sheet '明细' (有效接待人数, 当日询单人数, 销售人数, 销售额); it was checked and "
            "left out, the days read.") in err
    days = {"小王": (150, 120, 40, 4800.25), "小李": (100, 50, 15, 1560.25)}
    assert _figures(compute_metrics([book], shop="S")) == days
    alone = _book(tmp_path / "明细.xlsx", {"明细": DAYS})
    assert _figures(compute_metrics([alone], shop="S")) == days
    sheet = pd.read_excel(out, sheet_name="客服月度指标")
    assert sorted(zip(sheet["客服"], sheet["月份"], sheet["成交人数"])) == [
        ("小李", "2025-10", 15), ("小王", "2025-10", 40)]


@pytest.mark.parametrize("month", [[], ["--month", "2025-10"]], ids=["", "--month"])
def test_a_summary_sheet_one_buyer_off_is_refused(tmp_path, capsys, month):
    bad = [SUM, ["小王", 150, 120, 41, 4800.25, "34.17%"], ["小李", 100, 50, 15, 1560.25, "30%"]]
    book = _book(tmp_path / "千牛_10月.xlsx", {"明细": DAYS, "汇总": bad})
    out = tmp_path / "m.xlsx"
    assert main(["metrics", str(book), "-o", str(out), "--shop", "S", *month]) != 0
    err = capsys.readouterr().err
    assert (f"{book}: sheet '汇总' and the days of sheet '明细' disagree: agent '小王', 2025-10, "
            "column '销售人数' is 41 on sheet '汇总' (sheet '汇总' row 2) but 40 summed over the "
            "days (sheet '明细' rows 2, 3)") in err
    assert "Traceback" not in err and not out.exists()


def test_a_summary_amount_past_rounding_is_refused(tmp_path):
    """小李's sales 1,560.30 on 汇总: 0.05 from the days' 1,560.25, past 0.015."""
    bad = [SUM, ["小王", 150, 120, 40, 4800.25, "33.33%"], ["小李", 100, 50, 15, 1560.3, "30%"]]
    book = _book(tmp_path / "千牛.xlsx", {"明细": DAYS, "汇总": bad})
    with pytest.raises(MetricsError, match=r"agent '小李', 2025-10, column '销售额' is 1,560.30 on "
                                           r"sheet '汇总' \(sheet '汇总' row 3\) but 1,560.25 summed "
                                           r"over the days \(sheet '明细' rows 4, 5\)"):
        compute_metrics([book], shop="S")


def test_a_summary_sheet_without_an_agent_of_the_days_is_refused(tmp_path):
    """汇总 lacks 小李, whose days hold 50 inquiries: the sheets disagree."""
    book = _book(tmp_path / "千牛.xlsx", {"明细": DAYS, "汇总": SUMMARY[:2]})
    with pytest.raises(MetricsError, match=r"agent '小李', 2025-10, column '有效接待人数' is 0 on "
                                           r"sheet '汇总' \(no row on '汇总'\) but 100 summed"):
        compute_metrics([book], shop="S")


def test_a_sheet_of_other_agents_without_dates_still_needs_its_month(tmp_path):
    """A sheet without dates whose agents are not those of the days is no summary of them:
    its month is not theirs, and is asked for as before."""
    other = [SUM, ["小张", 10, 8, 2, 100, "25%"]]
    book = _book(tmp_path / "千牛.xlsx", {"明细": DAYS, "其他": other})
    with pytest.raises(MetricsError, match=r"sheet '其他': the report has no date column.*"
                                           r"give it with --month"):
        compute_metrics([book], shop="S")


def test_sheet_option_reads_the_named_sheets_only(tmp_path, capsys):
    book = _book(tmp_path / "千牛_10月.xlsx", {"明细": DAYS, "汇总": SUMMARY})
    out = tmp_path / "m.xlsx"
    # The summary alone: its own figures, 小李's sales 1,560.26 as 汇总 writes them.
    assert main(["metrics", str(book), "-o", str(out), "--shop", "S", "--sheet", "汇总",
                 "--month", "2025-10"]) == 0
    assert f"{book}, sheet '汇总': read as 淘宝/千牛 客服绩效明细." in capsys.readouterr().out
    assert _figures(compute_metrics([book], shop="S", month="2025-10", sheets=["汇总"])) == {
        "小王": (150, 120, 40, 4800.25), "小李": (100, 50, 15, 1560.26)}
    # Both, repeated or comma-separated: the summary checked as without --sheet.
    for sheets in (["--sheet", "明细", "--sheet", "汇总"], ["--sheet", "明细,汇总"]):
        assert main(["metrics", str(book), "-o", str(out), "--shop", "S", *sheets]) == 0
        assert capsys.readouterr().err.count("checked and left out") == 1


@pytest.mark.parametrize("names, said", [
    (["合计"], r"千牛\.xlsx has no sheet named by --sheet \('合计'\); its sheets are '明细', '汇总'\."),
    (["明细,汇总x"], r"--sheet names '汇总x', which no workbook of the inputs holds \(their "
                    r"sheets: .*千牛\.xlsx: '明细', '汇总'\)\.")])
def test_a_sheet_option_naming_no_sheet_is_refused(tmp_path, capsys, names, said):
    book = _book(tmp_path / "千牛.xlsx", {"明细": DAYS, "汇总": SUMMARY})
    assert main(["metrics", str(book), "-o", str(tmp_path / "m.xlsx"), "--sheet", *names]) != 0
    assert re.search(said, capsys.readouterr().err)
