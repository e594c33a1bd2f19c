"""The customer-service templates check counts that bound each other (DOMAIN.md §1).

Buyers (成交人数) are some of the inquirers (询单人数), paid orders some of the orders,
returns some of the deals, answered buyers some of those who wrote, bad and neutral reviews
some of the reviews, refunds completed by the agent some of the refunds; sales need a
buyer.  Typed straight into the data sheet, 1500 buyers of 1455 inquirers gave a conversion
of 103 % and full marks, with no warning.  The data sheet's 录入检查 / Input check column
now names the contradiction, that agent's scores, total and pay show #VALUE!, the team
average leaves the row out, and `summary` exits 1 naming the cell and the agent.  Equal parts
and wholes are real data and pass; so is an agent with 0 inquirers and 0 buyers where no
rate is scored of them (monthly_pay), while a 0 that a scored rate divides by is named.
"""
from __future__ import annotations

import csv

import pytest

from kpi_xl.cli import main
from tpl_helpers import libreoffice_sheets, needs_engine, soffice, typed, values

SHEETS = {"zh": ("客服数据", "考核结果"), "en": ("Agent data", "Results")}
#: cs_composite: agent B's buyers 1500 of 1455 inquirers, agent C's paid orders 226 of 225
SAYS = {"zh": ("成交人数 1500 大于 询单人数 1455：不可能，请核对两者。",
               "付款笔数 226 大于 下单笔数 225：不可能，请核对两者。"),
        "en": ("Buyers 1500 is more than Inquiries 1455: impossible, check both.",
               "Paid orders 226 is more than Orders 225: impossible, check both.")}
#: the scores, total, rank, bonus and weighted parts of an agent row of cs_composite results
COMPOSITE_RESULTS = "BCDEFGHIJLMNOPQ"


