"""Hostile but realistic input found in a user trial: each case once wrong, silently.

Operations scheme (DOMAIN.md §2): plan carried out ≥100 % → 20, 90–100 → 15, 80–90 → 10,
<80 → 5; team progress ≥100 % → 20, 90–100 → 15, 80–90 → 10 …; +5 bonus points for plan
100 % carried out and for team work above 100 %.
"""
from __future__ import annotations

import csv

import pytest

from kpi_xl.cli import main
from kpi_xl.templates.fill import fill_template, parse_value
from tpl_helpers import needs_engine, values

OPS_HEAD = ["店铺", "月份", "运营", "推广花费", "推广成交额", "月销售额", "销售目标", "计划完成率",
            "团队工作进度", "配合(0-5)", "纪律(0-5)", "活动被采纳次数", "新品推荐达标(0/1)"]


def _csv(path, head, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([head] + rows)
    return path


@pytest.mark.parametrize("raw", ["95", "85", "105", "100"])
def test_a_bare_percentage_above_200_is_refused_where_more_than_100_is_allowed(raw):
    value, reason = parse_value("percent", raw, upper=None)
    assert value is None
    assert "no % sign" in reason and f"{raw}%" in reason


@pytest.mark.parametrize("raw,expected", [("95%", 0.95), ("0.95", 0.95), ("1.05", 1.05),
                                          ("105%", 1.05), ("250%", 2.5), ("2", 2.0),
                                          ("60％", 0.60), ("35 %", 0.35)])
def test_written_percentages_are_read_as_written(raw, expected):
    value, reason = parse_value("percent", raw, upper=None)
    assert reason is None and value == pytest.approx(expected)


@needs_engine
def test_plan_typed_as_95_stops_the_fill_naming_row_and_column(tmp_path, built, capsys):
    """'95' for 95 % used to be read as 9,500 %: 20 + 20 points and two +5 bonus items
    instead of 15 and 10, with exit status 0."""
    data = _csv(tmp_path / "ops.csv", OPS_HEAD, [
        ["店铺X", "2025-10", "A", 10000, 62000, 130000, 100000, "95", "85", 5, 5, 1, 1]])
    before = data.read_bytes()
    rc = main(["fill", str(built("taobao_ops", "zh", recalc=False)), str(data),
               "-o", str(tmp_path / "out"), "--quiet"])
    assert rc == 1
    err = capsys.readouterr().err
    assert "ops.csv row 2, column '计划完成率': '95' has no % sign" in err
    assert "ops.csv row 2, column '团队工作进度': '85' has no % sign" in err
    assert "Traceback" not in err
    assert not list((tmp_path / "out").glob("*.xlsx"))
    assert data.read_bytes() == before


@needs_engine
def test_plan_typed_with_its_sign_is_scored_by_hand(tmp_path, built):
    """A: ROI 6.2 ÷ 5 = 124 % → 20; sales 130 % → 30; plan 95 % → 15; team 85 % → 10;
    5 + 5 → base 85; bonus: campaign 1 + new items 1 + ROI ≥ 120 % + sales ≥ 120 % = 4 × 5
    = 20 → 105."""
    data = _csv(tmp_path / "ops.csv", OPS_HEAD, [
        ["店铺X", "2025-10", "A", 10000, 62000, 130000, 100000, "95%", "0.85", 5, 5, 1, 1]])
    report = fill_template(built("taobao_ops", "zh", recalc=False), data, tmp_path / "out")
    assert report.ok, report.problems + report.finding_lines()
    v = values(report.written[0], "考核结果")
    assert (v["D5"], v["E5"], v["H5"], v["I5"], v["J5"]) == (15, 10, 85, 20, 105)


def _worked_example_workbook(tmp_path, built, name, returns_weight=0.05):
    """DOMAIN's worked example filled for shop 店铺X, 2025-10, the composite template's scheme
    with its gap and overlap corrected (no agent of the example is in either) and the weight
    of returns set to ``returns_weight``."""
    from openpyxl import load_workbook
    template = tmp_path / f"{name}_template.xlsx"
    wb = load_workbook(built("cs_composite", "zh", recalc=False))
    wb["方案"]["G6"] = returns_weight
    wb["方案"]["B21"] = 0.32   # the published gap 31 %–32 % closed
    wb["方案"]["F21"] = 0.60   # the published overlap 60 %–65 % removed
    wb.save(template)
    head = ["店铺", "月份", "店铺客单价", "客服", "询单人数", "成交人数", "下单笔数", "付款笔数",
            "销售额", "首次响应(秒)", "平均响应(秒)", "退货量", "成交笔数"]
    data = _csv(tmp_path / f"{name}.csv", head, [
        ["店铺X", "2025-10", 66.3, "A", 275, 88, 240, 228, 6884.24, 13, 21, 6, 289],
        ["店铺X", "2025-10", 66.3, "B", 1455, 582, 325, 247, 44755.8, 8, 19, 23, 423],
        ["店铺X", "2025-10", 66.3, "C", 800, 232, 225, 198, 19209.6, 16, 27, 0, 260]])
    report = fill_template(template, data, tmp_path / name, force=True)
    return report.written[0]


@needs_engine
def test_summary_stops_on_the_same_agent_month_in_two_workbooks(tmp_path, built, capsys):
    """An old run left beside the corrected one: weights 95 % (published: A 77.5, B 74,
    C 77.5) and returns at 10 % (A 77.5 + 80 × 0.05 = 81.5, B 74 + 0 = 74, C 77.5 + 5 =
    82.5). The summary used to count each agent twice (months 2, mean 79.5 for A) and keep
    one total per month in the trend, exit status 0."""
    import shutil
    folder = tmp_path / "month"
    folder.mkdir()
    old = _worked_example_workbook(tmp_path, built, "old")
    new = _worked_example_workbook(tmp_path, built, "new", returns_weight=0.10)
    assert values(old, "考核结果")["H5"] == 77.5 and values(new, "考核结果")["H5"] == 81.5
    shutil.copy(old, folder / "old.xlsx")
    shutil.copy(new, folder / "new.xlsx")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    rc = main(["summary", str(folder), "-o", str(tmp_path / "summary.xlsx"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "Traceback" not in err
    for agent, totals in (("A", "77.5, 81.5"), ("B", "74, 74"), ("C", "77.5, 82.5")):
        assert (f"shop '店铺X', month 2025-10: agent '{agent}' has results in new.xlsx and "
                f"old.xlsx" in err or f"shop '店铺X', month 2025-10: agent '{agent}' has "
                f"results in old.xlsx and new.xlsx" in err), err
    assert "(totals 77.5, 81.5)" in err or "(totals 81.5, 77.5)" in err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


@needs_engine
def test_summary_of_distinct_months_is_not_a_duplicate(tmp_path, built, capsys):
    from openpyxl import load_workbook
    a = _worked_example_workbook(tmp_path, built, "oct", returns_weight=0.10)
    wb = load_workbook(a)
    folder = tmp_path / "months"
    folder.mkdir()
    import shutil
    shutil.copy(a, folder / "oct.xlsx")
    wb["客服数据"]["D3"] = "2025-11"
    wb.save(folder / "nov.xlsx")
    assert main(["recalc", str(folder / "nov.xlsx"), "--in-place", "--quiet"]) == 0
    rc = main(["summary", str(folder), "-o", str(tmp_path / "summary.xlsx"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 0, err
    v = values(tmp_path / "summary.xlsx", "跨店排名")
    assert (v["C5"], v["D5"], v["E5"]) == ("C", 2, 82.5)


PAY_HEAD = ["店铺", "月份", "客服", "在职月数", "考核得分", "销售额", "询单人数", "成交人数", "评价数",
            "差评数", "中评数"]
PAY_ROWS = [["S1", "2025-10", "A", 2, 95, "120,000", 1000, 400, 380, 2, 0],
            ["S1", "2025-10", "B", 7, 86, "80,000", 900, 300, 290, 3, 0],
            ["S1", "2025-10", "C", 13, 78, "70,000", 700, 260, 250, 1, 0],
            ["S1", "2025-10", "D", 4, 65, "25,000", 600, 150, 140, 4, 0]]


def _pay_with_total(label):
    """The four agents of the pay sheet and, below them, the shop's total row as an export
    writes it: counts and sales summed, tenure and score averaged."""
    return PAY_ROWS + [["S1", "2025-10", label, 7, 81, "295,000", 3200, 1110, 1060, 10, 0]]


@needs_engine
@pytest.mark.parametrize("label", ["合計", "總計", "店鋪合計"])
def test_a_total_row_labelled_in_traditional_characters_is_not_paid(tmp_path, built, label):
    """A 合計 row (a Taiwan shop's export) used to be paid as an agent, exit status 0: it
    had the best sales (295,000), so it took the +100 award and A (best real sales,
    120,000) was paid 9,800 instead of 9,900. By hand, rule 1, flat commission: A: base
    3,000 (2 months, no step yet) + award 100 + commission 5 % × 120,000 = 6,000 (100,000
    and over: 5 % of all; conversion 40 % and AOV 300 are above the team's averages) +
    bonus 800 (95 ≥ 90) = 9,900."""
    data = _csv(tmp_path / "pay.csv", PAY_HEAD, _pay_with_total(label))
    report = fill_template(built("monthly_pay", "zh", recalc=False), data, tmp_path / "out",
                           by=["店铺", "月份"])
    assert report.ok, report.problems + report.finding_lines()
    v = values(report.written[0], "工资表")
    assert (v["A5"], v["D5"], v["M5"]) == ("A", 100, 9900)
    assert "A9" not in v or v["A9"] in ("", None)


@needs_engine
@pytest.mark.parametrize("label", ["合计3人", "全店汇总", "S1 total"])
def test_a_total_row_under_any_label_stops_the_fill(tmp_path, built, capsys, label):
    """A row whose sales, inquiries, buyers, reviews and bad reviews are each the sum of the
    other four rows (120,000 + 80,000 + 70,000 + 25,000 = 295,000; 1,000 + 900 + 700 +
    600 = 3,200; 400 + 300 + 260 + 150 = 1,110; 380 + 290 + 250 + 140 = 1,060;
    2 + 3 + 1 + 4 = 10) is a total row, whatever it is called; it used to be paid 18,550
    and take A's +100, exit status 0."""
    data = _csv(tmp_path / "pay.csv", PAY_HEAD, _pay_with_total(label))
    rc = main(["fill", str(built("monthly_pay", "zh", recalc=False)), str(data),
               "-o", str(tmp_path / "out"), "--by", "店铺,月份", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1
    assert (f"pay.csv row 6: agent '{label}' has '销售额', '询单人数', '成交人数', '评价数', "
            f"'差评数' each equal to the sum of the other 4 rows") in err, err
    assert "Traceback" not in err
    assert not list((tmp_path / "out").glob("*.xlsx"))


@needs_engine
def test_an_agent_with_half_the_team_in_two_columns_is_an_agent(tmp_path, built):
    """B's sales and inquiries happen to equal the sum of the others' (two columns, fewer
    than three): B stays an agent and the month is written."""
    rows = [["S1", "2025-10", "A", 2, 95, "60,000", 500, 200, 190, 1, 0],
            ["S1", "2025-10", "B", 7, 86, "100,000", 900, 300, 290, 3, 0],
            ["S1", "2025-10", "C", 13, 78, "40,000", 400, 120, 110, 1, 0]]
    data = _csv(tmp_path / "pay.csv", PAY_HEAD, rows)
    report = fill_template(built("monthly_pay", "zh", recalc=False), data, tmp_path / "out",
                           by=["店铺", "月份"])
    assert report.ok, report.problems + report.finding_lines()


@needs_engine
def test_a_merged_shop_and_month_cell_stops_the_fill(tmp_path, capsys, built):
    """店铺 and 月份 merged over the four agents (Excel keeps the value in row 2 only) used
    to split the team, exit status 0: A alone in S1, B, C and D in a workbook 'blank_blank'
    where B, with the best sales of three, took the +100 and, against the three's averages
    (conversion 31.8 %, AOV 234.19, bad-review rate 1.43 %), the commission 4 % × 80,000 =
    3,200: paid 7,000 instead of 3,700 (base 3,000 + 2 steps of 100 for 7 months + bonus 500
    for 86 points; conversion 33.3 % below the team's 33.9 %, so no commission)."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(PAY_HEAD)
    for row in PAY_ROWS:
        ws.append(row[:5] + [int(row[5].replace(",", ""))] + row[6:])
    ws.merge_cells("A2:A5")
    ws.merge_cells("B2:B5")
    wb.save(tmp_path / "pay.xlsx")
    rc = main(["fill", str(built("monthly_pay", "zh", recalc=False)), str(tmp_path / "pay.xlsx"),
               "-o", str(tmp_path / "out"), "--by", "店铺,月份", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1
    for line in (3, 4, 5):
        for column in ("店铺", "月份"):
            assert (f"pay.xlsx row {line}, column '{column}': the value is missing, so the row "
                    f"would be a group of its own") in err, err
    written = [p.name for p in (tmp_path / "out").glob("*.xlsx")]
    assert len(written) == 1 and written[0].endswith("_S1_2025-10.xlsx"), written


@needs_engine
def test_an_unquoted_thousands_comma_in_a_csv_stops_the_fill(tmp_path, built, capsys):
    """B's sales written 44,755.8 without quotes split into 44 and 755.8, and every later
    value moved one column right: sales 44, first response 755.8 s, average response 8 s,
    returns 19 of 23 deals. B scored 58 (AOV ratio 0, first response 0) instead of 74
    (DOMAIN: 90/80/60/100/100/0 with the returns weight at 10 %), bonus 0, exit status 0."""
    from openpyxl import load_workbook
    template = tmp_path / "scheme.xlsx"
    wb = load_workbook(built("cs_composite", "zh", recalc=False))
    wb["方案"]["G6"], wb["方案"]["B21"], wb["方案"]["F21"] = 0.10, 0.32, 0.60
    wb.save(template)
    head = ("店铺,月份,店铺客单价,客服,询单人数,成交人数,下单笔数,付款笔数,销售额,首次响应(秒),"
            "平均响应(秒),退货量,成交笔数\n")
    rows = ("店铺X,2025-10,66.3,A,275,88,240,228,6884.24,13,21,6,289\n"
            "店铺X,2025-10,66.3,B,1455,582,325,247,{sales},8,19,23,423\n"
            "店铺X,2025-10,66.3,C,800,232,225,198,19209.6,16,27,0,260\n")
    split = tmp_path / "split.csv"
    split.write_text(head + rows.format(sales="44,755.8"), encoding="utf-8")
    rc = main(["fill", str(template), str(split), "-o", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "split.csv row 3: 14 values under 13 headers" in err, err
    assert not list((tmp_path / "out").glob("*.xlsx"))
    quoted = tmp_path / "quoted.csv"
    quoted.write_text(head + rows.format(sales='"44,755.8"'), encoding="utf-8")
    report = fill_template(template, quoted, tmp_path / "ok")
    assert report.ok, report.problems + report.finding_lines()
    assert values(report.written[0], "考核结果")["H6"] == 74


def _fill_with_b_in(tmp_path, built, capsys, rows, shop):
    """`fill --by 店铺,月份` of monthly_pay from ``rows`` with B's row (the second) under
    ``shop``: (exit status, what was said)."""
    rows[1][0] = shop
    data = _csv(tmp_path / "pay.csv", PAY_HEAD, rows)
    rc = main(["fill", str(built("monthly_pay", "zh", recalc=False)), str(data),
               "-o", str(tmp_path / "out"), "--by", "店铺,月份", "--quiet"])
    return rc, capsys.readouterr().err


@needs_engine
def test_a_shop_written_with_a_space_inside_stops_the_fill(tmp_path, built, capsys):
    """B's row names the shop '天猫 旗舰店', the others '天猫旗舰店': B was filled alone, took
    the +100 for the best sales of a team of one and was paid 3,800 instead of 3,700 (base
    3,000 + 2 steps of 100 for 7 months + bonus 500 for 86 points, no award: A's 120,000
    are the best), exit status 0."""
    rows = [["天猫旗舰店"] + r[1:] for r in PAY_ROWS]
    rc, err = _fill_with_b_in(tmp_path, built, capsys, rows, "天猫 旗舰店")
    assert rc == 1
    # A space between two Chinese characters is no part of a name (name_key): one shop
    # written two ways, which the month's spelling check names.
    assert ("pay.csv, column '店铺': one shop is written 2 ways within 店铺 '天猫旗舰店', 月份 "
            "'2025-10' — '天猫旗舰店' in rows 2, 4, 5; '天猫 旗舰店' in row 3.") in err, err
    assert not list((tmp_path / "out").glob("*.xlsx"))
    rows[1][0] = "天猫旗舰店"
    report = fill_template(built("monthly_pay", "zh", recalc=False),
                           _csv(tmp_path / "one.csv", PAY_HEAD, rows), tmp_path / "one",
                           by=["店铺", "月份"])
    assert report.ok, report.problems + report.finding_lines()
    v = values(report.written[0], "工资表")
    assert (v["A6"], v["D6"], v["M6"]) == ("B", 0, 3700)


@needs_engine
def test_a_latin_shop_name_written_with_a_space_inside_stops_the_fill(tmp_path, built, capsys):
    """'Tmall Store' in B's row, 'TmallStore' in the others: two shops to name_key (a space
    between Latin letters can part two names), one team split in two to the eye; the fill
    stops rather than pay B as a team of one (3,800 instead of 3,700, as above)."""
    rows = [["TmallStore"] + r[1:] for r in PAY_ROWS]
    rc, err = _fill_with_b_in(tmp_path, built, capsys, rows, "Tmall Store")
    assert rc == 1
    assert ("pay.csv: 店铺 'TmallStore', 月份 '2025-10'; 店铺 'Tmall Store', 月份 '2025-10' differ "
            "only in spaces inside the shop's name") in err, err
    assert not list((tmp_path / "out").glob("*.xlsx"))


@needs_engine
def test_an_agent_written_with_a_space_inside_is_one_agent_twice(tmp_path, built, capsys):
    """'张三' and '张 三' in one month used to be two agents, each with a base salary of
    its own (3,200 + 3,400 for one person), exit status 0."""
    rows = [list(r) for r in PAY_ROWS]
    rows[1][2], rows[2][2] = "张三", "张 三"
    data = _csv(tmp_path / "pay.csv", PAY_HEAD, rows)
    rc = main(["fill", str(built("monthly_pay", "zh", recalc=False)), str(data),
               "-o", str(tmp_path / "out"), "--by", "店铺,月份", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "pay.csv rows 3 and 4: agents '张三' and '张 三' are one agent written two ways" in err
    assert not list((tmp_path / "out").glob("*.xlsx"))


@pytest.mark.parametrize("label", ["人均", "均值", "平均数", "合計", "總計：", "店鋪合計（4人）"])
def test_average_and_traditional_total_labels_are_not_agents(label):
    """A 人均 row (the team's figures per agent) holds whole numbers when the export rounds
    them, passes every input rule and would be paid as an agent."""
    from kpi_xl.templates.fill import is_total_label
    assert is_total_label(label)
    assert not is_total_label("人均小王")
