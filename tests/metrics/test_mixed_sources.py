"""A run given chats and orders for one shop and a platform report for another: the first
sheet (the template's inputs, what `fill` takes) holds both shops' agents.

Before, the chats and orders "won over" the platform reports for the whole run: the shop
known only by its report was left out of the sheet that feeds the month's pay, with exit
status 0 (it stayed on the sheet of every metric only).

Figures worked by hand (test_name_spellings's data): Amy of shop S1 from her chats and
orders, 2 inquiries, 2 buyers, sales 160; 店A's agent from the 千牛 exports of 1 and 2
October, 100 + 50 = 150 inquiries, 40 + 10 = 50 buyers, sales 4,000 + 1,500 = 5,500.
"""
from __future__ import annotations

from kpi_xl.metrics import compute_metrics
from test_name_spellings import MSG, OCT_1, OCT_2, ORD, QN, _b1, _b2, _csv, _orders, _run


def test_a_shop_given_by_its_report_alone_stays_on_the_first_sheet(tmp_path, capsys):
    chats = _csv(tmp_path / "chats.csv", MSG, _b1() + _b2())
    orders = _csv(tmp_path / "orders.csv", ORD, _orders())
    report = _csv(tmp_path / "千牛.csv", QN, [OCT_1, OCT_2])
    inputs = compute_metrics([chats, orders, report], shop="店A").template_inputs
    got = {(r.shop, r.agent): (r.inquiries, r.buyers, r.sales) for r in inputs.itertuples()}
    # 店A's export writes its agent as the sub-account '店A:Amy': the agent is 'Amy'.
    assert got == {("S1", "Amy"): (2, 2, 160), ("店A", "Amy"): (150, 50, 5500)}
    rc, err, sheet = _run(tmp_path, capsys, chats, orders, report, "--shop", "店A",
                          "--shop-aov", "店A=66.3")
    assert rc == 0, err
    assert sorted(zip(sheet["Shop"], sheet["Agent"], sheet["Inquiries"])) == \
        [("S1", "Amy", 2), ("店A", "Amy", 150)]


def test_a_shop_month_given_both_ways_takes_the_chats_and_orders(tmp_path):
    # The report is of shop S1 too: the chats and orders give S1's October, the report's
    # figures stay on the sheet of every metric only.
    chats = _csv(tmp_path / "chats.csv", MSG, _b1() + _b2())
    orders = _csv(tmp_path / "orders.csv", ORD, _orders())
    report = _csv(tmp_path / "千牛.csv", QN, [OCT_1, OCT_2])
    result = compute_metrics([chats, orders, report], shop="S1")
    inputs = result.template_inputs
    assert list(zip(inputs["shop"], inputs["agent"], inputs["inquiries"])) == [("S1", "Amy", 2)]
    assert len(result.agents) == 2
