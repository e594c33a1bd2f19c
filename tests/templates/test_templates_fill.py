"""Filling a template from agent data: headers in either language, bad data reported by
file, row and column, one workbook per group, formulas and names stretched to the
number of agents, and the user's scheme edits kept."""
from __future__ import annotations

import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook

from kpi_xl.cli import main
from kpi_xl.templates import DataError, TemplateError
from kpi_xl.templates.fill import fill_template, normalise_month, parse_value
from tpl_helpers import needs_engine, values

ZH = ["店铺", "月份", "店铺客单价", "客服", "询单人数", "成交人数", "下单笔数", "付款笔数", "销售额",
      "首次响应(秒)", "平均响应(秒)", "退货量", "成交笔数"]
# DOMAIN's three agents, plus two more; sales = AOV × buyers.
ROWS = [
    ["S1", "2025-01", 66.3, "A", 275, 88, 240, 228, 6884.24, 13, 21, 6, 289],
    ["S1", "2025-01", 66.3, "B", 1455, 582, 325, 247, 44755.8, 8, 19, 23, 423],
    ["S1", "2025-01", 66.3, "C", 800, 232, 225, 198, 19209.6, 16, 27, 0, 260],
    ["S1", "2025-01", 66.3, "D", 500, 210, 300, 285, 17500.0, 9, 18, 1, 285],
    ["S1", "2025-01", 66.3, "E", 400, 100, 110, 60, 6600.0, 40, 45, 25, 60],
    ["S2", "2025-01", 80.0, "A", 300, 100, 120, 100, 8000.0, 12, 22, 2, 100],
]


def write_csv(path, rows, header=ZH, encoding="utf-8-sig"):
    pd.DataFrame(rows, columns=header).to_csv(path, index=False, encoding=encoding)
    return path


@pytest.fixture()
def template(built):
    return built("cs_composite", "zh", recalc=False)


def test_one_workbook_per_group_with_rows_stretched(tmp_path, template):
    data = write_csv(tmp_path / "agents.csv", ROWS)
    report = fill_template(template, data, tmp_path / "out", by="shop,month", recalc=False)
    assert report.problems == []
    assert [p.name for p in report.written] == [f"{template.stem}_S1_2025-01.xlsx",
                                                f"{template.stem}_S2_2025-01.xlsx"]
    wb = load_workbook(report.written[0])
    data_ws, res = wb["客服数据"], wb["考核结果"]
    assert [data_ws[f"A{r}"].value for r in range(5, 10)] == list("ABCDE")
    assert data_ws["A10"].value == "团队平均"
    assert data_ws["B10"].value == '=AVERAGEIF(P5:P9,"OK",B5:B9)'  # rows whose input check is OK
    assert data_ws["K9"].value == "=KPI_RATE(C9,B9)"
    assert res["B9"].value == ("=IF('客服数据'!P9<>\"OK\",#VALUE!,"
                               "KPI_BAND('客服数据'!K9,区间_转化率,\"left\"))")
    assert res["I9"].value == '=IF(ISNUMBER(H9),COUNTIF($H$5:$H$9,">"&H9)+1,NA())'
    assert "AVERAGE" not in res["K9"].value and "$K$10" in res["K9"].value  # team average row
    assert wb.defined_names["KPI_Results"].attr_text == "'考核结果'!$A$4:$Q$9"
    assert wb.defined_names["店铺"].attr_text == "'客服数据'!$B$3"
    assert data_ws["B3"].value == "S1" and data_ws["D3"].value == "2025-01" and data_ws["F3"].value == 66.3
    for dv in data_ws.data_validations.dataValidation:
        assert str(dv.sqref).endswith("9") or str(dv.sqref) in ("F3",)
    with zipfile.ZipFile(report.written[0]) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/")]
    assert len(charts) == 2 and any("$A$5:$A$9" in c for c in charts)
    single = load_workbook(report.written[1])["客服数据"]
    assert single["A5"].value == "A" and single["A6"].value == "团队平均"


