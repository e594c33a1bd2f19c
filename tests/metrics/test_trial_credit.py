"""Credit rules (落实 / 协助 / 静默) on files written by hand, through the command line and the
library: the figures each test asserts are worked out in its comments from DOMAIN.md."""
from __future__ import annotations

import pandas as pd
import pytest

from kpi_xl.cli import main
from kpi_xl.metrics.api import compute_metrics

MSG = ["时间", "买家", "客服", "发送方", "内容"]
ORD = ["订单号", "买家", "下单时间", "付款时间", "实付金额"]


def _csv(path, header, rows):
    pd.DataFrame(rows, columns=header).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _chat(rows, when, buyer, agent, text="在吗"):
    """A buyer message and the agent's reply 10 s later."""
    rows.append([when, buyer, agent, "买家", text])
    rows.append([str(pd.Timestamp(when) + pd.Timedelta(seconds=10)), buyer, agent, "客服", "在的"])


def _agent(result, name):
    rows = result.agents[result.agents["agent"] == name]
    assert len(rows) == 1, result.agents
    return rows.iloc[0]


def test_an_assist_on_an_unpaid_order_stays_an_inquiry(tmp_path):
    # b1: A at 10:00, B at 11:00, an order at 12:00 never paid -> credited to B (the last
    #     agent of the window); A is in the window, but b1 did not pay: no assist.
    # b2: only A, paid 100 -> credited to A.
    # b3: A at 10:00, B at 11:00, paid 100 -> credited to B; A assisted a paying buyer.
    # DOMAIN: an assist is a buyer who PAID but was credited to another agent; only such
    # a buyer leaves the agent's inquiries.  A: inquiries b1, b2 = 2 (b3 is an assist),
    # buyers b2 = 1, conversion 1 / 2 = 50 %, assists 1.  (Counting b1 as an assist gave
    # 1 inquiry and 100 %.)  B: inquiries b1, b3 = 2, buyers b3 = 1, conversion 50 %.
    rows: list = []
    _chat(rows, "2025-10-01 10:00:00", "b1", "A")
    _chat(rows, "2025-10-01 11:00:00", "b1", "B")
    _chat(rows, "2025-10-02 10:00:00", "b2", "A")
    _chat(rows, "2025-10-03 10:00:00", "b3", "A")
    _chat(rows, "2025-10-03 11:00:00", "b3", "B")
    m = _csv(tmp_path / "m.csv", MSG, rows)
    o = _csv(tmp_path / "o.csv", ORD, [
        ["o1", "b1", "2025-10-01 12:00:00", "", ""],
        ["o2", "b2", "2025-10-02 12:00:00", "2025-10-02 12:01:00", "100"],
        ["o3", "b3", "2025-10-03 12:00:00", "2025-10-03 12:01:00", "100"]])
    r = compute_metrics([m, o], shop="S")
    a, b = _agent(r, "A"), _agent(r, "B")
    assert (a["inquiries"], a["buyers"], a["assist_order_buyers"]) == (2, 1, 1)
    assert a["conversion"] == pytest.approx(0.5)
    assert (b["inquiries"], b["buyers"], b["orders"], b["paid_orders"]) == (2, 1, 2, 1)
    assert b["conversion"] == pytest.approx(0.5)
    # The workbook's fill-ready sheet shows the same.
    out = tmp_path / "metrics.xlsx"
    assert main(["metrics", str(m), str(o), "--shop", "S", "-o", str(out)]) == 0
    sheet = pd.read_excel(out, sheet_name="客服月度指标").set_index("客服")
    assert sheet.loc["A", "询单人数"] == 2 and sheet.loc["A", "成交人数"] == 1


def test_a_buyer_day_ending_in_a_paid_order_is_not_spam(tmp_path):
    # b1 sends only a product link, b2 only a 淘口令 share: both match the default ad
    # patterns (https?://), and both buy 150 that same day, 5 min later -> customers.
    # b3 mentions "vx" and buys nothing: still spam.  b4 sends a link on 10-04 and pays on
    # 10-05: the 10-04 buyer-day ends in no order, so it stays spam and o4 is silent.
    # 甲: receptions b1, b2 = 2, inquiries 2, buyers 2, sales 150 + 150 = 300, conversion
    # 100 %, first response 12 s.  (Before, b1 and b2 were spam and o1, o2 silent.)
    rows = [
        ["2025-10-01 10:00:00", "b1", "甲", "买家", "https://item.taobao.com/item.htm?id=612345678901"],
        ["2025-10-01 10:00:12", "b1", "甲", "客服", "亲，这款有货的"],
        ["2025-10-02 10:00:00", "b2", "甲", "买家", "【淘宝】https://m.tb.cn/h.5abcD 「连衣裙」点击链接直接打开"],
        ["2025-10-02 10:00:12", "b2", "甲", "客服", "亲 这款有S码"],
        ["2025-10-03 10:00:00", "b3", "甲", "买家", "我的vx是多少来着"],
        ["2025-10-03 10:00:12", "b3", "甲", "客服", "?"],
        ["2025-10-04 10:00:00", "b4", "甲", "买家", "http://t.cn/abc"],
    ]
    m = _csv(tmp_path / "m.csv", MSG, rows)
    o = _csv(tmp_path / "o.csv", ORD, [
        ["o1", "b1", "2025-10-01 10:05:00", "2025-10-01 10:06:00", "150"],
        ["o2", "b2", "2025-10-02 10:05:00", "2025-10-02 10:06:00", "150"],
        ["o4", "b4", "2025-10-05 09:00:00", "2025-10-05 09:01:00", "80"]])
    r = compute_metrics([m, o], shop="S")
    a = _agent(r, "甲")
    assert (a["receptions"], a["inquiries"], a["buyers"], a["sales"]) == (2, 2, 2, 300)
    assert a["conversion"] == 1 and a["first_response_s"] == 12
    assert r.spam[["buyer", "day"]].values.tolist() == [["b3", "2025-10-03"],
                                                         ["b4", "2025-10-04"]]
    orders = r.orders.set_index("order_id")
    assert orders.loc["o1", "credited_agent"] == "甲" and orders.loc["o2", "credited_agent"] == "甲"
    assert bool(orders.loc["o4", "silent"])
