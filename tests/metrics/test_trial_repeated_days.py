"""A platform report's agent-day given twice — the same export passed twice, or two exports
whose dates overlap — used to be added up twice without a word: 甲's 150 inquiries became
250 and 5,500 yuan of sales 9,500, exit status 0."""
from __future__ import annotations

import pytest

from kpi_xl.cli import main
from kpi_xl.metrics.api import compute_metrics
from kpi_xl.metrics.errors import MetricsError

HEADER = ["日期", "旺旺昵称", "旺旺分组", "有效接待人数", "当日询单人数", "销售人数", "净销售额",
          "客单价", "询单流失人数", "首次响应时长(秒)", "平均响应时长(秒)", "淘宝答问比",
          "客户满意率", "销售额", "询单最终付款转化率"]
OCT_1 = ["2025-10-01", "店A:甲", "售前", 120, 100, 40, 4000, 100, 60, 10, 20, "120%", "98%",
         4000, "40%"]
OCT_2 = ["2025-10-02", "店A:甲", "售前", 80, 50, 10, 1500, 150, 40, 20, 40, "110%", "95%",
         1500, "20%"]


def _csv(path, rows, encoding="utf-8"):
    import csv
    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows([HEADER] + rows)
    return path


def _agent(result, name):
    rows = result.agents[result.agents["agent"] == name]
    assert len(rows) == 1
    return rows.iloc[0]


def test_two_days_add_up_by_hand(tmp_path):
    """Inquiries 100 + 50 = 150, buyers 40 + 10 = 50, sales 4,000 + 1,500 = 5,500; first
    response weighted by receptions (10 × 120 + 20 × 80) ÷ 200 = 14 s, average
    (20 × 120 + 40 × 80) ÷ 200 = 28 s."""
    # The sub-account '店A:甲' is the agent 甲 of main account 店A.
    a = _agent(compute_metrics([_csv(tmp_path / "千牛.csv", [OCT_1, OCT_2], "gbk")]), "甲")
    assert (a["inquiries"], a["buyers"], a["sales"]) == (150, 50, 5500)
    assert a["first_response_s"] == pytest.approx(14)
    assert a["avg_response_s"] == pytest.approx(28)


def test_a_day_repeated_in_one_file_is_refused(tmp_path):
    path = _csv(tmp_path / "千牛.csv", [OCT_1, OCT_2, OCT_1])
    with pytest.raises(MetricsError, match=r"agent '甲', day 2025-10-01, is given more than "
                                           r"once \(\S*千牛.csv row 2; \S*千牛.csv row 4\)"):
        compute_metrics([path])


def test_overlapping_exports_are_refused_by_the_cli(tmp_path, capsys):
    first = _csv(tmp_path / "千牛_1-1.csv", [OCT_1])
    whole = _csv(tmp_path / "千牛_1-2.csv", [[*OCT_1[:0], "2025/10/1", *OCT_1[1:]], OCT_2])
    before = (first.read_bytes(), whole.read_bytes())
    rc = main(["metrics", str(first), str(whole), "-o", str(tmp_path / "m.xlsx")])
    err = capsys.readouterr().err
    assert rc == 1
    assert "day 2025-10-01, is given more than once (" in err
    assert "千牛_1-1.csv row 2" in err and "千牛_1-2.csv row 2" in err
    assert "Traceback" not in err
    assert not (tmp_path / "m.xlsx").exists()
    assert (first.read_bytes(), whole.read_bytes()) == before


def test_the_same_file_given_twice_is_refused(tmp_path):
    path = _csv(tmp_path / "千牛.csv", [OCT_1, OCT_2])
    with pytest.raises(MetricsError, match="and 1 more agent-day"):
        compute_metrics([path, path])
