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

:func:`run_demo` returns what each part did and hands each part over as it is done;
``kpi_xl/cli.py`` prints them.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from .errors import UserFacingError

DEMO_SHOPS, DEMO_MONTHS, DEMO_AGENTS = 5, 3, 10


class DemoError(UserFacingError):
    """The demo's folder cannot be used."""


@dataclass
class WorkedExample:
    """Part 1: DOMAIN's worked example recalculated and read back."""

    template: Path
    workbook: Path
    cells: int                                      # formula cells computed
    agents: list = field(default_factory=list)      # (agent, total, rank, bonus, quadrant)
    checks: list = field(default_factory=list)      # (sheet, cell, message), sorted

    def lines(self) -> list[str]:
        lines = [f"1. Worked example (DOMAIN.md): {self.template.name} recalculated without "
                 f"Excel ({self.cells} formula cells) -> {self.workbook}"]
        lines += [f"   agent {agent}: total {total:g}, rank {rank:g}, bonus {bonus:g}, {quadrant}"
                  for agent, total, rank, bonus, quadrant in self.agents]
        lines.append("   The scheme is the published example with its known mistakes, which its "
                     "check cells point out (expected):")
        lines += [f"     {sheet}!{cell}: {value}" for sheet, cell, value in self.checks]
        lines.append("   Under the returns table as written agent B scores 74, not the "
                     "published 77.")
        return lines


@dataclass
class FilledSample:
    """Part 2: generated data filled into the template, one workbook per shop and month."""

    data: Path
    shops: int
    months: int
    agents: int
    groups: int                                     # shop-months in the data
    written: int                                    # workbooks written
    known: int                                      # the scheme's check cells of part 1
    checks: int                                     # those found in all the workbooks
    gap_agents: list = field(default_factory=list)  # (file, agent) in the conversion gap
    unexpected: list = field(default_factory=list)  # sentences: anything else found

    def lines(self) -> list[str]:
        lines = [f"2. Sample data: {self.shops} shops x {self.months} months x {self.agents} "
                 f"agents -> {self.data}",
                 f"   Wrote {self.written} of {self.groups} workbook(s).",
                 f"   Expected findings of the published example: the {self.known} check cells "
                 f"above in all {self.written} workbooks ({self.checks} in all), and "
                 f"{len(self.gap_agents)} agent-month(s) whose conversion falls in the "
                 f"31 %–32 % gap and so have no total and no bonus:"]
        lines += [f"     {file}: {agent}" for file, agent in self.gap_agents]
        lines.append("   With a real scheme, kpi-xl fill exits 1 on findings like these until "
                     "the tables in 方案 are corrected.")
        lines += [f"   UNEXPECTED: {line}" for line in self.unexpected]
        return lines


@dataclass
class DemoSummary:
    """Part 3: the filled workbooks consolidated into one summary."""

    books: int
    rows: int                                       # agent-months
    unscored: int                                   # agent-months without a total
    path: Path
    best: list = field(default_factory=list)        # (shop, month, agent, total), best first

    def lines(self) -> list[str]:
        lines = [f"3. Summary of {self.books} workbooks ({self.rows} agent-months, "
                 f"{self.unscored} without a total as explained above) -> {self.path}"]
        lines += [f"   {shop} {month} {agent}: {total:g}" for shop, month, agent, total in self.best]
        return lines


@dataclass
class DemoRun:
    """The three parts of the demo, the folder they wrote to and the time they took."""

    output: Path
    worked: WorkedExample
    filled: FilledSample
    summary: DemoSummary
    seconds: float

    @property
    def ok(self) -> bool:
        """False when the data showed a finding the published example does not explain."""
        return not self.filled.unexpected

    @property
    def parts(self) -> tuple:
        return self.worked, self.filled, self.summary

    def done_line(self) -> str:
        return (f"Done in {self.seconds:.1f} s. Open the files in {self.output}/ with Excel, "
                f"WPS or LibreOffice: the numbers are already there.")


def run_demo(output="kpi_xl_demo", *,
             on_part: Optional[Callable[[object], None]] = None) -> DemoRun:
    """Run the three parts into the folder ``output``; ``on_part`` is given each part
    (a :class:`WorkedExample`, :class:`FilledSample`, :class:`DemoSummary`) as it is done."""
    from .engine.recalc import recalc_file
    from .templates import shipped_template
    from .templates.fill import fill_template
    from .templates.sample_data import write_sample_data
    from .templates.summary import collect, write_summary
    from .templates.verify import verify_workbook

    done = on_part or (lambda part: None)
    out = Path(output)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DemoError(f"The demo's folder {out} cannot be created: "
                        f"{exc.strerror or exc}; choose another with -o DIR.") from None
    t0 = time.perf_counter()

    template = shipped_template("cs_composite", "zh")
    workbook = out / "客服综合考核_示例.xlsx"
    res = recalc_file(template, workbook)
    df = collect([workbook])
    known = {(f.sheet, f.cell, f.value) for f in verify_workbook(workbook) if f.kind == "check"}
    worked = WorkedExample(template, workbook, res.cells,
                           [(row["agent"], row["total"], row["rank"], row["bonus"],
                             row["quadrant"]) for _, row in df.iterrows()], sorted(known))
    done(worked)

    shops, months, agents = DEMO_SHOPS, DEMO_MONTHS, DEMO_AGENTS
    data = write_sample_data(out / "agents.csv", n_shops=shops, n_months=months,
                             n_agents=agents)
    # The demo's own folder: a second run replaces what the first one wrote.
    report = fill_template(template, data, out / "workbooks", by=("shop", "month"),
                           overwrite=True)
    expected, unexpected = _sort_findings(report.findings, known)
    filled = FilledSample(
        data, shops, months, agents, report.groups, len(report.written), len(known),
        checks=sum(1 for f in expected if f.kind == "check"),
        gap_agents=sorted({(f.file, f.agent) for f in expected if f.kind == "error"}),
        unexpected=report.problems + [f.sentence() for f in unexpected])
    done(filled)

    books = sorted(report.written)
    df = collect(books)
    path = write_summary(df, out / "summary.xlsx", lang="zh")
    best = df.sort_values("total", ascending=False).head(5)
    summary = DemoSummary(len(books), len(df), int(df["total"].isna().sum()), path,
                          [(row["shop"], row["month"], row["agent"], row["total"])
                           for _, row in best.iterrows()])
    done(summary)
    return DemoRun(out, worked, filled, summary, time.perf_counter() - t0)


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
