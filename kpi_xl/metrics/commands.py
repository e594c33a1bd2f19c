"""What ``kpi-xl metrics`` does, as one library call.

:func:`run_metrics` reads the shops' files, computes, writes the audit workbook and returns
a :class:`MetricsRun`, or raises :class:`~kpi_xl.metrics.errors.MetricsError` whose message
is a finished sentence; ``kpi_xl/cli.py`` prints the run's lines.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .api import compare_rules, compute_metrics, parse_shop_aov, write_metrics_workbook
from .errors import MetricsError
from .rules import load_rules
from .times import Clock


@dataclass
class MetricsRun:
    """What a metrics run read, computed and wrote."""

    inputs: dict                    # file -> what it was read as
    written: list                   # the workbook, then a CSV of orders too many for a sheet
    rows: int                       # agent-month rows of the template's inputs
    orders: int | None = None       # raw chats and orders only: orders attributed
    spam: int | None = None         # raw chats and orders only: spam buyer-days left out
    missing: dict = field(default_factory=dict)   # input column -> rows left blank
    problems: list = field(default_factory=list)  # sentences: shops, agents written two ways
    notes: list = field(default_factory=list)     # sentences: summary sheets checked, left out

    @property
    def ok(self) -> bool:
        """False when a shop or agent was written in more than one way (counted as one)."""
        return not self.problems

    def lines(self) -> list[str]:
        """What the run did, one sentence a line (for standard output)."""
        lines = [f"{path}: read as {kind}." for path, kind in self.inputs.items()]
        lines.append(f"Wrote {self.written[0]}: {self.rows} agent-month row(s)"
                     + (f", {self.orders:,} order(s), {self.spam:,} spam buyer-day(s) left out"
                        if self.orders is not None else "") + ".")
        lines += [f"Wrote {extra} (more orders than an Excel sheet holds)."
                  for extra in self.written[1:]]
        return lines

    def missing_line(self) -> str | None:
        """The inputs left blank, as a warning sentence; None when nothing is missing."""
        if not self.missing:
            return None
        return ("Missing values (left blank, never 0): "
                + ", ".join(f"{k} in {v} row(s)" for k, v in self.missing.items()) + ".")


def run_metrics(inputs, output, *, month: str | None = None, rules_file=None,
                compare_file=None, shop: str = "", lang: str = "zh",
                shop_aov: str | None = None, date_order: str | None = None,
                utc_offset: str | None = None, sheets=()) -> MetricsRun:
    """Compute the agent metrics of ``inputs`` and write the audit workbook ``output``.

    ``rules_file`` is a rules file (.toml; None for the defaults); ``compare_file`` a
    second one whose per-agent differences go into the workbook too (for appeals).  A shop
    or agent the files write in more than one way is counted as one and written under one
    spelling; the run's ``problems`` name the spellings, files and rows (the command exits 1).
    ``date_order`` ('dmy', 'mdy') and ``utc_offset`` ('+08:00') are ``--date-order`` and
    ``--utc-offset`` (see :class:`~kpi_xl.metrics.times.Clock`); ``sheets`` the names
    ``--sheet`` gives, the only sheets of the workbooks read.
    """
    out = Path(output).resolve()
    if any(Path(p).resolve() == out for p in inputs):
        raise MetricsError(f"The output {output} is one of the inputs; name another file.")
    given = parse_shop_aov(shop_aov) if shop_aov is not None else None
    clock = Clock.from_options(date_order, utc_offset)
    rules = load_rules(rules_file)
    other = load_rules(compare_file) if compare_file else None
    result = compute_metrics(inputs, month=month, rules=rules, shop=shop, shop_aov=given,
                             clock=clock, sheets=sheets)
    if not len(result.agents):
        raise MetricsError("The inputs hold no agent data" + (f" for {month}." if month else "."))
    compare = None
    if other is not None:
        compare = compare_rules(result, compute_metrics(inputs, month=month, rules=other,
                                                        shop=shop, shop_aov=given, clock=clock,
                                                        sheets=sheets))
    written = write_metrics_workbook(result, output, lang=lang, compare=compare,
                                     compare_rules=other)
    agents = result.template_inputs
    missing = agents.drop(columns=["shop", "month"]).isna().sum()
    raw = result.raw is not None
    return MetricsRun(inputs=dict(result.inputs), written=list(written), rows=len(agents),
                      orders=len(result.orders) if raw else None,
                      spam=len(result.spam) if raw else None,
                      missing={k: int(v) for k, v in missing.items() if v > 0},
                      problems=list(result.spellings), notes=list(result.notes))
