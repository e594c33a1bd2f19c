"""Each platform's report, written with its real headers, read and added up to a month."""
import math

import pandas as pd
import pytest

from kpi_xl.metrics.api import compute_metrics
from kpi_xl.metrics.errors import MetricsError


def write(path, header, rows, encoding="utf-8-sig"):
    df = pd.DataFrame(rows, columns=header)
    if str(path).endswith(".xlsx"):
        df.to_excel(path, index=False)
    else:
        df.to_csv(path, index=False, encoding=encoding)
    return path


def row(result, agent):
    a = result.agents
    return a[a["agent"] == agent].iloc[0]


CHITU = ["日期", "客服", "接待人数", "询单人数", "询单->最终付款人数", "询单->最终付款成功率", "客单价",
         "销售额", "客服回复率", "平均响应时间", "首次响应时间", "协助跟进人数", "协助下单人数",
         "慢响应人数", "退款率"]


def test_chitu_days_to_month_gb18030(tmp_path):
    # Day 1: 10 receptions, reply rate 90 %, avg 20 s; day 2: 30 receptions, 100 %, 40 s.
    # Month: reply rate (9 + 30) / 40 = 97.5 %, avg (200 + 1200) / 40 = 35 s (a plain mean
    # of the days would give 95 % and 30 s). Conversion (2 + 9) / (8 + 12) = 55 %.
    path = write(tmp_path / "赤兔.csv", CHITU, [
        ["2025-10-01", "小美", 10, 8, 2, "25.00%", 150, 300, "90%", "20", "10", 1, 0, 1, "0%"],
        ["2025-10-02", "小美", 30, 12, 9, "75.00%", 100, 900, "100%", "40", "16", 2, 1, 0, "10%"],
    ], encoding="gb18030")
    r = compute_metrics([path])
    a = row(r, "小美")
    assert a["source"] == "赤兔 售前明细" and a["month"] == "2025-10" and a["days"] == 2
    assert (a["receptions"], a["inquiries"], a["buyers"], a["sales"]) == (40, 20, 11, 1200)
    assert a["conversion"] == pytest.approx(0.55)
    assert a["reply_rate"] == pytest.approx(0.975)
    assert a["avg_response_s"] == pytest.approx(35)
    assert a["first_response_s"] == pytest.approx((10 * 10 + 16 * 30) / 40)
    assert a["aov"] == pytest.approx(1200 / 11)
    assert (a["assist_follow_buyers"], a["assist_order_buyers"]) == (3, 1)
    assert a["refund_rate"] == pytest.approx((0 * 2 + 0.1 * 9) / 11)
    t = r.template_inputs.iloc[0]
    assert t["agent"] == "小美" and t["inquiries"] == 20 and t["buyers"] == 11
    assert math.isnan(t["orders"])      # 赤兔 has no order count: blank, never 0
    assert "赤兔 售前明细" in set(r.definitions["source"])
    # The definitions sheet of the Chinese workbook says in Chinese how the month was added up:
    # the reply rate weighted by receptions, as worked above.
    from kpi_xl.metrics import write_metrics_workbook
    from openpyxl import load_workbook
    write_metrics_workbook(r, tmp_path / "m.xlsx", lang="zh")
    said = {row[0]: row[2] for row in load_workbook(tmp_path / "m.xlsx")["指标定义"].values}
    assert said["回复率"] == "赤兔 售前明细：客服回复率 — 各天按 接待人数 加权"


def test_qianniu_report_xlsx(tmp_path):
    header = ["日期", "旺旺昵称", "旺旺分组", "有效接待人数", "当日询单人数", "销售人数", "净销售额",
              "客单价", "询单流失人数", "首次响应时长(秒)", "平均响应时长(秒)", "淘宝答问比",
              "客户满意率", "销售额", "询单最终付款转化率"]
    path = write(tmp_path / "千牛.xlsx", header, [
        ["2025-10-01", "店:阿花", "售前", 20, 10, 4, 380, 100, 6, 12, 24, "120%", "95%", 400, "40%"],
        ["2025-10-02", "店:阿花", "售前", 60, 30, 6, 500, 100, 24, 8, 16, "100%", "90%", 600, "20%"],
    ])
    a = row(compute_metrics([path]), "阿花")   # the sub-account '店:阿花' is the agent 阿花
    assert a["source"] == "淘宝/千牛 客服绩效明细"
    assert (a["receptions"], a["inquiries"], a["buyers"], a["sales"], a["net_sales"]) == \
        (80, 40, 10, 1000, 880)
    assert a["conversion"] == pytest.approx((0.4 * 10 + 0.2 * 30) / 40)   # by inquiries: 25 %
    assert a["first_response_s"] == pytest.approx((12 * 20 + 8 * 60) / 80)
    assert a["satisfaction"] == pytest.approx((0.95 * 20 + 0.9 * 60) / 80)
    assert a["aov"] == pytest.approx(100)