def _summary(tmp_path, path, capsys):
    capsys.readouterr()
    rc = main(["summary", str(path), "-o", str(tmp_path / "summary.xlsx"), "--quiet"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return rc, err


@needs_engine
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_more_buyers_than_inquirers_is_named_and_not_scored(tmp_path, capsys, lang):
    data, results = SHEETS[lang]
    path = typed(tmp_path, "cs_composite", lang, {"C6": 1500, "E7": 226, "D7": 225})
    d, v = values(path, data), values(path, results)
    assert d["P4"] == ("录入检查" if lang == "zh" else "Input check")
    assert (d["P5"], d["P6"], d["P7"]) == ("OK", *SAYS[lang])
    # B and C: no points, total, rank, bonus or weighted part counts the impossible figures.
    for r in (6, 7):
        for c in COMPOSITE_RESULTS:
            assert v[f"{c}{r}"] == ("#N/A" if c == "I" else "#VALUE!"), f"{c}{r}"
    # A is scored as published: 70/100/70/90/90/80, total 77.5, and ranks alone.
    assert [v[f"{c}5"] for c in "BCDEFGHI"] == [70, 100, 70, 90, 90, 80, 77.5, 1]
    rc, err = _summary(tmp_path, path, capsys)
    assert rc == 1
    name = f"cs_composite_{lang}.xlsx"
    for cell, agent, says in (("P6", "B", SAYS[lang][0]), ("P7", "C", SAYS[lang][1])):
        assert (f"{name}, sheet {data!r}, cell {cell} (agent {agent!r}): the input check says "
                f"{says}") in err
    assert "cell P5" not in err


@needs_engine
def test_sales_without_buyers_and_returns_over_deals(tmp_path, capsys):
    # A new agent D in the first spare row: sales 100 with 0 buyers (the AOV would be 0 and
    # score 0, silently); A's returns 290 of 289 deals.
    row = dict(A8="D", B8=10, C8=0, D8=5, E8=5, F8=100, G8=10, H8=20, I8=0, J8=5)
    path = typed(tmp_path, "cs_composite", "en", {"I5": 290, **row})
    d, v = values(path, "Agent data"), values(path, "Results")
    assert d["P5"] == "Returns 290 is more than Deals 289: impossible, check both."
    assert d["P8"] == "Sales 100 with Buyers 0: impossible, check both."
    assert (v["H5"], v["H8"], v["H6"], v["H7"]) == ("#VALUE!", "#VALUE!", 74, 77.5)
    rc, err = _summary(tmp_path, path, capsys)
    assert rc == 1
    assert ("sheet 'Agent data', cell P8 (agent 'D'): the input check says Sales 100 with "
            "Buyers 0") in err


#: what jd_service's input check says of an agent with 0 inquiries and 0 refund cases
ZERO_BASES = {
    "zh": "询单人数 为 0：以它为分母的比率无从计算，会按 0% 计分；请更正，或本月不考核该客服。 "
          "售后退款单数 为 0：以它为分母的比率无从计算，会按 0% 计分；请更正，或本月不考核该客服。",
    "en": "Inquiries is 0: the rate divided by it has no value and would score as 0 %; correct "
          "it, or leave the agent out of this month. Refund cases is 0: the rate divided by it "
          "has no value and would score as 0 %; correct it, or leave the agent out of this "
          "month."}


@needs_engine
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_equal_parts_pass_and_a_zero_base_of_a_scored_rate_is_named(tmp_path, built, capsys,
                                                                    lang):
    """jd_service: E's buyers equal the inquiries and all refunds were completed by E: E
    passes.  D has 0 inquirers, 0 buyers, no sales and no refunds: conversion, AOV ratio and
    refunds completed are 0 ÷ 0, which KPI_RATE gives as 0 and the bands scored 0 points, so
    D's total was 33 (first response 12 s → 100 × 15 % + average 28 s → 100 × 10 % + rating
    80 × 10 %) with its input check OK and the month's summary exit 0, and D's 0 % pulled
    the team's average conversion from 52.3 % to 39.3 %.  ``fill`` refuses these zeros;
    the input check names them now, D has no total, the team average leaves D out (A, B,
    C keep the shipped totals) and the summary exits 1 naming D."""
    data, results = SHEETS[lang]
    cells = dict(A8="D", B8=0, C8=0, D8=0, E8=12, F8=28, G8=0, H8=0, I8=80,
                 A9="E", B9=50, C9=50, D9=5000, E9=12, F9=28, G9=5, H9=5, I9=80)
    path = typed(tmp_path, "jd_service", lang, cells)
    d, v = values(path, data), values(path, results)
    assert [d[f"N{r}"] for r in range(5, 10)] == ["OK"] * 3 + [ZERO_BASES[lang], "OK"]
    shipped = values(built("jd_service", lang), results)
    assert [v[f"H{r}"] for r in (5, 6, 7)] == [shipped[f"H{r}"] for r in (5, 6, 7)]
    assert v["H8"] == "#VALUE!" and isinstance(v["H9"], (int, float))
    rc, err = _summary(tmp_path, path, capsys)
    assert rc == 1
    assert (f"jd_service_{lang}.xlsx, sheet {data!r}, cell N8 (agent 'D'): the input check "
            f"says {ZERO_BASES[lang]}") in err
    assert "cell N9" not in err


@needs_engine
def test_every_agent_failing_its_input_check_is_said_as_the_inputs(tmp_path, capsys):
    """Every agent of the pay sheet with one buyer more than its inquiries (A 1,001 of
    1,000, B 901 of 900, C 701 of 700, D 601 of 600): the team averages have no row left
    and are #DIV/0!.  Before, the score-band checks read that average among the scores
    and the summary began with "the scheme check says #DIV/0!" on the scheme (B30, F30),
    and told the user that every column's error was one cause in the scheme, computed from
    the team average 'Agent data'!L9.  The sentences now begin with the four input checks,
    and every agent's error cells are said as that agent's own."""
    inquiries = {5: 1000, 6: 900, 7: 700, 8: 600}
    path = typed(tmp_path, "monthly_pay", "en", {f"F{r}": n + 1 for r, n in inquiries.items()})
    d, scheme = values(path, "Agent data"), values(path, "Pay scheme")
    assert d["L12"] == "#DIV/0!"            # the team's bad/neutral rate, of no agent
    assert (scheme["B30"], scheme["F30"]) == ("OK", "OK")
    rc, err = _summary(tmp_path, path, capsys)
    assert rc == 1
    lines = err.splitlines()
    for line, (r, n), agent in zip(lines, inquiries.items(), "ABCD"):
        assert line.startswith(f"monthly_pay_en.xlsx, sheet 'Agent data', cell M{r} (agent "
                               f"{agent!r}): the input check says Buyers {n + 1} is more than "
                               f"Inquiries {n}: impossible, check both."), line
    assert "scheme check" not in err and "one they share" not in err, err
    assert "'Agent data'!L12" not in err and "'Agent data'!K12" not in err, err


@needs_engine
def test_pay_agent_without_inquiries_passes(tmp_path, capsys):
    """monthly_pay scores no rate: an agent with 0 inquiries, buyers, sales and reviews has
    a blank conversion, AOV and review rate, left out of the team averages (README), and
    is paid base and bonus: E, 5 months → 3,100, score 80 → rule 1's 500, no commission
    (sales below the floor): 3,600."""
    path = typed(tmp_path, "monthly_pay", "en",
                 dict(A9="E", B9=5, C9=80, D9=0, E9=0, F9=0, G9=0, H9=0, I9=0))
    d, v = values(path, "Agent data"), values(path, "Pay sheet")
    assert d["M9"] == "OK" and [d.get(f"{c}9") for c in "JKL"] == [None, None, None]
    assert v["M9"] == 3600
    rc, err = _summary(tmp_path, path, capsys)
    assert rc == 0, err


@needs_engine
def test_jd_refunds_completed_over_refunds(tmp_path, capsys):
    path = typed(tmp_path, "jd_service", "zh", {"H6": 51})
    d, v = values(path, "客服数据"), values(path, "考核结果")
    assert d["N6"] == "自主完结单数 51 大于 售后退款单数 50：不可能，请核对两者。"
    assert (v["H6"], v["J6"]) == ("#VALUE!", "#VALUE!")
    assert isinstance(v["H5"], (int, float)) and isinstance(v["H7"], (int, float))
    rc, err = _summary(tmp_path, path, capsys)
    assert rc == 1 and "cell N6 (agent 'B'): the input check says 自主完结单数 51" in err


@needs_engine
def test_appraisal_answered_over_wrote(tmp_path, built, capsys):
    path = typed(tmp_path, "appraisal_100", "en", {"G6": 1300})
    d, v = values(path, "Agent data"), values(path, "Results")
    assert d["S6"] == "Buyers answered 1300 is more than Buyers who wrote 1200: impossible, " \
                      "check both."
    assert (v["K6"], v["N6"]) == ("#VALUE!", "#VALUE!")      # total and monthly bonus
    shipped = values(built("appraisal_100", "en"), "Results")
    assert [v[f"K{r}"] for r in (5, 7, 8)] == [shipped[f"K{r}"] for r in (5, 7, 8)]
    rc, err = _summary(tmp_path, path, capsys)
    assert rc == 1 and "cell S6 (agent 'B'): the input check says Buyers answered" in err


@needs_engine
def test_pay_bad_and_neutral_reviews_over_reviews(tmp_path, capsys):
    """C: 200 bad and 100 neutral of 250 reviews, each alone fewer than the reviews: a
    bad/neutral rate of 120 %.  C has no total, conditions or pay; the team average that
    the others' commission conditions compare with leaves C out."""
    path = typed(tmp_path, "monthly_pay", "en", {"H7": 200, "I7": 100})
    d, v = values(path, "Agent data"), values(path, "Pay sheet")
    assert d["M7"] == ("Bad reviews + Neutral reviews 300 is more than Reviews 250: "
                       "impossible, check both.")
    assert (v["B7"], v["F7"], v["M7"]) == ("#VALUE!", "#VALUE!", "#VALUE!")
    for r in (5, 6, 8):
        assert v[f"F{r}"] in ("yes", "no") and isinstance(v[f"M{r}"], (int, float)), r
    # Team average (row 12, below 4 agents and 3 spare rows): A, B and D only.
    for c in "JKL":   # conversion, AOV, bad/neutral rate
        assert d[f"{c}12"] == pytest.approx(sum(d[f"{c}{r}"] for r in (5, 6, 8)) / 3), c
    rc, err = _summary(tmp_path, path, capsys)
    assert rc == 1 and "cell M7 (agent 'C'): the input check says Bad reviews + Neutral" in err


def test_fill_refuses_the_same_rules(tmp_path, built, capsys):
    """`fill` reads the same rules from the data: sales with no buyer, and bad plus neutral
    reviews over the reviews, are refused by row and column."""
    head = ["Agent", "Months of service", "Appraisal score", "Sales", "Inquiries", "Buyers",
            "Reviews", "Bad reviews", "Neutral reviews"]
    src = tmp_path / "pay.csv"
    with open(src, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([head, ["A", 5, 90, 50000, 100, 40, 30, 20, 15],
                                  ["B", 5, 90, 50000, 100, 0, 30, 1, 1]])
    rc = main(["fill", str(built("monthly_pay", "en", recalc=False)), str(src),
               "-o", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert rc != 0
    assert ("pay.csv row 2, column 'Bad reviews' + 'Neutral reviews': 35 is more than "
            "'Reviews' (30)") in err
    assert "pay.csv row 3, column 'Sales': 50000 with 'Buyers' 0" in err
    assert "Traceback" not in err


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_says_the_same(tmp_path):
    """The check cell and the guards are Excel's own functions: LibreOffice, recalculating
    the file itself, says the same and gives #VALUE! for B's and C's points."""
    path = typed(tmp_path, "cs_composite", "zh", {"C6": 1500, "E7": 226, "D7": 225})
    data, results = libreoffice_sheets(tmp_path, path, "客服数据", "考核结果")
    assert [data[r][15] for r in (4, 5, 6)] == ["OK", *SAYS["zh"]]
    assert [results[r][1] for r in (5, 6)] == ["#VALUE!", "#VALUE!"]   # conversion points
