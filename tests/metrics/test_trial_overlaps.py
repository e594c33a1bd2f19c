"""Platform exports that overlap used to be added up twice with exit status 0: one day written
2025-10-02 in one file and 2025年10月2日 in another was two days, and a row of the whole
month (2025-10, or a report without dates read with --month) was summed with the days it
already holds (小王's 120 inquiries became 240)."""
from __future__ import annotations

import csv

import pytest

from kpi_xl.metrics.api import compute_metrics
from kpi_xl.metrics.errors import MetricsError
from kpi_xl.metrics.platforms import report_day
from test_trial_inputs import _run

QN = ["日期", "旺旺昵称", "有效接待人数", "当日询单人数", "销售人数", "销售额",
      "首次响应时长(秒)", "平均响应时长(秒)"]
OCT_1 = ["2025-10-01", "小王", 100, 80, 32, 3200, 10, 20]
OCT_2 = ["2025-10-02", "小王", 50, 40, 8, 1600, 10, 30]


def _csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header] + rows)
    return path


@pytest.mark.parametrize("written", ["2025-10-02", "2025/10/2", "2025.10.02", "2025年10月2日",
                                     "2025年10月02日", "20251002", "2025-10-02 00:00:00",
                                     "45932"])
def test_one_day_is_one_key_however_written(written):
    # 45932 is the Excel serial of 2 October 2025 (1 January 1900 is 1, with Excel's 29 Feb 1900).
    assert report_day(written) == "2025-10-02"


@pytest.mark.parametrize("written", ["2025-10", "2025年10月", "202510", "2025/10", "10/2025"])
def test_a_month_is_a_month_key(written):
    assert report_day(written) == "2025-10"


def test_a_day_that_does_not_exist_is_refused(tmp_path, capsys):
    # 2025-02-30 used to be read as February (its month) and summed.
    path = _csv(tmp_path / "千牛.csv", QN, [["2025-02-30", *OCT_1[1:]]])
    rc, err, out = _run(tmp_path, capsys, path, "--shop", "S")
    assert rc == 1 and not out.exists()
    assert "column '日期': row 2 ('2025-02-30') is not a date." in err


def test_the_same_day_spelled_two_ways_is_refused(tmp_path, capsys):
    a = _csv(tmp_path / "千牛_a.csv", QN, [OCT_1, OCT_2])
    b = _csv(tmp_path / "千牛_b.csv", QN, [["2025年10月2日", *OCT_2[1:]]])
    rc, err, out = _run(tmp_path, capsys, a, b, "--shop", "S")
    assert rc == 1 and not out.exists()
    assert "agent '小王', day 2025-10-02, is given more than once (" in err
    assert "千牛_a.csv row 3; " in err and "千牛_b.csv row 2)" in err


def test_days_spelled_two_ways_that_do_not_overlap_add_up(tmp_path):
    """The control: 1 and 2 October in one file, 3 October as 2025年10月3日 in another.
    Inquiries 80 + 40 + 40 = 160, buyers 32 + 8 + 8 = 48, sales 3,200 + 1,600 + 1,600 =
    6,400; first response (10×100 + 10×50 + 10×50) ÷ 200 = 10 s, average response
    (20×100 + 30×50 + 30×50) ÷ 200 = 25 s; 3 days."""
    a = _csv(tmp_path / "千牛_a.csv", QN, [OCT_1, OCT_2])
    b = _csv(tmp_path / "千牛_b.csv", QN, [["2025年10月3日", *OCT_2[1:]]])
    row = compute_metrics([a, b], shop="S").agents.iloc[0]
    assert (row["month"], row["days"], row["inquiries"], row["buyers"], row["sales"]) == (
        "2025-10", 3, 160, 48, 6400)
    assert row["first_response_s"] == pytest.approx(10)
    assert row["avg_response_s"] == pytest.approx(25)


def test_a_month_row_beside_its_days_is_refused(tmp_path, capsys):
    days = _csv(tmp_path / "千牛_days.csv", QN, [OCT_1, OCT_2])
    month = _csv(tmp_path / "千牛_month.csv", QN, [["2025-10", "小王", 150, 120, 40, 4800, 10, 23.33]])
    rc, err, out = _run(tmp_path, capsys, days, month, "--shop", "S")
    assert rc == 1 and not out.exists()
    assert ("agent '小王' has a row of the whole month 2025-10 (" in err
            and "千牛_month.csv row 2) beside rows of its days (" in err
            and "千牛_days.csv rows 2, 3)" in err)


def test_a_report_without_dates_beside_day_rows_is_refused(tmp_path, capsys):
    days = _csv(tmp_path / "千牛_days.csv", QN, [OCT_1, OCT_2])
    whole = _csv(tmp_path / "千牛_10月.csv", QN[1:], [["小王", 150, 120, 40, 4800, 10, 23.33]])
    rc, err, out = _run(tmp_path, capsys, days, whole, "--shop", "S", "--month", "2025-10")
    assert rc == 1 and not out.exists()
    assert "has a row of the whole month 2025-10 (" in err and "千牛_10月.csv row 2)" in err


