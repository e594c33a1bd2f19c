"""One agent written in more than one way ('Amy' and 'amy', 'A' and full-width 'Ａ', '张三'
with a trailing full-width or zero-width space) is one agent, in `fill` and in `summary`.

Before, `summary` split such an agent's months over two rows — months appraised, mean,
trend and year-end eligibility computed on part of the months, exit status 0 — and `fill`
wrote two rows for one agent-month without a word.

The figures are DOMAIN.md's worked example on the composite scheme with its published gap
(31 %–32 %) and overlap (60 %–65 %) corrected; no agent of the example lies in either. With
the returns weight at 10 % (weights add up to 100 %) the totals are A 77.5 + 80 × 0.05 =
81.5, B 74 + 0 × 0.05 = 74, C 77.5 + 100 × 0.05 = 82.5; with the published 5 % they are
DOMAIN's A 77.5, B 74, C 77.5.
"""
from __future__ import annotations

import csv
import shutil

import pytest

from kpi_xl.cli import main
from kpi_xl.core.values import name_key
from tpl_helpers import needs_engine, values

EN = ["Shop", "Month", "Shop AOV", "Agent", "Inquiries", "Buyers", "Orders", "Paid orders",
      "Sales", "First response (s)", "Avg response (s)", "Returns", "Deals"]
#: DOMAIN's agents' figures, without their names.
A = [275, 88, 240, 228, 6884.24, 13, 21, 6, 289]      # 81.5 (77.5 with returns at 5 %)
B = [1455, 582, 325, 247, 44755.8, 8, 19, 23, 423]    # 74
C = [800, 232, 225, 198, 19209.6, 16, 27, 0, 260]     # 82.5 (77.5 with returns at 5 %)


@pytest.mark.parametrize("a,b", [
    ("Amy", "amy"), ("A", "Ａ"), ("ＡＭＹ", "amy"), ("张三", "张三 "), ("张三", "张三\u3000"),
    ("张三", "\u200b张三\ufeff"), ("张三", "张\u200b三"), ("Amy  Lee", " amy\u3000lee "),
    ("1001", 1001), ("1001", 1001.0), ("张三", "张 三"), ("张三", "张\u3000三"),
    ("张三丰", "张 三 丰"), ("店A小王", "店A小 王")])