def test_total_and_average_rows_are_not_agents(tmp_path):
    """Exports end with rows labelled in many ways: 合计 and 汇总 were left out, while an
    average row (平均) or a total written 合 计 or 合计： became an agent of the month, with
    the team's figures, scored and paid beside the real agents."""
    header = ["日期", "旺旺昵称", "有效接待人数", "当日询单人数", "销售人数", "销售额"]
    path = write(tmp_path / "千牛.csv", header, [
        ["2025-10-01", "阿花", 20, 10, 4, 400],
        ["2025-10-01", "小美", 40, 20, 6, 600],
        ["2025-10-01", "平均", 30, 15, 5, 500],
        ["2025-10-01", "合 计", 60, 30, 10, 1000],
        ["合计：", "", 60, 30, 10, 1000],
    ])
    r = compute_metrics([path])
    assert sorted(r.agents["agent"]) == ["小美", "阿花"]
    assert row(r, "阿花")["inquiries"] == 10 and row(r, "小美")["buyers"] == 6


def test_jd_report(tmp_path):
    header = ["客服", "售前接待人数", "促成下单人数", "促成下单商品金额", "接待量", "首次平均响应时间",
              "平均响应时间", "30s应答率", "满意率", "24小时下单金额", "24小时下单转化率"]
    path = write(tmp_path / "jd.csv", header, [
        ["jd_li", 100, 20, "5,000.00", 130, "00:00:15", "25秒", "80%", "99%", 6000, "20%"],
    ])
    r = compute_metrics([path], month="2025-11")
    a = row(r, "jd_li")
    assert a["source"] == "京东 客服绩效/营销明细" and a["month"] == "2025-11"
    assert (a["receptions"], a["buyers"], a["sales"]) == (100, 20, 5000)
    assert (a["first_response_s"], a["avg_response_s"], a["answered_30s_rate"]) == (15, 25, 0.8)


def test_pdd_report_and_missing_day_stays_missing(tmp_path):
    header = ["日期", "客服账号", "客服服务分", "咨询人数", "询单人数", "最终成团人数", "询单转化率",
              "客服销售额(元)", "去退销售额(元)", "需要人工回复的咨询人数", "人工接待人数",
              "3分钟未回复人数", "3分钟人工回复率", "30秒应答率", "平均人工响应时长", "评分≤3订单数",
              "纠纷退款数", "投诉数"]
    path = write(tmp_path / "pdd.csv", header, [
        ["2025-10-01", "pdd1", "4.8", 50, 40, 10, "25%", 1000, 900, 40, 40, 2, "95%", "80%",
         "10", 0, 0, 0],
        # Sales arrive three days late: blank on the last day.
        ["2025-10-02", "pdd1", "4.9", 50, 10, 5, "50%", "", "", 10, 10, 0, "100%", "90%",
         "20", 1, 0, 0],
    ])
    a = row(compute_metrics([path]), "pdd1")
    assert a["source"] == "拼多多 客服绩效"
    assert (a["inquiries"], a["buyers"]) == (50, 15)
    assert a["conversion"] == pytest.approx(0.3)                        # 15 / 50
    assert a["reply_3min_rate"] == pytest.approx((0.95 * 40 + 1 * 10) / 50)
    assert a["avg_response_s"] == pytest.approx((10 * 40 + 20 * 10) / 50)
    assert math.isnan(a["sales"]) and math.isnan(a["net_sales"])       # never a partial 1,000
    assert a["low_rated_orders"] == 1


def test_unknown_headers_and_bad_values_are_sentences(tmp_path):
    path = write(tmp_path / "x.csv", ["名字", "分数"], [["a", 1]])
    with pytest.raises(MetricsError, match=r"x.csv: the headers \(名字, 分数\) are not those"):
        compute_metrics([path])
    path = write(tmp_path / "c.csv", CHITU[:6], [["2025-10-01", "a", 1, 2, 1, "150%"]])
    with pytest.raises(MetricsError, match=r"c.csv, column '询单->最终付款成功率': row 2 \('150%'\)"):
        compute_metrics([path])


def test_shop_aov_given_where_the_reports_have_none(tmp_path):
    # Platform reports carry no shop AOV (店铺客单价); the composite template needs one for
    # the AOV ratio. --shop-aov gives it, for every shop or per shop (the shop named by
    # --shop), and the Definitions sheet says where it came from; a shop the data does not
    # hold is refused by name.
    from kpi_xl.metrics.api import parse_shop_aov
    path = write(tmp_path / "a.csv", CHITU, [
        ["2025-10-01", "小美", 10, 8, 2, "25.00%", 150, 300, "90%", "20", "10", 1, 0, 1, "0%"],
        ["2025-10-01", "小王", 10, 8, 2, "25.00%", 150, 300, "90%", "20", "10", 1, 0, 1, "0%"]])
    plain = compute_metrics([path], shop="店铺01").template_inputs
    assert len(plain) == 2 and plain["shop_aov"].isna().all()
    every = compute_metrics([path], shop_aov=parse_shop_aov("66.3")).template_inputs
    assert list(every["shop_aov"]) == [66.3, 66.3]
    each = compute_metrics([path], shop="店铺01", shop_aov=parse_shop_aov("店铺01=¥70"))
    assert list(each.template_inputs["shop_aov"]) == [70.0, 70.0]
    assert "--shop-aov" in set(each.definitions["source"])
    with pytest.raises(MetricsError, match="店铺02"):
        compute_metrics([path], shop="店铺01", shop_aov=parse_shop_aov("店铺02=50"))
    assert parse_shop_aov("店铺01=66.3，店铺02=70") == {"店铺01": 66.3, "店铺02": 70.0}
    for bad in ("0", "-5", "abc", "=5", "店铺01=1,店铺01=2", "66,店铺01=2", ""):
        with pytest.raises(MetricsError, match="--shop-aov"):
            parse_shop_aov(bad)


