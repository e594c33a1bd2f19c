"""What a run is given: a month of chats without its orders, a report without its month,
a month that is not one.  Each used to give a workbook with exit status 0 (every agent at
0 % conversion, or a blank month) or a confusing message."""
from __future__ import annotations

import pandas as pd
import pytest

from kpi_xl.cli import main
from kpi_xl.metrics.api import compute_metrics
from kpi_xl.metrics.errors import MetricsError

MSG = ["时间", "买家", "客服", "发送方", "内容", "店铺"]
ORD = ["订单号", "买家", "下单时间", "付款时间", "实付金额", "店铺"]


def _csv(path, header, rows):
    pd.DataFrame(rows, columns=header).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _run(tmp_path, capsys, *args):
    out = tmp_path / "metrics.xlsx"
    rc = main(["metrics", *map(str, args), "-o", str(out)])
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err
    return rc, cap.err, out


def _october_chats(tmp_path, shop="S"):
    # 甲 answers b1 on 1 October and b2 on 2 October, 10 s after each question.
    return _csv(tmp_path / f"chats_{shop}.csv", MSG, [
        ["2025-10-01 10:00:00", "b1", "甲", "买家", "在吗", shop],
        ["2025-10-01 10:00:10", "b1", "甲", "客服", "在", shop],
        ["2025-10-02 10:00:00", "b2", "甲", "买家", "在吗", shop],
        ["2025-10-02 10:00:10", "b2", "甲", "客服", "在", shop]])


def test_a_month_of_chats_with_the_orders_of_another_month_is_refused(tmp_path, capsys):
    m = _october_chats(tmp_path)
    september = _csv(tmp_path / "orders_09.csv", ORD, [
        ["o1", "b1", "2025-09-01 11:00:00", "2025-09-01 11:01:00", "10", "S"]])
    for month in (["--month", "2025-10"], []):
        rc, err, out = _run(tmp_path, capsys, m, september, *month)
        assert rc == 1 and not out.exists()
        assert ("Error: The chats of 2025-10 of shop 'S' have no order at all in that month — "
                "the orders (") in err
        assert "orders_09.csv) are of 2025-09 only" in err


def test_an_empty_orders_file_is_refused(tmp_path, capsys):
    m = _october_chats(tmp_path)
    empty = _csv(tmp_path / "orders.csv", ORD, [])
    rc, err, out = _run(tmp_path, capsys, m, empty, "--month", "2025-10")
    assert rc == 1 and not out.exists()
    assert "orders.csv) hold no order" in err


def test_the_month_of_its_orders_is_computed(tmp_path, capsys):
    # The control: b1 pays 10 on 1 October.  甲: inquiries b1, b2 = 2, buyers 1,
    # conversion 1 / 2 = 50 %, sales 10.
    m = _october_chats(tmp_path)
    october = _csv(tmp_path / "orders.csv", ORD, [
        ["o1", "b1", "2025-10-01 11:00:00", "2025-10-01 11:01:00", "10", "S"]])
    rc, err, out = _run(tmp_path, capsys, m, october, "--month", "2025-10")
    assert rc == 0, err
    a = pd.read_excel(out, sheet_name="全部指标").iloc[0]
    assert (a["询单人数"], a["成交人数"], a["销售额"]) == (2, 1, 10)
    assert a["询单转化率"] == pytest.approx(0.5)


def test_only_the_shop_without_orders_is_named(tmp_path):
    # Shop A has an October order; shop B's orders are of September only.
    chats = [_october_chats(tmp_path, "A"), _october_chats(tmp_path, "B")]
    o = _csv(tmp_path / "orders.csv", ORD, [
        ["o1", "b1", "2025-10-01 11:00:00", "2025-10-01 11:01:00", "10", "A"],
        ["o2", "b1", "2025-09-01 11:00:00", "2025-09-01 11:01:00", "10", "B"]])
    with pytest.raises(MetricsError, match=r"The chats of 2025-10 of shop 'B' have no order"):
        compute_metrics([*chats, o])


QIANNIU = ["旺旺昵称", "有效接待人数", "当日询单人数", "销售人数", "销售额", "首次响应时长(秒)",
           "平均响应时长(秒)"]


def test_a_report_without_dates_needs_the_month(tmp_path, capsys):
    # A 千牛 month report with no 日期 column: without --month its figures belonged to no
    # month (a blank 月份 that fill cannot group by), with exit status 0.
    q = _csv(tmp_path / "千牛_10月.csv", QIANNIU, [["小王", "150", "120", "40", "4800", "10", "23.33"]])
    rc, err, out = _run(tmp_path, capsys, q, "--shop", "S")
    assert rc == 1 and not out.exists()
    assert "千牛_10月.csv: the report has no date column (日期, 统计日期)" in err
    assert "give it with --month" in err
    # With --month the one row is the month 2025-10 as it is: inquiries 120, buyers 40,
    # sales 4,800, first response 10 s, average response 23.33 s.
    rc, err, out = _run(tmp_path, capsys, q, "--shop", "S", "--month", "2025-10")
    assert rc == 0, err
    a = pd.read_excel(out, sheet_name="全部指标").iloc[0]
    assert (a["月份"], a["询单人数"], a["成交人数"], a["销售额"]) == ("2025-10", 120, 40, 4800)
    assert (a["首次响应(秒)"], a["平均响应(秒)"]) == pytest.approx((10, 23.33))


@pytest.mark.parametrize("month", ["2025-13", "October", "2025-00"])
def test_a_month_that_is_not_one_is_named_as_given(tmp_path, capsys, month):
    m = _october_chats(tmp_path)
    o = _csv(tmp_path / "orders.csv", ORD, [
        ["o1", "b1", "2025-10-01 11:00:00", "2025-10-01 11:01:00", "10", "S"]])
    rc, err, out = _run(tmp_path, capsys, m, o, "--month", month)
    assert rc == 1 and not out.exists()
    assert err.strip() == f"Error: --month {month!r} is not a month such as 2025-10."
