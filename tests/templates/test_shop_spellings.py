"""One shop written in more than one way ('S1' and 's1', 'S1' and full-width 'Ｓ１', '旗舰店'
with a trailing full-width or zero-width space) is one shop, in `fill` and in `summary`, as
one agent written in more than one way is one agent (test_agent_spellings).

Before, `fill` wrote two workbooks for one shop-month, and `summary` kept the two spellings
as two shops: the shop's months and agents split in two, and an agent with results in a
workbook of each spelling for the same month was counted twice, with exit status 0.

The figures are test_agent_spellings's: DOMAIN's worked example on the composite scheme with
its gap and overlap corrected and the returns weight at 10 %, so that the totals are
A 81.5, B 74, C 82.5.
"""
from __future__ import annotations

import shutil

import pytest

from kpi_xl.cli import main
from tpl_helpers import needs_engine, values

#: DOMAIN's agents' figures, without their names (totals 81.5, 74, 82.5), and the helpers
#: that fill, recalculate and summarise them: test_agent_spellings's.
from test_agent_spellings import A, B, C, _csv, _months, _ranking, _summary, _trend


@pytest.fixture()
def scheme(tmp_path):
    """`kpi-xl template cs_composite`, gap and overlap corrected, returns at 10 %."""
    def make(lang="en"):
        from openpyxl import load_workbook
        raw = tmp_path / f"scheme_raw_{lang}.xlsx"
        assert main(["template", "cs_composite", "--lang", lang, "-o", str(raw)]) == 0
        wb = load_workbook(raw)
        ws = wb["Scheme" if lang == "en" else "方案"]
        ws["G6"] = 0.10
        ws["B21"] = 0.32   # the published gap 31 %–32 % closed
        ws["F21"] = 0.60   # the published overlap 60 %–65 % removed
        path = tmp_path / f"scheme_{lang}" / "cs_composite.xlsx"
        path.parent.mkdir(exist_ok=True)
        wb.save(path)
        return path
    return make


@needs_engine
def test_summary_merges_the_months_of_a_shop_written_s1_and_s1(tmp_path, scheme, capsys):
    """'S1' in September (Amy: A's figures, 81.5) and October (C's, 82.5), 's1' in November
    (B's, 74); Bob B's every month. One shop, shown as 's1' (the spelling of its latest
    month): Amy 3 months, mean (81.5 + 82.5 + 74) ÷ 3 = 79.33; Bob 3 months, 74.
    Before: shop 'S1' with 2 months (Amy 82) and shop 's1' with 1, exit status 0."""
    folder = _months(tmp_path, scheme(), [
        ("S1", "2025-09", "Amy", A), ("S1", "2025-09", "Bob", B),
        ("S1", "2025-10", "Amy", C), ("S1", "2025-10", "Bob", B),
        ("s1", "2025-11", "Amy", B), ("s1", "2025-11", "Bob", B)])
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    rc, err, out = _summary(tmp_path, folder, capsys)
    assert rc == 1
    assert ("one shop is written 2 ways — 'S1' in cs_composite_S1_2025-09.xlsx (2025-09), "
            "cs_composite_S1_2025-10.xlsx (2025-10); 's1' in cs_composite_s1_2025-11.xlsx "
            "(2025-11).") in err, err
    assert "counted as one shop, shown as 's1' (the spelling of the latest month)" in err
    assert "one agent is written" not in err and "has results" not in err
    rk = _ranking(out)
    assert set(rk) == {("s1", "Amy"), ("s1", "Bob")}
    months, mean = rk[("s1", "Amy")]
    assert months == 3 and mean == pytest.approx((81.5 + 82.5 + 74) / 3)
    assert rk[("s1", "Bob")] == (3, 74)
    tr = _trend(out)
    assert set(tr) == {("s1", "Amy"), ("s1", "Bob")}
    amy = tr[("s1", "Amy")]
    assert (amy["2025-09"], amy["2025-10"], amy["2025-11"]) == (81.5, 82.5, 74)
    assert amy["Year-end eligible"] == "2025: pending (3 of 12 months)"
    # Every row is under the one shop, and keeps the shop as its workbook wrote it.
    v = values(out, "All results")
    assert v["J4"] == "Shop as written" and "K4" not in v
    rows = range(5, 11)
    assert {v[f"A{r}"] for r in rows} == {"s1"}
    assert [(v[f"B{r}"], v[f"C{r}"], v[f"J{r}"]) for r in rows if v[f"C{r}"] == "Amy"] == [
        ("2025-09", "Amy", "S1"), ("2025-10", "Amy", "S1"), ("2025-11", "Amy", "s1")]
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