def test_spellings_of_one_name_have_one_key(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize("a,b", [("张三", "张三丰"), ("Amy", "Amy Lee"), ("A", "B"),
                                 ("AmyLee", "Amy Lee"), ("店A 小王", "店A小王")])
def test_different_names_have_different_keys(a, b):
    assert name_key(a) != name_key(b)


def test_a_blank_name_has_the_blank_key():
    assert name_key(None) == name_key(float("nan")) == name_key(" \u3000\u200b") == ""


@pytest.fixture()
def scheme(tmp_path):
    """`kpi-xl template cs_composite --lang en`, gap and overlap corrected, returns at 10 %."""
    def make(returns_weight=0.10):
        from openpyxl import load_workbook
        raw = tmp_path / f"scheme_raw_{returns_weight}.xlsx"
        assert main(["template", "cs_composite", "--lang", "en", "-o", str(raw)]) == 0
        wb = load_workbook(raw)
        ws = wb["Scheme"]
        ws["G6"] = returns_weight
        ws["B21"] = 0.32   # the published gap 31 %–32 % closed
        ws["F21"] = 0.60   # the published overlap 60 %–65 % removed
        path = tmp_path / f"weight_{returns_weight:g}" / "cs_composite.xlsx"
        path.parent.mkdir(exist_ok=True)
        wb.save(path)
        return path
    return make


def _csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([EN] + rows)
    return path


def _months(tmp_path, scheme, rows, name="filled"):
    """Fill ``rows`` (shop, month, agent, figures) into one workbook per shop and month with
    `kpi-xl fill`, recalculate them with `kpi-xl recalc --in-place`; the folder."""
    data = _csv(tmp_path / f"{name}.csv", [[s, m, 66.3, agent] + figures
                                           for s, m, agent, figures in rows])
    out = tmp_path / name
    assert main(["fill", str(scheme), str(data), "-o", str(out), "--by", "Shop,Month",
                 "--quiet"]) == 0
    assert main(["recalc", str(out), "--in-place", "--quiet"]) == 0
    return out


def _summary(tmp_path, folder, capsys):
    out = tmp_path / "summary.xlsx"
    capsys.readouterr()
    rc = main(["summary", str(folder), "-o", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return rc, err, out


def _ranking(path, sheet="Ranking"):
    """{(shop, agent): (months, mean)} of the summary's ranking sheet."""
    v = values(path, sheet)
    out = {}
    row = 5
    while f"B{row}" in v:
        out[(v[f"B{row}"], v[f"C{row}"])] = (v[f"D{row}"], v[f"E{row}"])
        row += 1
    return out


def _trend(path):
    """{(shop, agent): {header: value}} of the summary's trend sheet."""
    v = values(path, "Trend")
    cols = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    heads = {c: v[f"{c}4"] for c in cols if f"{c}4" in v}
    out = {}
    row = 5
    while f"A{row}" in v:
        out[(v[f"A{row}"], v[f"B{row}"])] = {h: v.get(f"{c}{row}") for c, h in heads.items()}
        row += 1
    return out


@needs_engine
def test_summary_merges_the_months_of_an_agent_written_amy_and_amy(tmp_path, scheme, capsys):
    """'amy' in September (A's figures, 81.5), 'Amy' in October (C's, 82.5) and November
    (B's, 74): one agent of 3 months, mean (81.5 + 82.5 + 74) ÷ 3 = 79.33, shown as 'Amy'.
    Before: 'amy' 1 month (81.5) and 'Amy' 2 months (78.25), exit status 0."""
    folder = _months(tmp_path, scheme(), [
        ("S1", "2025-09", "amy", A), ("S1", "2025-09", "Bob", B),
        ("S1", "2025-10", "Amy", C), ("S1", "2025-10", "Bob", B),
        ("S1", "2025-11", "Amy", B), ("S1", "2025-11", "Bob", B)])
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    rc, err, out = _summary(tmp_path, folder, capsys)
    assert rc == 1
    assert ("shop 'S1': one agent is written 2 ways — 'amy' in cs_composite_S1_2025-09.xlsx "
            "(2025-09); 'Amy' in cs_composite_S1_2025-10.xlsx (2025-10), "
            "cs_composite_S1_2025-11.xlsx (2025-11).") in err, err
    assert "shown as 'Amy' (the spelling of the latest month)" in err
    rk = _ranking(out)
    assert set(rk) == {("S1", "Amy"), ("S1", "Bob")}
    months, mean = rk[("S1", "Amy")]
    assert months == 3 and mean == pytest.approx((81.5 + 82.5 + 74) / 3)
    assert rk[("S1", "Bob")] == (3, 74)
    tr = _trend(out)
    assert set(tr) == {("S1", "Amy"), ("S1", "Bob")}
    amy = tr[("S1", "Amy")]
    assert (amy["2025-09"], amy["2025-10"], amy["2025-11"]) == (81.5, 82.5, 74)
    assert amy["Year-end eligible"] == "2025: pending (3 of 12 months)"
    # The rows keep the name as each workbook wrote it.
    v = values(out, "All results")
    assert v["J4"] == "Agent as written"
    assert [v[f"J{r}"] for r in range(5, 11) if v[f"C{r}"] == "Amy"] == ["amy", "Amy", "Amy"]
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


@needs_engine
def test_summary_merges_a_full_width_letter(tmp_path, scheme, capsys):
    """'Ａ' (typed with a Chinese input method) in September, 'A' in October: one agent of
    2 months, mean (81.5 + 82.5) ÷ 2 = 82."""
    folder = _months(tmp_path, scheme(), [
        ("S1", "2025-09", "Ａ", A), ("S1", "2025-09", "B", B),
        ("S1", "2025-10", "A", C), ("S1", "2025-10", "B", B)])
    rc, err, out = _summary(tmp_path, folder, capsys)
    assert rc == 1
    assert "shop 'S1': one agent is written 2 ways — 'Ａ' in " in err
    assert "; 'A' in " in err and "shown as 'A'" in err
    rk = _ranking(out)
    assert rk == {("S1", "A"): (2, 82), ("S1", "B"): (2, 74)}


@needs_engine
def test_summary_merges_a_chinese_name_written_with_a_space_inside(tmp_path, scheme, capsys):
    """'张 三' (a space typed to line two characters up with three-character names) in
    September, '张三' in October: one agent of 2 months, mean (81.5 + 82.5) ÷ 2 = 82; before,
    two agents of one month each, and each month short for the year-end rule."""
    folder = _months(tmp_path, scheme(), [
        ("S1", "2025-09", "张 三", A), ("S1", "2025-09", "B", B),
        ("S1", "2025-10", "张三", C), ("S1", "2025-10", "B", B)])
    rc, err, out = _summary(tmp_path, folder, capsys)
    assert rc == 1
    assert "shop 'S1': one agent is written 2 ways — '张 三' in " in err
    assert "shown as '张三'" in err
    assert _ranking(out) == {("S1", "张三"): (2, 82), ("S1", "B"): (2, 74)}


@needs_engine
def test_summary_merges_invisible_and_full_width_spaces_but_not_another_agent(
        tmp_path, scheme, capsys):
    """'张三' with a full-width space typed after it by hand in September, a zero-width space
    pasted with it in October, plain in November; 张三丰 is another agent every month.
    张三: A's, C's, B's figures → 3 months, mean 79.33; 张三丰: B's → 3 months, 74."""
    from openpyxl import load_workbook
    folder = _months(tmp_path, scheme(), [
        ("S1", "2025-09", "张三", A), ("S1", "2025-09", "张三丰", B),
        ("S1", "2025-10", "张三\u200b", C), ("S1", "2025-10", "张三丰", B),
        ("S1", "2025-11", "张三", B), ("S1", "2025-11", "张三丰", B)])
    sept = next(folder.glob("*2025-09.xlsx"))
    wb = load_workbook(sept)
    ws = wb["Agent data"]
    assert ws["A5"].value == "张三"
    ws["A5"] = "张三\u3000"
    wb.save(sept)
    assert main(["recalc", str(sept), "--in-place", "--quiet"]) == 0
    rc, err, out = _summary(tmp_path, folder, capsys)
    assert rc == 1
    line = next(x for x in err.splitlines() if "written 3 ways" in x)
    assert line.startswith("shop 'S1': one agent is written 3 ways — ")
    assert "'张三\\u3000' in " in line and "(2025-09)" in line
    assert "'张三\\u200b' in " in line and "(2025-10)" in line
    assert "'张三' in " in line and "(2025-11)" in line and "shown as '张三'" in line
    assert "张三丰" not in err
    rk = _ranking(out)
    assert set(rk) == {("S1", "张三"), ("S1", "张三丰")}
    assert rk[("S1", "张三")][0] == 3
    assert rk[("S1", "张三")][1] == pytest.approx((81.5 + 82.5 + 74) / 3)
    assert rk[("S1", "张三丰")] == (3, 74)


@needs_engine
def test_two_spellings_of_one_agent_month_in_two_workbooks_are_a_duplicate(
        tmp_path, scheme, capsys):
    """'Amy' in one workbook and 'amy' in another, same shop and month: the spellings are
    named, and so is the agent-month found twice."""
    s = scheme()
    one = _months(tmp_path, s, [("S1", "2025-10", "Amy", A), ("S1", "2025-10", "Bob", B)],
                  name="one")
    two = _months(tmp_path, s, [("S1", "2025-10", "amy", C), ("S1", "2025-10", "Bob", B)],
                  name="two")
    folder = tmp_path / "month"
    folder.mkdir()
    shutil.copy(next(one.glob("*.xlsx")), folder / "one.xlsx")
    shutil.copy(next(two.glob("*.xlsx")), folder / "two.xlsx")
    rc, err, _ = _summary(tmp_path, folder, capsys)
    assert rc == 1
    assert ("shop 'S1': one agent is written 2 ways — 'Amy' in one.xlsx (2025-10); 'amy' in "
            "two.xlsx (2025-10).") in err
    assert ("shop 'S1', month 2025-10: agent 'Amy' (written 'Amy', 'amy') has results in "
            "one.xlsx and two.xlsx (totals 81.5, 82.5)") in err
    assert "shop 'S1', month 2025-10: agent 'Bob' has results in one.xlsx and two.xlsx" in err


@needs_engine
def test_a_clean_run_is_unchanged_and_exits_0(tmp_path, scheme, capsys):
    """Names written one way, 张三 and 张三丰 both present: nothing merged, nothing reported."""
    folder = _months(tmp_path, scheme(), [
        ("S1", "2025-09", "A", A), ("S1", "2025-09", "B", B), ("S1", "2025-09", "C", C),
        ("S1", "2025-10", "A", A), ("S1", "2025-10", "B", B), ("S1", "2025-10", "C", C),
        ("S2", "2025-10", "张三", A), ("S2", "2025-10", "张三丰", C)])
    rc, err, out = _summary(tmp_path, folder, capsys)
    assert rc == 0, err
    assert err == ""
    assert _ranking(out) == {("S1", "A"): (2, 81.5), ("S1", "B"): (2, 74),
                             ("S1", "C"): (2, 82.5), ("S2", "张三"): (1, 81.5),
                             ("S2", "张三丰"): (1, 82.5)}
    assert "J4" not in values(out, "All results")   # no 'Agent as written' column


@needs_engine
def test_domains_worked_example_totals_are_unchanged(tmp_path, scheme, capsys):
    """The published weights (95 %): A 77.5, B 74, C 77.5. The weight check fails, as it
    should; no spelling or duplicate is reported."""
    folder = tmp_path / "published"
    data = _csv(tmp_path / "published.csv", [["S1", "2025-10", 66.3, n] + f
                                             for n, f in (("A", A), ("B", B), ("C", C))])
    main(["fill", str(scheme(0.05)), str(data), "-o", str(folder), "--quiet"])
    assert main(["recalc", str(folder), "--in-place", "--quiet"]) == 0
    rc, err, out = _summary(tmp_path, folder, capsys)
    assert rc == 1
    assert "95 %" in err
    assert "written" not in err and "has results" not in err
    assert _ranking(out) == {("S1", "A"): (1, 77.5), ("S1", "B"): (1, 74),
                             ("S1", "C"): (1, 77.5)}


@needs_engine
@pytest.mark.parametrize("first,second", [("Amy", "amy"), ("A", "Ａ"), ("张三", "张三\u200b")])
def test_fill_refuses_one_agent_written_two_ways_in_one_month(tmp_path, scheme, capsys,
                                                               first, second):
    data = _csv(tmp_path / "d.csv", [["S1", "2025-10", 66.3, first] + A,
                                     ["S1", "2025-10", 66.3, "Bob"] + B,
                                     ["S1", "2025-10", 66.3, second] + C])
    before = data.read_bytes()
    capsys.readouterr()
    rc = main(["fill", str(scheme()), str(data), "-o", str(tmp_path / "out"),
               "--by", "Shop,Month", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1
    assert (f"d.csv rows 2 and 4: agents {first!r} and {second!r} are one agent written two "
            f"ways") in err, err
    assert "appears twice in Shop 'S1', Month '2025-10'" in err
    assert not list((tmp_path / "out").glob("*.xlsx"))
    assert data.read_bytes() == before


@needs_engine
def test_fill_keeps_different_agents_apart(tmp_path, scheme, capsys):
    data = _csv(tmp_path / "d.csv", [["S1", "2025-10", 66.3, "张三", *A],
                                     ["S1", "2025-10", 66.3, "张三丰", *C]])
    rc = main(["fill", str(scheme()), str(data), "-o", str(tmp_path / "out"), "--quiet"])
    assert rc == 0, capsys.readouterr().err
    v = values(next((tmp_path / "out").glob("*.xlsx")), "Results")
    names = {v.get(f"A{r}") for r in range(5, 8)}
    assert {"张三", "张三丰"} <= names
