"""Times as the shops export them: day-first dates, UTC offsets, dates without a year, and a
date and a time in two columns.  Each used to be read by guessing value by value (a
day-first 05-10-2025 became 10 May while 13-10-2025 became 13 October), to crash with a
traceback, or to be dated today — all but the crash with exit status 0."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kpi_xl.cli import main
from kpi_xl.metrics.api import compute_metrics
from kpi_xl.metrics.errors import MetricsError

MSG = ["时间", "买家", "客服", "发送方", "内容"]
ORD = ["订单号", "买家", "下单时间", "付款时间", "实付金额"]


def _csv(path, header, rows):
    pd.DataFrame(rows, columns=header).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _agent(result, name):
    rows = result.agents[result.agents["agent"] == name]
    assert len(rows) == 1, result.agents
    return rows.iloc[0]


def _refused(tmp_path, capsys, *files, month=None):
    """Run the command line; it must stop with a sentence (no traceback, no workbook)."""
    out = tmp_path / "metrics.xlsx"
    args = ["metrics", *map(str, files), "--shop", "S", "-o", str(out)]
    rc = main(args + (["--month", month] if month else []))
    err = capsys.readouterr().err
    assert rc == 1 and err.startswith("Error: ") and "Traceback" not in err
    assert not out.exists()
    return err


def _two_buyers(tmp_path, b1_day, b2_day):
    """b1 and b2 each write to amy at 10:00 (answered at 10:01) and pay 100 at 11:00 that day."""
    m = _csv(tmp_path / "m.csv", MSG, [
        [f"{b1_day} 10:00", "b1", "amy", "买家", "hi"], [f"{b1_day} 10:01", "b1", "amy", "客服", "hello"],
        [f"{b2_day} 10:00", "b2", "amy", "买家", "hi"], [f"{b2_day} 10:01", "b2", "amy", "客服", "hello"]])
    o = _csv(tmp_path / "o.csv", ORD, [
        ["o1", "b1", f"{b1_day} 11:00", f"{b1_day} 11:05", "100"],
        ["o2", "b2", f"{b2_day} 11:00", f"{b2_day} 11:05", "100"]])
    return m, o


@pytest.mark.parametrize("b1_day, b2_day", [
    ("05-10-2025", "13-10-2025"),    # day first (Shopee, AliExpress): 13 > 12 decides
    ("10-05-2025", "10-13-2025"),    # month first: 13 > 12 decides
])
def test_the_order_of_day_and_month_is_one_per_column(tmp_path, b1_day, b2_day):
    # Both days are in October 2025: receptions 2, inquiries 2, buyers 2, sales
    # 100 + 100 = 200, first response 60 s.  (Guessed per value, 05-10-2025 was 10 May: one
    # reception and 100 in October.)
    m, o = _two_buyers(tmp_path, b1_day, b2_day)
    out = tmp_path / "metrics.xlsx"
    assert main(["metrics", str(m), str(o), "--shop", "S", "--month", "2025-10",
                 "-o", str(out)]) == 0
    sheet = pd.read_excel(out, sheet_name="全部指标")
    assert len(sheet) == 1
    a = sheet.iloc[0]
    assert a["月份"] == "2025-10"
    assert (a["接待人数"], a["询单人数"], a["成交人数"], a["销售额"]) == (2, 2, 2, 200)
    assert a["首次响应(秒)"] == 60
    orders = pd.read_excel(out, sheet_name="订单归属", dtype=str).set_index("订单号")
    assert orders.loc["o1", "下单时间"].startswith("2025-10-05 11:00")
    assert orders.loc["o2", "下单时间"].startswith("2025-10-13 11:00")


def test_a_column_where_no_date_tells_the_order_is_refused(tmp_path, capsys):
    # 05-10-2025 and 06-10-2025: 5 October or 10 May?  Nothing in the column says.
    m, o = _two_buyers(tmp_path, "05-10-2025", "06-10-2025")
    err = _refused(tmp_path, capsys, m, o)
    assert "m.csv, column '时间'" in err and "row 2 ('05-10-2025 10:00')" in err
    assert "day-month or month-day" in err and "give the order with --date-order dmy" in err


@pytest.mark.parametrize("order, months", [
    # dmy: 5 and 6 October; each of b1, b2 pays 100 that day at 11:00 after 甲's reply.
    ("dmy", {"2025-10": (2, 2, 2, 200)}),
    # mdy: 10 May and 10 June, one buyer and 100 in each month.
    ("mdy", {"2025-05": (1, 1, 1, 100), "2025-06": (1, 1, 1, 100)}),
])
def test_date_order_reads_a_column_where_no_date_tells(tmp_path, order, months):
    m, o = _two_buyers(tmp_path, "05-10-2025", "06-10-2025")
    out = tmp_path / "metrics.xlsx"
    assert main(["metrics", str(m), str(o), "--shop", "S", "--date-order", order,
                 "-o", str(out)]) == 0
    sheet = pd.read_excel(out, sheet_name="全部指标")
    got = {r["月份"]: (r["接待人数"], r["询单人数"], r["成交人数"], r["销售额"])
           for _, r in sheet.iterrows()}
    assert got == months


def test_date_order_against_the_columns_dates_is_refused(tmp_path, capsys):
    # 13-10-2025 can only be 13 October: --date-order mdy does not fit the column.
    m, o = _two_buyers(tmp_path, "05-10-2025", "13-10-2025")
    out = tmp_path / "metrics.xlsx"
    rc = main(["metrics", str(m), str(o), "--shop", "S", "--date-order", "mdy", "-o", str(out)])
    err = capsys.readouterr().err
    assert rc == 1 and not out.exists() and "Traceback" not in err
    assert ("m.csv, column '时间': --date-order mdy reads the dates month first, but row 4 "
            "('13-10-2025 10:00'), row 5 ('13-10-2025 10:01') can only be day first") in err


def test_a_column_writing_day_first_and_month_first_is_refused(tmp_path, capsys):
    m, o = _two_buyers(tmp_path, "13-10-2025", "10-14-2025")
    err = _refused(tmp_path, capsys, m, o)
    assert "m.csv, column '时间': the dates are written day first in row 2" in err
    assert "but month first in row 4 ('10-14-2025 10:00')" in err


def _offset_files(tmp_path, chat_times, order_times):
    m = _csv(tmp_path / "m.csv", MSG, [[chat_times[0], "b1", "甲", "买家", "在吗"],
                                       [chat_times[1], "b1", "甲", "客服", "在的"]])
    o = _csv(tmp_path / "o.csv", ORD, [["o1", "b1", *order_times, "150"]])
    return m, o


@pytest.mark.parametrize("chat_times", [
    ("2025-10-01T10:00:00+08:00", "2025-10-01T10:00:12+08:00"),
    # One offset and UTC in one column: 02:00:12Z is 10:00:12 at +08:00.
    ("2025-10-01T10:00:00+08:00", "2025-10-01T02:00:12Z"),
])
def test_times_with_an_offset_are_the_shops_wall_clock(tmp_path, chat_times):
    # Question 10:00:00, reply 10:00:12 at +08:00: first response 12 s; the order at
    # 12:00 (+08:00, or written without an offset) is 2 h later, inside the 48 h window:
    # credited to 甲, sales 150, one buyer of one inquiry.
    for order_times in (("2025-10-01T12:00:00+08:00", "2025-10-01T12:01:00+08:00"),
                        ("2025-10-01 12:00:00", "2025-10-01 12:01:00")):
        r = compute_metrics(list(_offset_files(tmp_path, chat_times, order_times)), shop="S")
        a = _agent(r, "甲")
        assert (a["month"], a["first_response_s"], a["buyers"], a["sales"]) == (
            "2025-10", 12, 1, 150)
        assert r.orders["credited_agent"].tolist() == ["甲"]


def test_an_offset_keeps_the_shops_month(tmp_path):
    # 2025-11-01 00:30 at +08:00 is 31 October 16:30 in UTC; the shop's month is November.
    m, o = _offset_files(tmp_path, ("2025-11-01T00:30:00+08:00", "2025-11-01T00:30:20+08:00"),
                         ("2025-11-01T01:00:00+08:00", "2025-11-01T01:00:30+08:00"))
    a = _agent(compute_metrics([m, o], shop="S"), "甲")
    assert (a["month"], a["first_response_s"], a["sales"]) == ("2025-11", 20, 150)


@pytest.mark.parametrize("chat_times, order_times, said", [
    (("2025-10-01T02:00:00Z", "2025-10-01T02:00:12Z"), ("2025-10-01 10:30:00", ""),
     "m.csv, column '时间': the times are in UTC (row 2 ('2025-10-01T02:00:00Z')"),
    (("2025-10-01T10:00:00+08:00", "2025-10-01 10:00:12"), ("2025-10-01 10:30:00", ""),
     "m.csv, column '时间': some times give a UTC offset (row 2"),
    (("2025-10-01T10:00:00+08:00", "2025-10-01T10:00:12+09:00"), ("2025-10-01 10:30:00", ""),
     "m.csv, column '时间': the times give different UTC offsets"),
    (("2025-10-01T10:00:00+08:00", "2025-10-01T10:00:12+08:00"),
     ("2025-10-01T12:00:00+09:00", ""),
     "column '时间': UTC+08:00; "),
])
def test_times_whose_day_cannot_be_known_are_refused(tmp_path, capsys, chat_times, order_times,
                                                     said):
    m, o = _offset_files(tmp_path, chat_times, order_times)
    err = _refused(tmp_path, capsys, m, o)
    assert said in err


@pytest.mark.parametrize("when", ["10-01 10:00", "10/01 10:00:00", "Oct 1 10:00"])
def test_a_date_without_a_year_is_refused(tmp_path, capsys, when):
    m = _csv(tmp_path / "m.csv", MSG, [["2025-10-01 09:00:00", "b1", "甲", "买家", "在吗"],
                                       [when, "b1", "甲", "客服", "在的"]])
    o = _csv(tmp_path / "o.csv", ORD, [["o1", "b1", "2025-10-01 12:00:00", "", ""]])
    err = _refused(tmp_path, capsys, m, o)
    assert f"m.csv, column '时间': row 3 ({when!r}) has no year" in err


def test_a_date_and_a_time_in_two_columns_are_combined(tmp_path):
    # b1: 10:00:00 → reply 10:00:12 (12 s), buys 150 at 12:00; b2 next day: 11:00:00 →
    # 11:00:20 (20 s), no order.  甲 in October: receptions 2, inquiries 2, buyers 1,
    # conversion 1 / 2 = 50 %, sales 150, first response (12 + 20) / 2 = 16 s.
    rows = [[dt.date(2025, 10, 1), dt.time(10, 0, 0), "b1", "甲", "买家", "在吗"],
            [dt.date(2025, 10, 1), dt.time(10, 0, 12), "b1", "甲", "客服", "在的"],
            [dt.date(2025, 10, 2), dt.time(11, 0, 0), "b2", "甲", "买家", "包邮吗"],
            [dt.date(2025, 10, 2), dt.time(11, 0, 20), "b2", "甲", "客服", "包邮"]]
    header = ["日期", "时间", "买家", "客服", "发送方", "内容"]
    as_text = _csv(tmp_path / "m.csv", header, [[str(d), str(t), *x] for d, t, *x in rows])
    as_cells = tmp_path / "m.xlsx"      # real Excel date and time cells
    pd.DataFrame([[dt.datetime.combine(d, dt.time()), t, *x] for d, t, *x in rows],
                 columns=header).to_excel(as_cells, index=False)
    o = _csv(tmp_path / "o.csv", ORD, [["o1", "b1", "2025-10-01 12:00:00",
                                        "2025-10-01 12:01:00", "150"]])
    for m in (as_text, as_cells):
        a = _agent(compute_metrics([m, o], shop="S"), "甲")
        assert (a["month"], a["receptions"], a["inquiries"], a["buyers"], a["sales"]) == (
            "2025-10", 2, 2, 1, 150)
        assert a["conversion"] == pytest.approx(0.5)
        assert a["first_response_s"] == pytest.approx(16)


def test_a_time_without_a_date_is_refused(tmp_path, capsys):
    m = _csv(tmp_path / "m.csv", MSG, [["10:00:00", "b1", "甲", "买家", "在吗"],
                                       ["10:00:12", "b1", "甲", "客服", "在的"]])
    o = _csv(tmp_path / "o.csv", ORD, [["o1", "b1", "2025-10-01 12:00:00", "", ""]])
    err = _refused(tmp_path, capsys, m, o)
    assert "m.csv, column '时间': row 2 ('10:00:00'), row 3 ('10:00:12') are times without " \
           "a date" in err
    # A 日期 column with a blank day does not rescue its row.
    m2 = _csv(tmp_path / "m2.csv", ["日期", *MSG], [["2025-10-01", "10:00:00", "b1", "甲", "买家", "x"],
                                                    ["", "10:00:12", "b1", "甲", "客服", "y"]])
    with pytest.raises(MetricsError, match=r"column '日期 \+ 时间': row 3 \('10:00:12'\) is a "
                                           r"time without a date"):
        compute_metrics([m2, o], shop="S")


def _utc_run(tmp_path, capsys, chat_times, order_times, *options):
    m, o = _offset_files(tmp_path, chat_times, order_times)
    out = tmp_path / "metrics.xlsx"
    rc = main(["metrics", str(m), str(o), "--shop", "S", *options, "-o", str(out)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return rc, err, out


def test_utc_offset_moves_utc_times_into_the_shops_days(tmp_path, capsys):
    """Chats and orders in UTC: b1 writes at 2025-10-31 16:30:00Z, 甲 replies 20 s later,
    the order is placed 17:00:00Z.  At +08:00 that is 1 November 00:30 and 01:00: 甲's
    month is November, first response 20 s, buyers 1, sales 150 (in UTC it would be
    October)."""
    chats = ("2025-10-31T16:30:00Z", "2025-10-31T16:30:20Z")
    orders = ("2025-10-31T17:00:00Z", "2025-10-31T17:00:30Z")
    rc, err, out = _utc_run(tmp_path, capsys, chats, orders)
    assert rc == 1 and not out.exists()
    assert "the times are in UTC" in err and "--utc-offset +08:00" in err
    rc, err, out = _utc_run(tmp_path, capsys, chats, orders, "--utc-offset", "+08:00")
    assert rc == 0, err
    a = pd.read_excel(out, sheet_name="全部指标").iloc[0]
    assert (a["月份"], a["首次响应(秒)"], a["成交人数"], a["销售额"]) == ("2025-11", 20, 1, 150)
    orders_sheet = pd.read_excel(out, sheet_name="订单归属", dtype=str)
    assert orders_sheet["下单时间"].iloc[0].startswith("2025-11-01 01:00:00")


def test_utc_offset_puts_two_offsets_on_the_shops_clock(tmp_path, capsys):
    """10:00:00+08:00 and 11:00:12+09:00 are 12 s apart: at the shop's +08:00, the question
    at 10:00:00 and the reply at 10:00:12 — first response 12 s; the order 12:00+09:00 is
    11:00 at +08:00, in the window: buyers 1, sales 150."""
    chats = ("2025-10-01T10:00:00+08:00", "2025-10-01T11:00:12+09:00")
    orders = ("2025-10-01T12:00:00+09:00", "2025-10-01T12:01:00+09:00")
    rc, err, _ = _utc_run(tmp_path, capsys, chats, orders)
    assert rc == 1 and "different UTC offsets" in err and "--utc-offset" in err
    rc, err, out = _utc_run(tmp_path, capsys, chats, orders, "--utc-offset=+8")
    assert rc == 0, err
    a = pd.read_excel(out, sheet_name="全部指标").iloc[0]
    assert (a["首次响应(秒)"], a["成交人数"], a["销售额"]) == (12, 1, 150)


@pytest.mark.parametrize("text, minutes", [
    ("+08:00", 480), ("+8", 480), ("UTC+8", 480), ("+0530", 330), ("-05:00", -300), ("Z", 0)])
def test_utc_offset_spellings(text, minutes):
    from kpi_xl.metrics.times import Clock
    assert Clock.from_options(utc_offset=text).utc_offset == minutes


@pytest.mark.parametrize("text", ["+15:00", "8 hours", "+08:75"])
def test_a_utc_offset_that_is_none_is_refused(tmp_path, capsys, text):
    m, o = _two_buyers(tmp_path, "2025-10-05", "2025-10-06")
    err = _refused(tmp_path, capsys, m, o, "--utc-offset=" + text)
    assert f"--utc-offset {text!r} is not a UTC offset" in err
