"""``kpi-xl demo``: the main job on an example, start to finish.

1. The composite customer-service template (DOMAIN's worked example: agents A, B, C)
   is recalculated without Excel and its scores are read back from the workbook.
2. A month-by-month data set of several shops is generated, filled into the
   template (one workbook per shop and month), recalculated, and consolidated
   into one summary workbook with a ranking across shops and the trend per agent.

The template is the published example, mistakes included: its weights add up to
95 %, its conversion table has a gap (31 %–32 %) and its payment table an overlap.
``fill`` and ``summary`` exit 1 on such findings, as they must for a real month.  The
demo knows these three and the agent-months that fall into the gap, says so plainly,
and fails only on a finding it does not expect.
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
    from .templates.verify import verify_workbook

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
    known = {(f.sheet, f.cell, f.value) for f in verify_workbook(worked) if f.kind == "check"}
    print("   The scheme is the published example with its known mistakes, which its check "
          "cells point out (expected):")
    for sheet, cell, value in sorted(known):
        print(f"     {sheet}!{cell}: {value}")
    print("   Under the returns table as written agent B scores 74, not the published 77.")

    data = write_sample_data(out / "agents.csv", n_shops=DEMO_SHOPS, n_months=DEMO_MONTHS,
                             n_agents=DEMO_AGENTS)
    print(f"2. Sample data: {DEMO_SHOPS} shops x {DEMO_MONTHS} months x {DEMO_AGENTS} agents "
          f"-> {data}")
    # The demo's own folder: a second run replaces what the first one wrote.
    report = fill_template(template, data, out / "workbooks", by=("shop", "month"),
                           progress=False, overwrite=True)
    print(f"   Wrote {len(report.written)} of {report.groups} workbook(s).")
    expected, unexpected = _sort_findings(report.findings, known)
    checks = sum(1 for f in expected if f.kind == "check")
    gap_agents = sorted({(f.file, f.agent) for f in expected if f.kind == "error"})
    print(f"   Expected findings of the published example: the {len(known)} check cells above "
          f"in all {len(report.written)} workbooks ({checks} in all), and "
          f"{len(gap_agents)} agent-month(s) whose conversion falls in the 31 %–32 % gap and "
          f"so have no total and no bonus:")
    for file, agent in gap_agents:
        print(f"     {file}: {agent}")
    print("   With a real scheme, kpi-xl fill exits 1 on findings like these until the tables "
          "in 方案 are corrected.")
    problems = report.problems + [f.sentence() for f in unexpected]
    for line in problems:
        print(f"   UNEXPECTED: {line}")

    books = sorted(report.written)
    df = collect(books)
    summary = write_summary(df, out / "summary.xlsx", lang="zh")
    unscored = int(df["total"].isna().sum())
    print(f"3. Summary of {len(books)} workbooks ({len(df)} agent-months, {unscored} without a "
          f"total as explained above) -> {summary}")
    best = df.sort_values("total", ascending=False).head(5)
    for _, row in best.iterrows():
        print(f"   {row['shop']} {row['month']} {row['agent']}: {row['total']:g}")
    print(f"Done in {time.perf_counter() - t0:.1f} s. Open the files in {out}/ with Excel, WPS or "
          f"LibreOffice: the numbers are already there.")
    return 1 if problems else 0


def _sort_findings(findings, known):
    """(expected, unexpected): the published scheme's checks, and the agents in its gap.

    An agent's error cells are expected when the first of them is the conversion points
    (results column B): everything after it follows from the value in the gap.
    """
    in_gap = {(f.file, f.agent) for f in findings
              if f.kind == "error" and f.sheet == "考核结果" and f.cell.startswith("B")
              and f.cell[1:].isdigit()}
    expected, unexpected = [], []
    for f in findings:
        if f.kind == "check" and (f.sheet, f.cell, f.value) in known:
            expected.append(f)
        elif f.kind == "error" and (f.file, f.agent) in in_gap:
            expected.append(f)
        else:
            unexpected.append(f)
    return expected, unexpected
