"""The operations template's own check of percentages that may exceed 100 %.

`kpi-xl fill` refuses a bare 95 in 计划完成率 / 团队工作进度, but a user typing (or pasting)
95 straight into the workbook's data sheet got 9,500 %: plan ≥ 100 % → 20 points instead
of 15 (DOMAIN.md §2: 90–100 % → 15) and the +5 "plan 100 % carried out", with no warning;
the cell's validation only said "≥ 0".  The data sheet's 录入检查 / Input check column now
says what is wrong, the agent's scores, total and pay show #VALUE!, and `summary` exits 1
naming the cell and the agent.

Shipped operations data (tests/templates/test_templates_operations.py): A 130, B 69, C 32.
B with plan 95 % (0.95) instead of 85 %: plan 90–100 % → 15 instead of 10, base 69 + 5 = 74,
no bonus item (plan < 100 %) → 74.
"""
from __future__ import annotations

import pytest

from kpi_xl.cli import main
from tpl_helpers import libreoffice_sheets, needs_engine, soffice, typed, values

SHEETS = {"zh": ("运营数据", "考核结果"), "en": ("Staff data", "Results")}
#: what the check cell says of 95 typed in agent B's 计划完成率 (F6)
SAYS_95 = {"zh": "计划完成率 9500% 超过 200%：若指 95%，请输入 95% 或 0.95。",
           "en": "Plan carried out 9500% is above 200 %: for 95 %, enter 95% or 0.95."}


def _typed(tmp_path, built, lang, **cells):
    """The operations template with ``cells`` of the data sheet typed in with openpyxl,
    recalculated in place by `kpi-xl recalc`."""
    return typed(tmp_path, "taobao_ops", lang, cells, stem="ops")