def test_scheme_edits_in_the_template_are_kept(tmp_path, template):
    wb = load_workbook(template)
    wb["方案"]["C6"] = 0.35  # the user raised the conversion weight
    edited = tmp_path / "mine.xlsx"
    wb.save(edited)
    report = fill_template(edited, write_csv(tmp_path / "a.csv", ROWS[:3]), tmp_path / "out",
                           recalc=False)
    out = load_workbook(report.written[0])
    assert out["方案"]["C6"].value == 0.35
    assert out["方案"]["B7"].value == '=KPI_CHECK_WEIGHTS(权重,"zh")'


def test_english_headers_and_aliases_and_excel_input(tmp_path, template):
    header = ["Shop", "month", "shop aov", "Agent", "Inquiries", "Buyers", "Orders", "Paid orders",
              "Sales", "首次响应时间", "Avg response (s)", "Returns", "Deals"]
    path = tmp_path / "agents.xlsx"
    pd.DataFrame(ROWS[:3], columns=header).to_excel(path, index=False)
    report = fill_template(template, path, tmp_path / "out", by=["店铺"], recalc=False)
    assert report.problems == [] and len(report.written) == 1
    ws = load_workbook(report.written[0])["客服数据"]
    assert [ws["G5"].value, ws["G6"].value, ws["G7"].value] == [13, 8, 16]


def test_gb18030_csv_from_chinese_excel(tmp_path, template):
    data = write_csv(tmp_path / "gbk.csv", ROWS[:3], encoding="gb18030")
    report = fill_template(template, data, tmp_path / "out", recalc=False)
    assert len(report.written) == 1


def test_bad_values_and_duplicates_are_reported_by_row_and_column(tmp_path, template):
    rows = [r[:] for r in ROWS]
    rows[1][4] = "lots"        # file row 3, 询单人数
    rows[2][9] = "-5"          # file row 4, 首次响应(秒)
    rows[3][3] = "A"           # file row 5, agent A again in S1
    rows[4][5] = "1.5"         # file row 6, 成交人数 not whole
    data = write_csv(tmp_path / "agents.csv", rows)
    report = fill_template(template, data, tmp_path / "out", by="shop,month", recalc=False)
    text = "\n".join(report.problems)
    assert "agents.csv row 3, column '询单人数': 'lots' is not a whole number." in text
    assert "agents.csv row 4, column '首次响应(秒)': '-5' is negative." in text
    assert "agents.csv rows 2 and 5: agent 'A' appears twice" in text
    assert "agents.csv row 6, column '成交人数': '1.5' is not a whole number." in text
    # Nothing is written for the group with errors; the clean group is.
    assert [p.name for p in report.written] == [f"{template.stem}_S2_2025-01.xlsx"]
    assert len(report.skipped) == 1 and "S1" in report.skipped[0][0]
    forced = fill_template(template, data, tmp_path / "forced", by="shop,month", force=True,
                           recalc=False)
    assert len(forced.written) == 2
    # Forced: the bad cell is left blank, never guessed.
    ws = load_workbook(forced.written[0])["客服数据"]
    assert ws["B6"].value is None and ws["C6"].value == 582


def test_missing_columns_stop_before_anything_is_written(tmp_path, template):
    header = ZH[:-1] + ["备注"]  # 成交笔数 missing, an unknown 备注
    data = write_csv(tmp_path / "agents.csv", [r[:-1] + ["x"] for r in ROWS], header=header)
    with pytest.raises(DataError) as err:
        fill_template(template, data, tmp_path / "out", by="shop,month", recalc=False)
    text = str(err.value)
    assert "agents.csv: the column 成交笔数 (Deals) is missing" in text
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_unknown_columns_are_ignored_with_one_note(tmp_path, template):
    # An everyday export carries columns the scheme does not use (备注, 接待人数 …).
    header = ZH + ["备注", "接待人数"]
    data = write_csv(tmp_path / "agents.csv", [r + ["ok", 5] for r in ROWS], header=header)
    report = fill_template(template, data, tmp_path / "out", by="shop,month", recalc=False)
    assert report.problems == [] and len(report.written) == 2
    assert report.notes == ["agents.csv: column(s) '备注', '接待人数' are not inputs of template "
                            "cs_composite and were ignored."]


