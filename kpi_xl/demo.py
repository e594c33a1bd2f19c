"""``kpi-xl demo``: the main job on an example, start to finish.

1. The composite customer-service template (DOMAIN's worked example: agents A, B, C)
   is recalculated without Excel and its scores are read back from the workbook.
2. A month-by-month data set of several shops is generated, filled into the
   template (one workbook per shop and month), recalculated, and consolidated
   into one summary workbook with a ranking across shops and the trend per agent.
"""
from __future__ import annotations

import time
from pathlib import Path

DEMO_SHOPS, DEMO_MONTHS, DEMO_AGENTS = 5, 3, 10


def run_demo(args) -> int:
    from .engine.recalc import recalc_file
    from .templates import shipped_template
    from .templates.fill import fill_template
    from .templates.sample_data import write_sample_data
    from .templates.summary import collect, write_summary

    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()

    template = shipped_template("cs_composite", "zh")
    worked = out / "客服综合考核_示例.xlsx"
    res = recalc_file(template, worked)
    print(f"1. Worked example (DOMAIN.md): {template.name} recalculated without Excel "
          f"({res.cells} formula cells) -> {worked}")
    df = collect([worked])
    for _, row in df.iterrows():
        print(f"   agent {row['agent']}: total {row['total']:g}, rank {row['rank']:g}, "
              f"bonus {row['bonus']:g}, {row['quadrant']}")
    for line in _check_cells(worked):
        print(f"   check: {line}")

    data = write_sample_data(out / "agents.csv", n_shops=DEMO_SHOPS, n_months=DEMO_MONTHS,
                             n_agents=DEMO_AGENTS)
    print(f"2. Sample data: {DEMO_SHOPS} shops x {DEMO_MONTHS} months x {DEMO_AGENTS} agents -> {data}")
    report = fill_template(template, data, out / "workbooks", by=("shop", "month"), progress=True)
    print("   " + report.summary().replace("\n", "\n   "))
    books = sorted((out / "workbooks").glob("*.xlsx"))
    df = collect(books)
    summary = write_summary(df, out / "summary.xlsx", lang="zh")
    print(f"3. Summary of {len(books)} workbooks ({len(df)} agent-months) -> {summary}")
    unscored = int(df["total"].isna().sum())
    if unscored:
        print(f"   {unscored} agent-months have no total: their value falls in a gap of a band table "
              f"(the check cells above say which); fix the table in 方案 and recalculate.")
    best = df.sort_values("total", ascending=False).head(5)
    for _, row in best.iterrows():
        print(f"   {row['shop']} {row['month']} {row['agent']}: {row['total']:g}")
    print(f"Done in {time.perf_counter() - t0:.1f} s. Open the files in {out}/ with Excel, WPS or "
          f"LibreOffice: the numbers are already there.")
    return 0


def _check_cells(path):
    """What the scheme's KPI_CHECK_* cells say, where it is not OK."""
    from openpyxl import load_workbook
    formulas = load_workbook(path, read_only=True)
    values = load_workbook(path, data_only=True, read_only=True)
    found = []
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and "KPI_CHECK_" in cell.value.upper():
                    v = values[ws.title][cell.coordinate].value
                    if v != "OK":
                        found.append(f"{ws.title}!{cell.coordinate}: {v}")
    formulas.close()
    values.close()
    return found