@needs_engine
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_95_typed_for_95_percent_is_named_and_not_paid(tmp_path, built, capsys, lang):
    data, results = SHEETS[lang]
    path = _typed(tmp_path, built, lang, F6=95)
    d, v = values(path, data), values(path, results)
    assert d["O4"] == ("录入检查" if lang == "zh" else "Input check")
    assert d["O6"] == SAYS_95[lang]
    assert (d["O5"], d["O7"]) == ("OK", "OK")
    # B's plan and team points, bonus points, total and pay: none counts the 9,500 %.
    for cell in ("D6", "E6", "H6", "I6", "J6", "L6"):
        assert v[cell] == "#VALUE!", cell
    # The other agents are scored as before.
    assert (v["J5"], v["J7"]) == (130, 32)
    capsys.readouterr()
    rc = main(["summary", str(path), "-o", str(tmp_path / "summary.xlsx"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1
    assert (f"ops_{lang}.xlsx, sheet {data!r}, cell O6 (agent 'B'): the input check says "
            f"{SAYS_95[lang]}") in err
    assert "Traceback" not in err


@needs_engine
def test_a_correct_095_passes_and_is_scored_by_hand(tmp_path, built, capsys):
    path = _typed(tmp_path, built, "zh", F6=0.95)
    d, v = values(path, "运营数据"), values(path, "考核结果")
    assert [d["O5"], d["O6"], d["O7"]] == ["OK", "OK", "OK"]
    assert (v["D6"], v["H6"], v["I6"], v["J6"]) == (15, 74, 0, 74)
    assert main(["summary", str(path), "-o", str(tmp_path / "s.xlsx"), "--quiet"]) == 0, \
        capsys.readouterr().err


@needs_engine
@pytest.mark.parametrize("cell,value,says", [
    ("G6", 2, "OK"),      # 200 % itself is taken
    ("G6", 2.5, "团队工作进度 250% 超过 200%：若指 2.5%，请输入 2.5% 或 0.025。"),
    ("G7", -0.5, "团队工作进度 -50% 为负数。"),
])
def test_the_limits_of_the_input_check(tmp_path, built, cell, value, says):
    path = _typed(tmp_path, built, "zh", **{cell: value})
    row = cell[1:]
    d, v = values(path, "运营数据"), values(path, "考核结果")
    assert d[f"O{row}"] == says
    if says == "OK":
        # B: team 200 % → 20 instead of 15, and the +5 of team work ≥ 100 %: 74 + 5 = 79.
        assert (v["E6"], v["H6"], v["I6"], v["J6"]) == (20, 74, 5, 79)
    else:
        assert v[f"J{row}"] == "#VALUE!"


@needs_engine
def test_both_inputs_wrong_are_both_named(tmp_path, built):
    path = _typed(tmp_path, built, "en", F5=100, G5=105)
    assert values(path, "Staff data")["O5"] == (
        "Plan carried out 10000% is above 200 %: for 100 %, enter 100% or 1. "
        "Team progress 10500% is above 200 %: for 105 %, enter 105% or 1.05.")


@needs_engine
def test_fill_of_a_signed_250_percent_stops_at_the_workbook_check(tmp_path, built, capsys):
    """250% with its sign is read as 2.5 by fill, but the workbook takes at most 200 %: the
    workbook is written and fill exits 1 naming the cell and the agent."""
    import csv
    head = ["店铺", "月份", "运营", "推广花费", "推广成交额", "月销售额", "销售目标", "计划完成率",
            "团队工作进度", "配合(0-5)", "纪律(0-5)", "活动被采纳次数", "新品推荐达标(0/1)"]
    data = tmp_path / "ops.csv"
    with open(data, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([head, ["店铺X", "2025-10", "甲", 10000, 62000, 130000, 100000,
                                         "250%", "95%", 5, 5, 0, 0]])
    rc = main(["fill", str(built("taobao_ops", "zh", recalc=False)), str(data),
               "-o", str(tmp_path / "out"), "--quiet"])
    out, err = capsys.readouterr()
    assert rc == 1
    assert ("sheet '运营数据', cell O5 (agent '甲'): the input check says 计划完成率 250% 超过 "
            "200%") in err
    assert "1 agent input check(s) not OK" in out
    assert "Traceback" not in err


def test_the_validation_of_open_percentages_stops_at_200_percent(built):
    from openpyxl import load_workbook
    for lang in ("zh", "en"):
        ws = load_workbook(built("taobao_ops", lang, recalc=False))[SHEETS[lang][0]]
        by_range = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
        for col in "FG":
            dv = by_range[f"{col}5:{col}10"]
            assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("decimal", "between",
                                                                        "0", "2")
            assert ("95%" in dv.error and "200%" in dv.error if lang == "zh"
                    else "95 %" in dv.error and "200 %" in dv.error)


@needs_engine
def test_shipped_results_are_unchanged(built):
    """Operations A 130, B 69, C 32; DOMAIN's worked example 77.5, 74 (77 published, the
    returns table as written gives 74), 77.5, and its input check says OK for each."""
    for lang in ("zh", "en"):
        v = values(built("taobao_ops", lang), SHEETS[lang][1])
        assert (v["J5"], v["J6"], v["J7"]) == (130, 69, 32)
        d = values(built("taobao_ops", lang), SHEETS[lang][0])
        assert (d["O5"], d["O6"], d["O7"]) == ("OK", "OK", "OK")
        v = values(built("cs_composite", lang), "考核结果" if lang == "zh" else "Results")
        assert (v["H5"], v["H6"], v["H7"]) == (77.5, 74, 77.5)
        d = values(built("cs_composite", lang), "客服数据" if lang == "zh" else "Agent data")
        assert (d["P4"], d["P5"], d["P6"], d["P7"]) == (
            "录入检查" if lang == "zh" else "Input check", "OK", "OK", "OK")


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_computes_the_same_check(tmp_path, built):
    """LibreOffice cannot run KPI_* functions (#NAME?), but the check cell and the guard of
    the scores are Excel's own functions: it must say the same and give #VALUE!."""
    from openpyxl import load_workbook
    src = tmp_path / "ops.xlsx"
    wb = load_workbook(built("taobao_ops", "zh", recalc=False))
    wb["运营数据"]["F6"] = 95
    wb["运营数据"]["G7"] = -0.5
    wb.save(src)
    data, results = libreoffice_sheets(tmp_path, src, "运营数据", "考核结果")
    assert [data[r][14] for r in (4, 5, 6)] == ["OK", SAYS_95["zh"], "团队工作进度 -50% 为负数。"]
    assert [results[r][3] for r in (5, 6)] == ["#VALUE!", "#VALUE!"]   # plan points of B, C