def test_group_figure_that_differs_within_a_group(tmp_path, template):
    rows = [r[:] for r in ROWS[:3]]
    rows[2][2] = 70.1
    report = fill_template(template, write_csv(tmp_path / "d.csv", rows), tmp_path / "out",
                           by="shop", recalc=False)
    assert report.written == []
    assert "the values differ within 店铺 'S1' (66.3, 70.1)" in report.problems[0]


def test_not_a_template(tmp_path):
    from openpyxl import Workbook
    Workbook().save(tmp_path / "plain.xlsx")
    with pytest.raises(TemplateError, match="was not built from a kpi_xl template"):
        fill_template(tmp_path / "plain.xlsx", write_csv(tmp_path / "d.csv", ROWS), tmp_path / "o")


@pytest.mark.parametrize("kind,raw,expected", [
    ("percent", "35%", 0.35), ("percent", "0.35", 0.35), ("int", "1,455", 1455),
    ("number", "¥66.30", 66.3), ("int", "275.0", 275), ("text", " A ", "A"), ("int", "", None),
])
def test_parse_value(kind, raw, expected):
    value, reason = parse_value(kind, raw)
    assert reason is None and value == pytest.approx(expected) if expected is not None else value is None


def test_parse_value_rejects():
    assert "between 0 % and 100 %" in parse_value("percent", "35")[1]
    assert parse_value("number", "abc")[1] == "'abc' is not a number"


@pytest.mark.parametrize("raw,month", [("2025-01", "2025-01"), ("2025/3", "2025-03"),
                                       ("202511", "2025-11"), ("2025-02-01 00:00:00", "2025-02"),
                                       ("2025年4月", "2025-04"), ("Q1", None)])
def test_normalise_month(raw, month):
    assert normalise_month(raw) == month


def test_cli_fill_reports_problems_and_exit_code(tmp_path, template, capsys):
    rows = [r[:] for r in ROWS]
    rows[0][4] = "x"
    data = write_csv(tmp_path / "agents.csv", rows)
    code = main(["fill", str(template), str(data), "-o", str(tmp_path / "out"), "--by", "shop",
                 "--quiet"])
    captured = capsys.readouterr()
    assert code == 1
    assert "agents.csv row 2, column '询单人数': 'x' is not a whole number." in captured.err
    assert "Wrote 1 of 2 workbook(s)" in captured.out
    assert main(["fill", str(template), str(tmp_path / "nope.csv"), "-o", str(tmp_path)]) == 1
    assert "does not exist" in capsys.readouterr().err


@needs_engine
def test_filled_workbook_is_recalculated(tmp_path, template):
    report = fill_template(template, write_csv(tmp_path / "d.csv", ROWS), tmp_path / "out",
                           by="shop,month")
    assert report.cached
    v = values(report.written[0], "考核结果")
    # A, B, C keep DOMAIN's totals among five agents (bands do not depend on the team).
    assert [v["H5"], v["H6"], v["H7"]] == pytest.approx([77.5, 74, 77.5])


def test_rows_are_named_as_excel_shows_the_csv(tmp_path, template):
    """Line breaks inside a quoted cell (a note written on two lines) and blank lines, past
    the first rows searched for the header: each row is named as Excel shows the file.
    Row 1 the header, rows 2–41 forty agents of S1; row 3's agent is written on two lines of
    the file ("A1" and "x"), row 20 is a blank line, and row 40 holds 'abc' in 询单人数 —
    line 41 of the file, which the reader's line count named."""
    lines = [",".join(ZH)]
    for i in range(40):
        name = f'"A{i}\nx"' if i == 1 else f"A{i}"
        inquiries = "abc" if i == 38 else "275"
        lines.append("" if i == 18 else
                     f"S1,2025-01,66.3,{name},{inquiries},88,240,228,6884.24,13,21,6,289")
    data = tmp_path / "agents.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = fill_template(template, data, tmp_path / "out", by="shop,month", recalc=False)
    assert "agents.csv row 40, column '询单人数': 'abc' is not a whole number." in report.problems
    assert any("blank row(s) left out (row(s) 20)" in note for note in report.notes)
