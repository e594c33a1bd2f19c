"""Every rule of the raw-data metrics on small examples worked by hand."""
import math

import pandas as pd
import pytest

from kpi_xl.metrics.errors import MetricsError, RulesError
from kpi_xl.metrics.raw import compute_raw, prepare_messages, prepare_orders
from kpi_xl.metrics.rules import Rules, load_rules


def msgs(rows):
    return prepare_messages(pd.DataFrame(rows, columns=["时间", "买家", "客服", "发送方", "内容"]))


def orders(rows):
    return prepare_orders(pd.DataFrame(rows, columns=["订单号", "买家", "下单时间", "付款时间",
                                                      "实付金额", "退款金额"]))


def agent(result, name):
    rows = result.agents[result.agents["agent"] == name]
    assert len(rows) == 1, result.agents
    return rows.iloc[0]


def order(result, oid):
    return result.orders.set_index("order_id").loc[oid]


def test_response_runs_first_and_average():
    # Two runs of buyer messages: 10:00:00 → reply 10:00:20 (20 s);
    # 10:01:00 and 10:01:30 form one run, answered 10:02:30 (90 s from its first message).
    r = compute_raw(msgs([
        ["2025-10-01 10:00:00", "b1", "A", "买家", "在吗"],
        ["2025-10-01 10:00:20", "b1", "A", "客服", "在的"],
        ["2025-10-01 10:01:00", "b1", "A", "买家", "有货吗"],
        ["2025-10-01 10:01:30", "b1", "A", "买家", "?"],
        ["2025-10-01 10:02:30", "b1", "A", "客服", "有"],
    ]), orders([]))
    a = agent(r, "A")
    assert a["first_response_s"] == 20
    assert a["avg_response_s"] == 55
    assert a["receptions"] == 1 and a["reply_rate"] == 1


def test_reply_is_same_day_and_unanswered_stays_missing():
    # The reply comes the next day: another reception; the first one is unanswered.
    r = compute_raw(msgs([
        ["2025-10-01 22:00:00", "b1", "A", "买家", "在吗"],
        ["2025-10-02 08:00:00", "b1", "A", "客服", "在的"],
    ]), orders([]))
    a = agent(r, "A")
    assert a["receptions"] == 1 and a["answered"] == 0 and a["reply_rate"] == 0
    assert math.isnan(a["first_response_s"]) and math.isnan(a["avg_response_s"])


def test_excluded_hours_leave_out_night_intervals():
    rows = [
        ["2025-10-01 08:50:00", "b1", "A", "买家", "在吗"],
        ["2025-10-01 09:10:00", "b1", "A", "客服", "在的"],      # 1,200 s, asked at night
        ["2025-10-01 10:00:00", "b1", "A", "买家", "包邮吗"],
        ["2025-10-01 10:00:30", "b1", "A", "客服", "包邮"],      # 30 s
    ]
    plain = agent(compute_raw(msgs(rows), orders([])), "A")
    assert plain["first_response_s"] == 1200 and plain["avg_response_s"] == 615
    night = agent(compute_raw(msgs(rows), orders([]),
                              Rules(response_excluded_hours=("23:00", "09:00"))), "A")
    assert night["first_response_s"] == 30 and night["avg_response_s"] == 30
    assert night["reply_rate"] == 1


def test_spam_buyer_day_left_out_and_listed():
    r = compute_raw(msgs([
        ["2025-10-01 10:00:00", "ad1", "A", "买家", "加微信 xyz 有好货"],
        ["2025-10-01 10:05:00", "ad1", "A", "买家", "http://t.cn/abc"],
        ["2025-10-01 10:06:00", "ad1", "A", "客服", "?"],
        ["2025-10-02 10:00:00", "ad1", "A", "买家", "这个有货吗"],      # a normal day
        ["2025-10-01 11:00:00", "b2", "A", "买家", "加微信吗？在吗"],   # one normal-looking msg
        ["2025-10-01 11:00:00", "b2", "A", "买家", "这件有L码吗"],
        ["2025-10-01 12:00:00", "blk", "A", "买家", "在吗"],
    ]), orders([]), Rules(block_list=("blk",)))
    assert r.spam[["buyer", "day"]].values.tolist() == [["ad1", "2025-10-01"],
                                                         ["blk", "2025-10-01"]]
    assert set(r.spam["reason"]) == {"every buyer message matches an ad pattern", "block list"}
    # Left: ad1 on 10-02 and b2 on 10-01; none answered.
    a = agent(r, "A")
    assert a["receptions"] == 2 and a["answered"] == 0