def test_days_written_in_chinese(tmp_path):
    # 赤兔 and 千牛 exports in a Chinese Excel write days as 2025年10月1日.
    path = write(tmp_path / "a.csv", CHITU, [
        ["2025年10月1日", "小美", 10, 8, 2, "25.00%", 150, 300, "90%", "20", "10", 1, 0, 1, "0%"],
        ["2025年10月2日", "小美", 30, 12, 9, "75.00%", 100, 900, "100%", "40", "16", 2, 1, 0, "10%"],
    ])
    a = row(compute_metrics([path]), "小美")
    assert a["month"] == "2025-10" and a["days"] == 2 and a["receptions"] == 40


def test_more_total_labels_are_not_agents_and_agents_stay(tmp_path):
    """店铺合计, 全店合计, 团队合计, 全部, 总体, 整体 and 全部客服 rows became agents with the
    team's figures.  The rule is one of exact labels: agents named 全部小王 or 整体哥 stay."""
    header = ["日期", "旺旺昵称", "有效接待人数", "当日询单人数", "销售人数", "销售额"]
    totals = ["店铺合计", "全店合计", "团队合计", "全部", "总体", "整体", "全部客服", "Overall",
              "团队合计（3人）"]
    path = write(tmp_path / "千牛.csv", header, [
        ["2025-10-01", "阿花", 20, 10, 4, 400],
        ["2025-10-01", "全部小王", 40, 20, 6, 600],
        ["2025-10-01", "整体哥", 10, 5, 1, 100],
        *[["2025-10-01", label, 70, 35, 11, 1100] for label in totals],
    ])
    r = compute_metrics([path])
    # Three agents; 全部小王's month is its own day: inquiries 20, buyers 6, sales 600.
    assert sorted(r.agents["agent"]) == sorted(["阿花", "全部小王", "整体哥"])
    a = row(r, "全部小王")
    assert (a["inquiries"], a["buyers"], a["sales"]) == (20, 6, 600)


def test_a_day_without_receptions_has_nothing_missing(tmp_path):
    """A day with 0 receptions, exported with '-' in its rates and times, blanked the
    agent's whole month: its weight is 0, so it adds nothing and nothing of it is missing."""
    header = ["日期", "旺旺昵称", "旺旺分组", "有效接待人数", "当日询单人数", "销售人数", "销售额",
              "客单价", "首次响应时长(秒)", "平均响应时长(秒)", "客户满意率", "询单最终付款转化率"]
    days = [
        ["2025-10-01", "小王", "售前", 100, 80, 32, "3,200.00", "100.00", "1分30秒", "00:00:20",
         "95.5%", "40.00%"],
        ["2025-10-02", "小王", "售前", 0, 0, 0, 0, "-", "-", "-", "-", "-"],
        ["2025-10-03", "小王", "售前", 50, 40, 8, "1,600", "200", "10", "30", "0.9", "20%"],
    ]
    a = row(compute_metrics([write(tmp_path / "千牛.csv", header, days)]), "小王")
    # Weighted by receptions 100 + 0 + 50 = 150: first response (90 × 100 + 10 × 50) / 150
    # = 63.3 s; average response (20 × 100 + 30 × 50) / 150 = 23.3 s; satisfaction
    # (95.5 % × 100 + 90 % × 50) / 150 = 93.67 %.  AOV from the sums, 4,800 / 40 = 120.
    # Conversion weighted by inquiries 80 + 0 + 40: (40 % × 80 + 20 % × 40) / 120 = 33.3 %.
    assert a["first_response_s"] == pytest.approx(9500 / 150)
    assert a["avg_response_s"] == pytest.approx(3500 / 150)
    assert a["satisfaction"] == pytest.approx(140.5 / 150)
    assert a["aov"] == pytest.approx(120)
    assert a["conversion"] == pytest.approx(40 / 120)
    # The control: the same '-' on a day with 20 receptions is missing, and the month's
    # response times and satisfaction stay blank (an average of part of the month is not
    # the month's); the AOV, recomputed from complete sums (4,800 + 0) / (40 + 0), stays.
    days[1][3:6] = [20, 0, 0]
    b = row(compute_metrics([write(tmp_path / "千牛2.csv", header, days)]), "小王")
    assert math.isnan(b["first_response_s"]) and math.isnan(b["avg_response_s"])
    assert math.isnan(b["satisfaction"])
    assert b["aov"] == pytest.approx(120) and b["conversion"] == pytest.approx(40 / 120)
