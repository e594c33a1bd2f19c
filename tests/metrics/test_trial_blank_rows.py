"""Blank rows inside an export: a blank line of a CSV (pandas skipped it, so every row below
was named one too low: the amount 'abc' in line 4 of orders.csv was "row 3"), an empty row
of a sheet (read as a row of empty cells, refused as a time that is not a time), a line of
commas alone or of spaces.  Such rows are left out, and every sentence names a row as the
file holds it: the row Excel shows, title and header rows counted."""
from __future__ import annotations

import pytest
from openpyxl import Workbook

from kpi_xl.metrics.api import compute_metrics
from kpi_xl.metrics.errors import MetricsError

MSG = ["时间", "买家", "客服", "发送方", "内容"]
ORD = ["订单号", "买家", "下单时间", "付款时间", "实付金额"]
QN = ["日期", "旺旺昵称", "有效接待人数", "当日询单人数", "销售人数", "销售额"]
CHATS = [["2025-10-01 10:00:00", "b1", "甲", "买家", "在吗"],
         ["2025-10-01 10:00:20", "b1", "甲", "客服", "在的"],
         None,
         ["2025-10-02 10:00:00", "b2", "甲", "买家", "有货吗"],
         ["2025-10-02 10:00:40", "b2", "甲", "客服", "有"]]


def _write(path, lines):
    """``lines`` as the file's rows, from row 1: a list of cells, or None for a blank row
    (an empty line of the CSV, a row of the sheet without a cell), or a str written into
    the CSV as it is (a line of commas alone, of spaces)."""
    if path.suffix == ".xlsx":
        book = Workbook()
        for r, line in enumerate(lines, start=1):
            for c, value in enumerate(line if isinstance(line, list) else [], start=1):
                book.active.cell(row=r, column=c, value=value)
        book.save(path)
        return path
    text = []
    for line in lines:
        text.append(",".join(line) if isinstance(line, list) else (line or ""))
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_row_below_a_blank_line_is_named_as_the_file_holds_it(tmp_path, suffix):
    # Line 1 the header, line 2 o1, line 3 blank, line 4 o2 with the amount 'abc'.
    chats = _write(tmp_path / f"chats{suffix}", [MSG, *CHATS])
    orders = _write(tmp_path / f"orders{suffix}", [ORD, [
        "o1", "b1", "2025-10-01 11:00:00", "2025-10-01 11:01:00", "120"], None, [
        "o2", "b2", "2025-10-02 11:00:00", "2025-10-02 11:01:00", "abc"]])
    with pytest.raises(MetricsError, match=rf"orders\{suffix}, column '实付金额': row 4 "
                                           r"\('abc'\) is not an amount"):
        compute_metrics([chats, orders], shop="S")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_blank_rows_are_left_out_and_the_month_is_right(tmp_path, suffix):
    """The blank rows hold nothing: 甲 answers b1 after 20 s and b2 after 40 s, b1 pays
    120.  By hand: receptions 2, inquiries 2, buyers 1, sales 120, first response
    (20 + 40) / 2 = 30 s — as without the blank rows."""
    chats = _write(tmp_path / f"chats{suffix}", [MSG, *CHATS, None])
    orders = _write(tmp_path / f"orders{suffix}", [ORD, None, [
        "o1", "b1", "2025-10-01 11:00:00", "2025-10-01 11:01:00", "120"], None])
    row = compute_metrics([chats, orders], shop="S").agents.iloc[0]
    assert (row["receptions"], row["inquiries"], row["buyers"]) == (2, 2, 1)
    assert (row["sales"], row["first_response_s"]) == (120, 30)


def test_lines_of_commas_or_spaces_are_blank_rows_too(tmp_path):
    # Title in line 1, blank line 2, header line 3; data lines 4, 5 (commas), 6 (spaces), 7,
    # 8 (blank), 9: the sender 'bot' of line 9 is named row 9.
    chats = _write(tmp_path / "chats.csv", [
        ["客服聊天记录 2025-10"], None, MSG, CHATS[0], ",,,,", "   ", CHATS[1], None,
        ["2025-10-02 10:00:00", "b2", "甲", "bot", "有货吗"]])
    orders = _write(tmp_path / "orders.csv", [ORD, [
        "o1", "b1", "2025-10-01 11:00:00", "2025-10-01 11:01:00", "120"]])
    with pytest.raises(MetricsError, match=r"chats\.csv, column '发送方': row 9 \('bot'\)"):
        compute_metrics([chats, orders], shop="S")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_times_dates_and_spellings_below_blank_rows(tmp_path, suffix):
    # A time with no date in line 6, under blank line 4.
    bad_time = _write(tmp_path / f"chats_t{suffix}", [MSG, *CHATS[:2], None, CHATS[3],
                                                      ["10:00:40", "b2", "甲", "客服", "有"]])
    orders = _write(tmp_path / f"orders{suffix}", [ORD, [
        "o1", "b1", "2025-10-01 11:00:00", "2025-10-01 11:01:00", "120"]])
    with pytest.raises(MetricsError, match=r"column '时间': row 6 \('10:00:40'\) is a time "
                                           "without a date"):
        compute_metrics([bad_time, orders], shop="S")
    # A platform report's day that is no day, in line 4 under blank line 3.
    report = _write(tmp_path / f"千牛{suffix}", [QN, ["2025-10-01", "小王", "100", "80", "32",
                                                      "3200"], None,
                                                 ["2025-10-32", "小王", "50", "40", "8", "1600"]])
    with pytest.raises(MetricsError, match=r"column '日期': row 4 \('2025-10-32'\) is not a date"):
        compute_metrics([report], shop="S")
    # Agent 'Amy' of lines 2, 3 is written 'AMY' in lines 5, 6, under blank line 4.
    spelled = _write(tmp_path / f"chats_s{suffix}", [
        MSG, *[[*row[:2], "Amy", *row[3:]] for row in CHATS[:2]], None,
        *[[*row[:2], "AMY", *row[3:]] for row in CHATS[3:]]])
    problems = compute_metrics([spelled, orders], shop="S").spellings
    assert len(problems) == 1
    assert f"'Amy' in {spelled} (rows 2, 3); 'AMY' in {spelled} (rows 5, 6)" in problems[0]