def test_a_month_row_beside_days_of_another_month_or_agent_is_kept(tmp_path):
    """September as one row, October as days; and 小李's October as one row beside 小王's
    days.  小王: September 120 inquiries, October 80 + 40 = 120; 小李 October 60."""
    days = _csv(tmp_path / "千牛_days.csv", QN, [OCT_1, OCT_2])
    month = _csv(tmp_path / "千牛_month.csv", QN, [
        ["2025-09", "小王", 150, 120, 40, 4800, 10, 23.33],
        ["2025-10", "小李", 70, 60, 20, 2000, 12, 24]])
    agents = compute_metrics([days, month], shop="S").agents.set_index(["agent", "month"])
    assert agents.loc[("小王", "2025-09"), "inquiries"] == 120
    assert agents.loc[("小王", "2025-10"), "inquiries"] == 80 + 40
    assert agents.loc[("小李", "2025-10"), "inquiries"] == 60


def test_month_row_beside_days_by_the_api(tmp_path):
    days = _csv(tmp_path / "d.csv", QN, [OCT_1])
    month = _csv(tmp_path / "m.csv", QN, [["2025年10月", "小王", 150, 120, 40, 4800, 10, 23.33]])
    with pytest.raises(MetricsError, match="row of the whole month 2025-10"):
        compute_metrics([days, month], shop="S")


# --- one agent-month in two platforms' reports --------------------------------------------
CT = ["日期", "客服", "接待人数", "询单人数", "询单->最终付款人数", "销售额"]


def test_one_agent_month_in_a_qianniu_and_a_chitu_report_is_refused(tmp_path, capsys):
    # Before: two rows of 小王 for S 2025-10 on the fill-ready sheet, scored twice, exit 0.
    qn = _csv(tmp_path / "千牛.csv", QN[:6], [OCT_1[:6]])
    ct = _csv(tmp_path / "赤兔.csv", CT, [["2025-10-01", "小王", 100, 80, 32, 3200]])
    rc, err, out = _run(tmp_path, capsys, qn, ct, "--shop", "S")
    assert rc == 1 and not out.exists()
    assert "Agent '小王' of shop 'S', 2025-10, is given by two platform reports (" in err
    assert "淘宝/千牛 客服绩效明细 in " in err and "千牛.csv; 赤兔 售前明细 in " in err
    assert "赤兔.csv)" in err


def test_different_agents_or_months_in_two_reports_are_kept(tmp_path):
    """小王 from 千牛 and 小李 from 赤兔, and 小王's September from 赤兔: three rows of the
    fill-ready sheet, each with its own report's figures."""
    qn = _csv(tmp_path / "千牛.csv", QN[:6], [OCT_1[:6]])
    ct = _csv(tmp_path / "赤兔.csv", CT, [["2025-10-01", "小李", 60, 50, 20, 2000],
                                          ["2025-09-30", "小王", 70, 60, 30, 3000]])
    t = compute_metrics([qn, ct], shop="S").template_inputs.set_index(["agent", "month"])
    assert len(t) == 3
    assert (t.loc[("小王", "2025-10"), "inquiries"], t.loc[("小王", "2025-10"), "buyers"]) == (80, 32)
    assert (t.loc[("小李", "2025-10"), "inquiries"], t.loc[("小李", "2025-10"), "buyers"]) == (50, 20)
    assert (t.loc[("小王", "2025-09"), "inquiries"], t.loc[("小王", "2025-09"), "buyers"]) == (60, 30)


def test_two_reports_of_a_shop_month_with_chats_and_orders_are_not_refused(tmp_path):
    """The shop-month's chats and orders fill the sheet, so the reports stand only on the
    every-metric sheet.  甲 receives b1 on 1 October, who pays 100 the same day: inquiries
    1, buyers 1, sales 100."""
    qn = _csv(tmp_path / "千牛.csv", QN[:6], [OCT_1[:6]])
    ct = _csv(tmp_path / "赤兔.csv", CT, [["2025-10-01", "小王", 100, 80, 32, 3200]])
    chats = _csv(tmp_path / "chats.csv", ["时间", "买家", "客服", "发送方", "内容"], [
        ["2025-10-01 10:00:00", "b1", "甲", "买家", "在吗"],
        ["2025-10-01 10:00:10", "b1", "甲", "客服", "在"]])
    orders = _csv(tmp_path / "orders.csv", ["订单号", "买家", "下单时间", "付款时间", "实付金额"],
                  [["o1", "b1", "2025-10-01 11:00:00", "2025-10-01 11:01:00", "100"]])
    result = compute_metrics([qn, ct, chats, orders], shop="S")
    t = result.template_inputs
    assert list(t["agent"]) == ["甲"]
    assert (t["inquiries"].iloc[0], t["buyers"].iloc[0], t["sales"].iloc[0]) == (1, 1, 100)
    assert sorted(result.agents["source"]) == ["淘宝/千牛 客服绩效明细", "聊天记录+订单", "赤兔 售前明细"]