def test_last_agent_credited_first_agent_rule_and_assists():
    m = msgs([
        ["2025-10-01 06:00:00", "b1", "A", "买家", "有货吗"],
        ["2025-10-01 06:00:10", "b1", "A", "客服", "有"],
        ["2025-10-02 11:00:00", "b1", "B", "买家", "能便宜吗"],
        ["2025-10-02 11:00:05", "b1", "B", "客服", "可以"],
    ])
    o = orders([["o1", "b1", "2025-10-02 12:00:00", "2025-10-02 12:10:00", "200", ""]])
    last = compute_raw(m, o)
    assert order(last, "o1")["credited_agent"] == "B"
    assert order(last, "o1")["assist_order"] == "A"
    assert agent(last, "B")["sales"] == 200 and agent(last, "B")["buyers"] == 1
    assert agent(last, "A")["assist_order_buyers"] == 1 and agent(last, "A")["sales"] == 0
    # The assist does not lower A's conversion: b1 is not one of A's inquiries ...
    assert agent(last, "A")["inquiries"] == 0
    # ... unless the shop counts assists in inquiries.
    counted = compute_raw(m, o, Rules(assists_in_inquiries=True))
    assert agent(counted, "A")["inquiries"] == 1
    first = compute_raw(m, o, Rules(credit="first"))
    assert order(first, "o1")["credited_agent"] == "A"
    assert order(first, "o1")["assist_order"] == "B"
    # A 24 h window leaves A (30 h before the order) out altogether.
    day = compute_raw(m, o, Rules(attribution_window_hours=24))
    assert order(day, "o1")["credited_agent"] == "B" and order(day, "o1")["assist_order"] == ""


@pytest.mark.parametrize("when, credited", [
    ("2025-10-01 12:00:00", "A"),    # exactly 48 h before: inside (both ends included)
    ("2025-10-01 11:59:59", ""),     # one second more: outside, the order is silent
])
def test_window_edges(when, credited):
    r = compute_raw(msgs([[when, "b1", "A", "买家", "有货吗"]]),
                    orders([["o1", "b1", "2025-10-03 12:00:00", "2025-10-03 12:01:00", "50", ""]]))
    assert order(r, "o1")["credited_agent"] == credited
    assert order(r, "o1")["silent"] == (credited == "")


def test_message_at_the_order_time_is_inside():
    r = compute_raw(msgs([["2025-10-03 12:00:00", "b1", "A", "买家", "拍了"]]),
                    orders([["o1", "b1", "2025-10-03 12:00:00", "", "", ""]]))
    assert order(r, "o1")["credited_agent"] == "A"
    a = agent(r, "A")
    assert a["orders"] == 1 and a["paid_orders"] == 0 and a["buyers"] == 0


def test_follow_up_after_the_order_before_payment():
    r = compute_raw(msgs([
        ["2025-10-02 10:00:00", "b1", "A", "买家", "有货吗"],
        ["2025-10-02 13:00:00", "b1", "C", "买家", "改地址"],      # after the order, before payment
        ["2025-10-02 15:00:00", "b1", "D", "买家", "发货了吗"],    # after payment: nothing
    ]), orders([["o1", "b1", "2025-10-02 12:00:00", "2025-10-02 14:00:00", "80", ""]]))
    o = order(r, "o1")
    assert (o["credited_agent"], o["assist_order"], o["assist_follow"]) == ("A", "", "C")
    assert agent(r, "C")["assist_follow_buyers"] == 1
    assert agent(r, "D")["assist_follow_buyers"] == 0
    # C's reception comes after b1's order, so it is no inquiry.
    assert agent(r, "C")["inquiries"] == 0 and agent(r, "A")["inquiries"] == 1


def test_payment_time_credit():
    m = msgs([["2025-10-02 13:00:00", "b1", "C", "买家", "改地址"]])
    o = orders([["o1", "b1", "2025-10-02 12:00:00", "2025-10-02 14:00:00", "80", ""]])
    assert order(compute_raw(m, o), "o1")["silent"]
    paid = compute_raw(m, o, Rules(credit_time="paid"))
    assert order(paid, "o1")["credited_agent"] == "C"


def test_silent_orders_and_silent_aov():
    r = compute_raw(msgs([["2025-10-02 10:00:00", "b1", "A", "买家", "有货吗"]]), orders([
        ["o1", "b1", "2025-10-02 12:00:00", "2025-10-02 12:01:00", "300", ""],
        ["o2", "s1", "2025-10-05 12:00:00", "2025-10-05 12:01:00", "100", ""],
        ["o3", "s2", "2025-10-06 12:00:00", "2025-10-06 12:01:00", "60", ""],
        ["o4", "s2", "2025-10-07 12:00:00", "2025-10-07 12:01:00", "40", ""],
    ]))
    shop = r.shops.iloc[0]
    assert shop["silent_orders"] == 3 and shop["silent_buyers"] == 2
    assert shop["silent_sales"] == 200 and shop["silent_aov"] == 100
    assert shop["shop_sales"] == 500 and shop["shop_buyers"] == 3
    assert shop["shop_aov"] == pytest.approx(500 / 3)
    assert agent(r, "A")["aov"] == 300


