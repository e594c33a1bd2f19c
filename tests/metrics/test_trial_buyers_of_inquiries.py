"""Buyers are the inquiries who paid (DOMAIN), so a conversion cannot pass 100 %.  Before,
buyers came from the credited orders by order month and inquiries from the chats by chat
month: a buyer who wrote on 30 September and paid on 1 October, or who wrote after an
earlier order and then ordered again, was a buyer of October but none of its inquiries —
甲 showed 2 buyers of 1 inquiry, a conversion of 200 %, with exit status 0."""
from __future__ import annotations

import csv

import pytest

from kpi_xl.cli import main
from kpi_xl.metrics.api import compute_metrics
from kpi_xl.metrics.errors import MetricsError

MSG = ["时间", "买家", "客服", "发送方", "内容"]
ORD = ["订单号", "买家", "下单时间", "付款时间", "实付金额"]


def _csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header] + rows)
    return path


def _chat(when, buyer, agent="甲"):
    # The buyer writes, the agent answers 10 s later.
    answer = when[:-2] + "10"
    return [[when, buyer, agent, "买家", "在吗"], [answer, buyer, agent, "客服", "在的"]]


def _files(tmp_path):
    chats = _csv(tmp_path / "chats.csv", MSG, [
        *_chat("2025-09-10 10:00:00", "b4"),   # pays 100 the same day: September's buyer
        *_chat("2025-09-20 10:00:00", "b6"),   # orders 1 October, outside the 48 h: silent
        *_chat("2025-09-30 20:00:00", "b1"),   # orders 1 October 09:00, 13 h later: 甲's sale
        *_chat("2025-10-05 11:00:00", "b2"),   # never orders
        *_chat("2025-10-10 10:00:00", "b3"),   # after a silent order at 09:00, orders again
    ])
    orders = _csv(tmp_path / "orders.csv", ORD, [
        ["o4", "b4", "2025-09-10 11:00:00", "2025-09-10 11:01:00", "100"],
        ["o6", "b6", "2025-10-01 12:00:00", "2025-10-01 12:01:00", "60"],
        ["o1", "b1", "2025-10-01 09:00:00", "2025-10-01 09:01:00", "150"],
        ["o3a", "b3", "2025-10-10 09:00:00", "2025-10-10 09:01:00", "80"],
        ["o3b", "b3", "2025-10-10 11:00:00", "2025-10-10 11:01:00", "80"],
    ])
    return chats, orders


def _month(result, month):
    rows = result.agents[(result.agents["agent"] == "甲") & (result.agents["month"] == month)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_buyers_are_among_the_inquiries_of_their_month(tmp_path):
    """October: 甲 received b2 and b3 (receptions 2).  Inquiries: b2 (no order before), and
    the credited paying buyers b1 (o1, whose chat of 30 September is in its window) and b3
    (o3b; the chat came after o3a, so was no inquiry by itself): 3.  Buyers b1, b3 = 2:
    conversion 2 ÷ 3 = 66.7 %, sales 150 + 80 = 230, AOV 230 ÷ 2 = 115.  Before: 1 inquiry,
    2 buyers, 200 %.
    September: receptions b4, b6, b1 = 3; inquiries b4 and b6 (b1's chat led to October's
    sale and is counted there) = 2; buyers b4 = 1: 50 %, sales 100."""
    result = compute_metrics(list(_files(tmp_path)), shop="S")
    oct_ = _month(result, "2025-10")
    assert (oct_["receptions"], oct_["inquiries"], oct_["buyers"]) == (2, 3, 2)
    assert oct_["conversion"] == pytest.approx(2 / 3)
    assert (oct_["sales"], oct_["aov"]) == (230, 115)
    sep = _month(result, "2025-09")
    assert (sep["receptions"], sep["inquiries"], sep["buyers"]) == (3, 2, 1)
    assert sep["conversion"] == pytest.approx(0.5)
    assert sep["sales"] == 100
    assert (result.agents["buyers"] <= result.agents["inquiries"]).all()


def test_the_fill_ready_sheet_of_one_month(tmp_path, capsys):
    out = tmp_path / "m.xlsx"
    rc = main(["metrics", *map(str, _files(tmp_path)), "--shop", "S", "--month", "2025-10",
               "-o", str(out)])
    assert rc == 0, capsys.readouterr().err
    import pandas as pd
    sheet = pd.read_excel(out, sheet_name="客服月度指标")
    assert list(sheet["客服"]) == ["甲"]
    assert (sheet["询单人数"].iloc[0], sheet["成交人数"].iloc[0], sheet["销售额"].iloc[0]) == (3, 2, 230)


QN = ["日期", "旺旺昵称", "有效接待人数", "当日询单人数", "销售人数", "销售额"]


def test_a_report_with_more_buyers_than_inquiries_is_refused(tmp_path, capsys):
    # 千牛's 销售人数 counts every credited buyer: 40 of 30 inquiries would score 133 %.
    path = _csv(tmp_path / "千牛.csv", QN, [["2025-10-01", "小王", 50, 20, 25, 2500],
                                            ["2025-10-02", "小王", 20, 10, 15, 1500]])
    out = tmp_path / "m.xlsx"
    rc = main(["metrics", str(path), "--shop", "S", "-o", str(out)])
    err = capsys.readouterr().err
    assert rc == 1 and not out.exists() and "Traceback" not in err
    assert "千牛.csv): agent '小王' of shop 'S', 2025-10, has 40 buyers but 30 inquiries" in err
    with pytest.raises(MetricsError, match="conversion would be above 100 %"):
        compute_metrics([path], shop="S")


def test_a_report_with_as_many_buyers_as_inquiries_is_kept(tmp_path):
    # 20 + 10 = 30 buyers of 20 + 10 = 30 inquiries: 100 %, the most there can be.
    path = _csv(tmp_path / "千牛.csv", QN, [["2025-10-01", "小王", 50, 20, 20, 2500],
                                            ["2025-10-02", "小王", 20, 10, 10, 1500]])
    t = compute_metrics([path], shop="S").template_inputs
    assert (t["inquiries"].iloc[0], t["buyers"].iloc[0], t["sales"].iloc[0]) == (30, 30, 4000)
