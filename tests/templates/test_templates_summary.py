"""Consolidating filled workbooks: totals read from cached values, ranking across shops,
trend per agent over months; workbooks without cached values are reported.

The expected totals are computed here from the generated data with the core
functions and DOMAIN's published tables, independently of the template's formulas.
"""
from __future__ import annotations

import math
import time

import pytest
from openpyxl import load_workbook

from kpi_xl import KpiNotFoundError, band_score, safe_rate, weighted_total
from kpi_xl.cli import main
from kpi_xl.templates import SummaryError
from kpi_xl.templates.fill import fill_template
from kpi_xl.templates.sample_data import generate_sample_data, write_sample_data
from kpi_xl.templates.summary import collect, write_summary
from test_templates_composite import (AOV_RATIO, AVERAGE, CONVERSION, FIRST, PAYMENT, RETURNS,
                                      WEIGHTS)
from tpl_helpers import needs_engine


def expected_total(row) -> float:
    """DOMAIN's composite model applied to one row of the generated data (English headers).

    A figure in no band of the published tables (the 31 %–32 % conversion gap) has no
    total: NaN, which the workbook shows as #N/A.
    """
    try:
        return _expected_total(row)
    except KpiNotFoundError:
        return math.nan


def _expected_total(row) -> float:
    aov = safe_rate(row["Sales"], row["Buyers"])
    points = [band_score(safe_rate(row["Buyers"], row["Inquiries"]), CONVERSION, "left"),
              band_score(safe_rate(row["Paid orders"], row["Orders"]), PAYMENT, "left"),
              band_score(safe_rate(aov, row["Shop AOV"]), AOV_RATIO, "left"),
              band_score(row["First response (s)"], FIRST, "right"),
              band_score(row["Avg response (s)"], AVERAGE, "right"),
              band_score(row["Returns"], RETURNS, "left")]
    return weighted_total([points], WEIGHTS)


def test_sample_data_is_deterministic_and_complete():
    a = generate_sample_data(3, 2, 4, lang="en", seed=7)
    b = generate_sample_data(3, 2, 4, lang="en", seed=7)
    assert a.equals(b)
    assert len(a) == 3 * 2 * 4
    assert list(a.columns[:4]) == ["Shop", "Month", "Shop AOV", "Agent"]
    assert (a["Buyers"] <= a["Inquiries"]).all() and (a["Paid orders"] <= a["Orders"]).all()
    assert not generate_sample_data(3, 2, 4, lang="en", seed=8).equals(a)
    assert a.groupby(["Shop", "Month"])["Agent"].nunique().eq(4).all()


def test_uncached_workbooks_are_reported(tmp_path, built):
    raw = built("cs_composite", "zh", recalc=False)
    with pytest.raises(SummaryError, match="has no cached values"):
        collect([raw])
    problems = []
    assert collect([raw], strict=False, problems=problems).empty
    assert "kpi-xl recalc" in problems[0]
    with pytest.raises(SummaryError, match="does not exist"):
        collect([tmp_path / "missing.xlsx"])


def _run(tmp_path, shops, months, agents, jobs=1, seed=11):
    data = write_sample_data(tmp_path / "agents.csv", n_shops=shops, n_months=months,
                             n_agents=agents, lang="en", seed=seed)
    from kpi_xl.templates import build_template
    template = tmp_path / "cs_composite_en.xlsx"
    build_template("cs_composite", "en", template, recalc=False)
    report = fill_template(template, data, tmp_path / "out", by="Shop,Month", jobs=jobs,
                           progress=True)
    assert report.problems == [] and report.cached, report.problems
    assert len(report.written) == shops * months
    df = collect(report.written)
    return data, df


def _check(data_path, df, shops, months, agents, tmp_path):
    import pandas as pd
    data = pd.read_csv(data_path, encoding="utf-8-sig")
    assert len(df) == shops * months * agents
    merged = df.merge(data, left_on=["shop", "month", "agent"], right_on=["Shop", "Month", "Agent"])
    assert len(merged) == len(df)
    expected = merged.apply(expected_total, axis=1)
    assert merged["total"].tolist() == pytest.approx(expected.tolist(), nan_ok=True)
    # Rank within each shop and month, ties sharing the better place; an agent without a
    # total has no rank and does not disturb the others'.
    for _, g in merged.groupby(["shop", "month"]):
        want = g["total"].rank(ascending=False, method="min")
        assert g["rank"].tolist() == pytest.approx(want.tolist(), nan_ok=True)
    return expected.isna().sum()
    out = write_summary(df, tmp_path / "summary.xlsx", lang="en")
    wb = load_workbook(out)
    assert wb.sheetnames == ["All results", "Ranking", "Trend"]
    trend = wb["Trend"]
    head = [c.value for c in trend[4]]
    assert head[:2] == ["Shop", "Agent"] and head[2:2 + months] == sorted(data["Month"].unique())
    assert trend.max_row == 4 + shops * agents
    # One agent's row of the trend equals its monthly totals.
    shop, agent = trend["A5"].value, trend["B5"].value
    mine = df[(df.shop == shop) & (df.agent == agent)].sort_values("month")["total"].tolist()
    assert [trend.cell(5, 3 + m).value for m in range(months)] == pytest.approx(mine)
    ranking = wb["Ranking"]
    means = df.groupby(["shop", "agent"])["total"].mean()
    assert ranking["E5"].value == pytest.approx(means.max())
    assert ranking["A5"].value == 1


