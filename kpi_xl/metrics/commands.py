"""``kpi-xl metrics``: read the shops' files, compute, write the audit workbook, report."""
from __future__ import annotations

import sys

from .api import compare_rules, compute_metrics, write_metrics_workbook
from .errors import MetricsError
from .rules import load_rules


def run_metrics_command(args) -> int:
    from pathlib import Path
    out = Path(args.output).resolve()
    if any(Path(p).resolve() == out for p in args.inputs):
        raise MetricsError(f"The output {args.output} is one of the inputs; name another file.")
    rules = load_rules(args.rules)
    other = load_rules(args.compare_rules) if args.compare_rules else None
    result = compute_metrics(args.inputs, month=args.month, rules=rules, shop=args.shop or "")
    if not len(result.agents):
        raise MetricsError("The inputs hold no agent data"
                           + (f" for {args.month}." if args.month else "."))
    compare = None
    if other is not None:
        compare = compare_rules(result, compute_metrics(args.inputs, month=args.month,
                                                        rules=other, shop=args.shop or ""))
    written = write_metrics_workbook(result, args.output, lang=args.lang, compare=compare,
                                     compare_rules=other)
    for path, kind in result.inputs.items():
        print(f"{path}: read as {kind}.")
    agents = result.template_inputs
    print(f"Wrote {written[0]}: {len(agents)} agent-month row(s)"
          + (f", {len(result.orders):,} order(s), {len(result.spam):,} spam buyer-day(s) left out"
             if result.raw is not None else "") + ".")
    for extra in written[1:]:
        print(f"Wrote {extra} (more orders than an Excel sheet holds).")
    missing = agents.drop(columns=["shop", "month"]).isna().sum()
    missing = missing[missing > 0]
    if len(missing):
        print("Missing values (left blank, never 0): "
              + ", ".join(f"{k} in {v} row(s)" for k, v in missing.items()) + ".", file=sys.stderr)
    return 0