@needs_engine
def test_one_agent_month_under_two_spellings_of_a_shop_is_a_duplicate(
        tmp_path, scheme, capsys):
    """October of shop 'S1' in one workbook (Amy 81.5, Bob 74) and of 's1' in another (Amy
    82.5, Bob 74): Amy's and Bob's October would be paid twice. Both spellings are named,
    and so is each agent-month found twice. Before: two shops, exit status 0."""
    s = scheme()
    one = _months(tmp_path, s, [("S1", "2025-10", "Amy", A), ("S1", "2025-10", "Bob", B)],
                  name="one")
    two = _months(tmp_path, s, [("s1", "2025-10", "Amy", C), ("s1", "2025-10", "Bob", B)],
                  name="two")
    folder = tmp_path / "month"
    folder.mkdir()
    shutil.copy(next(one.glob("*.xlsx")), folder / "one.xlsx")
    shutil.copy(next(two.glob("*.xlsx")), folder / "two.xlsx")
    rc, err, out = _summary(tmp_path, folder, capsys)
    assert rc == 1
    # Two rows of each spelling in the latest month: the first file's spelling is shown.
    assert "one shop is written 2 ways — 'S1' in one.xlsx (2025-10); 's1' in two.xlsx " \
           "(2025-10). " in err, err
    assert "shown as 'S1'" in err
    assert ("shop 'S1' (written 'S1', 's1'), month 2025-10: agent 'Amy' has results in "
            "one.xlsx and two.xlsx (totals 81.5, 82.5)") in err
    assert ("shop 'S1' (written 'S1', 's1'), month 2025-10: agent 'Bob' has results in "
            "one.xlsx and two.xlsx (totals 74, 74)") in err
    rk = _ranking(out)
    assert set(rk) == {("S1", "Amy"), ("S1", "Bob")}
    assert rk[("S1", "Amy")] == (2, 82)


@needs_engine
def test_summary_merges_a_full_width_space_after_a_chinese_shop_but_not_another_shop(
        tmp_path, scheme, capsys):
    """Chinese workbooks. '旗舰店' with a full-width space typed after it by hand in September
    (张三: A's figures, 81.5), plain in October (C's, 82.5); '旗舰店2' is another shop, its
    张三 B's figures both months. 旗舰店: 张三 2 months, mean 82; 旗舰店2: 张三 2 months, 74;
    no agent-month is a duplicate."""
    from openpyxl import load_workbook
    folder = _months(tmp_path, scheme("zh"), [
        ("旗舰店", "2025-09", "张三", A), ("旗舰店2", "2025-09", "张三", B),
        ("旗舰店", "2025-10", "张三", C), ("旗舰店2", "2025-10", "张三", B)])
    sept = folder / "cs_composite_旗舰店_2025-09.xlsx"
    wb = load_workbook(sept)
    ws = wb["客服数据"]
    assert ws["B3"].value == "旗舰店"
    ws["B3"] = "旗舰店\u3000"
    wb.save(sept)
    assert main(["recalc", str(sept), "--in-place", "--quiet"]) == 0
    rc, err, out = _summary(tmp_path, folder, capsys)
    assert rc == 1
    assert ("one shop is written 2 ways — '旗舰店\\u3000' in cs_composite_旗舰店_2025-09.xlsx "
            "(2025-09); '旗舰店' in cs_composite_旗舰店_2025-10.xlsx (2025-10).") in err, err
    assert "shown as '旗舰店'" in err
    assert "旗舰店2" not in err and "has results" not in err
    assert _ranking(out, "跨店排名") == {("旗舰店", "张三"): (2, 82), ("旗舰店2", "张三"): (2, 74)}
    v = values(out, "全部结果")
    assert v["J4"] == "店铺（原写法）"
    assert sorted((v[f"A{r}"], v[f"B{r}"], v.get(f"J{r}")) for r in range(5, 9)) == [
        ("旗舰店", "2025-09", "旗舰店\u3000"), ("旗舰店", "2025-10", "旗舰店"),
        ("旗舰店2", "2025-09", "旗舰店2"), ("旗舰店2", "2025-10", "旗舰店2")]


@needs_engine
@pytest.mark.parametrize("first,second", [("S1", "s1"), ("S1", "Ｓ１"),
                                          ("旗舰店", "旗舰店\u200b")])