def test_refunds_subtracted_or_ignored():
    m = msgs([["2025-10-02 10:00:00", "b1", "A", "买家", "有货吗"]])
    o = orders([["o1", "b1", "2025-10-02 12:00:00", "2025-10-02 12:01:00", "1,200.50", "200.5"]])
    assert agent(compute_raw(m, o), "A")["sales"] == 1000
    assert agent(compute_raw(m, o), "A")["returns"] == 1
    assert agent(compute_raw(m, o, Rules(refunds="ignore")), "A")["sales"] == 1200.5


def test_two_agents_one_buyer_same_day():
    r = compute_raw(msgs([
        ["2025-10-02 10:00:00", "b1", "A", "买家", "在吗"],
        ["2025-10-02 10:00:30", "b1", "A", "客服", "在"],
        ["2025-10-02 11:00:00", "b1", "B", "买家", "尺码"],
        ["2025-10-02 11:01:00", "b1", "B", "客服", "M"],
    ]), orders([["o1", "b1", "2025-10-02 12:00:00", "2025-10-02 12:01:00", "99", ""]]))
    a, b = agent(r, "A"), agent(r, "B")
    assert a["receptions"] == 1 and b["receptions"] == 1
    assert a["first_response_s"] == 30 and b["first_response_s"] == 60
    assert (b["buyers"], b["inquiries"], b["conversion"]) == (1, 1, 1.0)
    assert (a["buyers"], a["inquiries"], a["assist_order_buyers"]) == (0, 0, 1)
    assert r.orders["credited_agent"].tolist() == ["B"]


def test_month_filter_and_orders_month():
    r = compute_raw(msgs([["2025-09-30 23:00:00", "b1", "A", "买家", "在吗"]]),
                    orders([["o1", "b1", "2025-10-01 01:00:00", "2025-10-01 01:05:00", "10", ""]]),
                    month="2025-10")
    # The September reception credits the October order; the reception counts in September.
    assert r.orders["credited_agent"].tolist() == ["A"]
    a = agent(r, "A")
    assert a["receptions"] == 0 and a["sales"] == 10


def test_bad_input_sentences():
    with pytest.raises(MetricsError, match=r"column '时间': row 3 \('yesterday'\)"):
        msgs([["2025-10-01 10:00:00", "b1", "A", "买家", "x"],
              ["yesterday", "b1", "A", "买家", "x"]])
    with pytest.raises(MetricsError, match="sender we know"):
        msgs([["2025-10-01 10:00:00", "b1", "A", "机器人", "x"]])
    with pytest.raises(MetricsError, match="payment time but no paid amount"):
        orders([["o1", "b1", "2025-10-02 12:00:00", "2025-10-02 12:01:00", "", ""]])
    with pytest.raises(MetricsError, match="paid before they were created"):
        orders([["o1", "b1", "2025-10-02 12:00:00", "2025-10-01 12:01:00", "5", ""]])
    with pytest.raises(MetricsError, match=r"column '退款金额': row\(s\) 2 refund more than was paid"):
        orders([["o1", "b1", "2025-10-02 12:00:00", "2025-10-02 12:01:00", "5", "6"]])
    with pytest.raises(MetricsError, match="appears more than once"):
        orders([["o1", "b1", "2025-10-02 12:00:00", "", "", ""],
                ["o1", "b2", "2025-10-02 12:00:00", "", "", ""]])


def test_rules_file(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text('attribution_window_hours = 24\ncredit = "first"\nrefunds = "ignore"\n'
                    'response_excluded_hours = ["23:00", "09:00"]\nblock_list = ["x"]\n',
                    encoding="utf-8")
    rules = load_rules(path)
    assert rules.attribution_window_hours == 24 and rules.credit == "first"
    assert rules.response_excluded_hours == ("23:00", "09:00") and rules.block_list == ("x",)
    assert rules.credit_time == "created"          # left out: the default
    (tmp_path / "bad.toml").write_text('credit = "middle"\nwindow = 3\n', encoding="utf-8")
    with pytest.raises(RulesError, match="we do not know: window"):
        load_rules(tmp_path / "bad.toml")
    (tmp_path / "bad2.toml").write_text('credit = "middle"\n', encoding="utf-8")
    with pytest.raises(RulesError, match="credit must be one of 'last', 'first'"):
        load_rules(tmp_path / "bad2.toml")