@needs_engine
def test_fill_recalc_summary_small(tmp_path, capsys):
    data, df = _run(tmp_path, shops=2, months=3, agents=5, seed=1)
    # This seed puts one agent's conversion into the published table's 31 %–32 % gap.
    assert _check(data, df, 2, 3, 5, tmp_path) == 1
    code = main(["summary", str(tmp_path / "out" / "*.xlsx"), "-o", str(tmp_path / "s.xlsx"),
                 "--quiet"])
    assert code == 1  # written, with the agent in the gap reported
    assert "are #N/A" in capsys.readouterr().err
    assert load_workbook(tmp_path / "s.xlsx", read_only=True).sheetnames[0] == "All results"


@needs_engine
@pytest.mark.slow
def test_fill_recalc_summary_50_shops_12_months_20_agents(tmp_path):
    start = time.perf_counter()
    data, df = _run(tmp_path, shops=50, months=12, agents=20, jobs=2)
    _check(data, df, 50, 12, 20, tmp_path)
    print(f"50 × 12 × 20: {time.perf_counter() - start:.0f} s")


@needs_engine
def test_sample_pipeline_for_the_demo(tmp_path):
    from kpi_xl.templates.pipeline import sample_pipeline
    result = sample_pipeline(tmp_path, n_shops=1, n_months=2, n_agents=3, lang="zh",
                             progress=False)
    assert len(result.report.written) == 2 and result.summary.exists()
    assert len(result.results) == 6
    assert load_workbook(result.summary, read_only=True).sheetnames == ["全部结果", "跨店排名", "月度趋势"]


def test_year_end_is_decided_per_calendar_year_with_every_month_counted():
    """By hand, threshold 70, 3 in a row or 4 in all disqualify (DOMAIN §3):
    2024-11, 2024-12 fail and 2025-01 fails: three in a row across the new year, but each
    year has its own count — 2024 has two failures of two months (pending: 2 of 12),
    2025 has one.  2025-03 has no total (#N/A): 2025 cannot be decided."""
    import pandas as pd
    from kpi_xl.templates.summary import trend, year_end_text
    from kpi_xl.templates.layout import Labels
    months = ["2024-11", "2024-12"] + [f"2025-{m:02d}" for m in range(1, 13)]
    totals = [60, 65, 69, 80, float("nan")] + [80] * 9
    df = pd.DataFrame({"shop": "S", "agent": "A", "month": months, "total": totals,
                       "file": [f"{m}.xlsx" for m in months]})
    table, _ = trend(df)
    text = year_end_text(table["year_end"][0], Labels("en"))
    assert text == "2024: pending (2 of 12 months); 2025: pending (no total in 2025-03)"
    # The workbook's own rule: two failed months in all disqualify.
    df["rule_max_total"] = 2
    table, _ = trend(df)
    assert year_end_text(table["year_end"][0], Labels("en")).startswith("2024: no; 2025:")
    # A full year without failures is eligible; one month below 70 (70 itself is not) too.
    full = pd.DataFrame({"shop": "S", "agent": "B", "month": months[2:],
                         "total": [70] + [85] * 11, "file": "x.xlsx"})
    assert year_end_text(trend(full)[0]["year_end"][0], Labels("zh")) == "2025: 是"


def test_the_summary_library_returns_its_findings_and_prints_nothing(tmp_path, capsys):
    # kpi_xl/cli.py prints; the library gathers, refuses and writes.
    from kpi_xl.templates.commands import gather_summary, write_gathered_summary
    from kpi_xl.templates.fill import OutputError
    missing = tmp_path / "gone.xlsx"
    run = gather_summary([str(missing)], tmp_path / "summary.xlsx")
    assert run.frame.empty and len(run.problems) == 1 and str(missing) in run.problems[0]
    assert not run.ok
    with pytest.raises(SummaryError, match="None of the workbooks could be summarised"):
        write_gathered_summary(run, tmp_path / "summary.xlsx")
    (tmp_path / "summary.xlsx").write_bytes(b"the user's own file")
    with pytest.raises(OutputError, match="already exists; nothing was written"):
        gather_summary([str(missing)], tmp_path / "summary.xlsx")
    assert (tmp_path / "summary.xlsx").read_bytes() == b"the user's own file"
    assert capsys.readouterr() == ("", "")