def test_fill_refuses_one_shop_month_written_two_ways(tmp_path, scheme, capsys, first, second):
    """Amy under one spelling, Bob under the other, and Amy again under another shop whose name
    only starts the same: the first two rows are one group (one shop-month) named with both
    spellings and left unwritten; the other shop is written. Before: three workbooks, exit
    status 0."""
    other = first + "2"
    data = _csv(tmp_path / "d.csv", [[first, "2025-10", 66.3, "Amy"] + A,
                                     [other, "2025-10", 66.3, "Amy"] + C,
                                     [second, "2025-10", 66.3, "Bob"] + B])
    capsys.readouterr()
    rc = main(["fill", str(scheme()), str(data), "-o", str(tmp_path / "out"),
               "--by", "Shop,Month", "--quiet"])
    out = capsys.readouterr()
    assert rc == 1
    assert (f"d.csv, column 'Shop': one shop is written 2 ways within Shop {first!r}, Month "
            f"'2025-10' — {first!r} in row 2; {second!r} in row 4. Names are compared ignoring "
            f"case, full-width letters and spaces, so these rows are one shop, written as "
            f"{first!r} (the first spelling)") in out.err, out.err
    assert "Wrote 1 of 2 workbook(s)" in out.out
    books = list((tmp_path / "out").glob("*.xlsx"))
    assert [p.name for p in books] == [f"cs_composite_{other}_2025-10.xlsx"]
    v = values(books[0], "Results")
    assert v["H4"] == "Total"
    assert (v["A5"], v["H5"]) == ("Amy", 82.5) and "A6" not in v


@needs_engine
def test_fill_with_force_writes_one_workbook_for_the_shop(tmp_path, scheme, capsys):
    """--force: 'S1' and 's1' of October are one workbook under the first spelling, Amy 81.5
    ranked 1 and Bob 74 ranked 2 in one shop. Before: two workbooks, each agent alone ranked 1."""
    data = _csv(tmp_path / "d.csv", [["S1", "2025-10", 66.3, "Amy"] + A,
                                     ["s1", "2025-10", 66.3, "Bob"] + B])
    capsys.readouterr()
    rc = main(["fill", str(scheme()), str(data), "-o", str(tmp_path / "out"),
               "--by", "Shop,Month", "--quiet", "--force"])
    out = capsys.readouterr()
    assert rc == 1
    assert "one shop is written 2 ways within Shop 'S1', Month '2025-10'" in out.err
    books = list((tmp_path / "out").glob("*.xlsx"))
    assert [p.name for p in books] == ["cs_composite_S1_2025-10.xlsx"]
    assert values(books[0], "Agent data")["B3"] == "S1"
    v = values(books[0], "Results")
    assert v["H4"] == "Total" and v["I4"] == "Rank"
    assert [(v[f"A{r}"], v[f"H{r}"], v[f"I{r}"]) for r in (5, 6)] == [("Amy", 81.5, 1),
                                                                       ("Bob", 74, 2)]


@needs_engine
def test_a_file_name_shows_no_zero_width_character(tmp_path, scheme, capsys):
    """The first row of October writes '旗舰店' with a zero-width space and a BOM pasted in:
    --force writes the month under that spelling, but its file is named as a reader sees the
    shop, like September's. Before: 'cs_composite_旗舰店\u200b\ufeff_2025-10.xlsx'."""
    data = _csv(tmp_path / "d.csv", [["旗舰店", "2025-09", 66.3, "Amy"] + A,
                                     ["旗舰店\u200b\ufeff", "2025-10", 66.3, "Amy"] + A,
                                     ["旗舰店", "2025-10", 66.3, "Bob"] + B])
    capsys.readouterr()
    rc = main(["fill", str(scheme()), str(data), "-o", str(tmp_path / "out"),
               "--by", "Shop,Month", "--quiet", "--force"])
    assert rc == 1 and "one shop is written 2 ways" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "out").glob("*.xlsx")) == [
        "cs_composite_旗舰店_2025-09.xlsx", "cs_composite_旗舰店_2025-10.xlsx"]


@needs_engine
def test_fill_by_month_names_the_spellings_of_one_shop_apart_from_another_shop(
        tmp_path, scheme, capsys):
    """Grouped by month only: 'S1' and 's1' in one group are one shop written two ways, and
    'S2' beside them is another shop, which a group cannot have. Before: one sentence, the
    three taken for three shops."""
    data = _csv(tmp_path / "d.csv", [["S1", "2025-10", 66.3, "Amy"] + A,
                                     ["s1", "2025-10", 66.3, "Bob"] + B,
                                     ["S2", "2025-10", 66.3, "Cat"] + C])
    capsys.readouterr()
    rc = main(["fill", str(scheme()), str(data), "-o", str(tmp_path / "out"),
               "--by", "Month", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1
    assert ("d.csv, column 'Shop': one shop is written 2 ways within Month '2025-10' — 'S1' "
            "in row 2; 's1' in row 3.") in err, err
    assert ("d.csv rows 2, 3, 4, column 'Shop': the values differ within Month '2025-10' "
            "(S1, S2, s1); a group has one shop.") in err
    assert "'S2' in row" not in err
    assert not list((tmp_path / "out").glob("*.xlsx"))
