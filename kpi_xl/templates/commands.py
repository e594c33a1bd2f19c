"""The ``kpi-xl template``, ``fill`` and ``summary`` commands: call the library, print, exit."""
from __future__ import annotations

import sys
from pathlib import Path

from .errors import SummaryError, TemplateError


def run_template_command(args) -> int:
    from . import TEMPLATES, build_template
    if args.list or not args.name:
        for name, spec in TEMPLATES.items():
            print(f"{name:16} {spec.title[0]} / {spec.title[1]}")
        if not args.list:
            print("Give a template name to build one, e.g. `kpi-xl template cs_composite -o "
                  "appraisal.xlsx`.", file=sys.stderr)
            return 1
        return 0
    output = Path(args.output or f"{args.name}_{args.lang}.xlsx")
    cached = build_template(args.name, args.lang, output)
    note = "" if cached else " (no cached values yet: the recalculation engine is not installed)"
    print(f"Wrote {output}{note}.")
    return 0


def run_fill_command(args) -> int:
    from .fill import fill_template
    report = fill_template(args.template, args.data, args.output, by=args.by, force=args.force,
                           jobs=args.jobs, progress=not args.quiet)
    for problem in report.problems:
        print(problem, file=sys.stderr)
    print(report.summary())
    return 1 if report.problems else 0


def run_summary_command(args) -> int:
    from ..engine.batch import expand_inputs
    from .summary import collect, write_summary
    # A path that is not there is one of the problems reported per file, not a refusal.
    paths = expand_inputs(args.inputs, missing="keep")
    if not paths:
        raise SummaryError([f"No workbooks found in {' '.join(args.inputs)}."])
    problems: list[str] = []
    df = collect(paths, strict=False, progress=not args.quiet, problems=problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    if df.empty:
        raise SummaryError(["None of the workbooks could be summarised."])
    lang = getattr(args, "lang", None) or _lang_of(paths, problems)
    write_summary(df, args.output, lang=lang)
    print(f"Wrote {args.output}: {len(df)} result row(s) from {df['file'].nunique()} workbook(s)"
          + (f"; {len(problems)} problem(s) reported." if problems else "."))
    return 1 if problems else 0


def _lang_of(paths, problems) -> str:
    from openpyxl import load_workbook
    from .base import PROP_LANG
    for p in paths:
        try:
            wb = load_workbook(p, read_only=True)
        except Exception:
            continue
        props = {x.name: x.value for x in wb.custom_doc_props}
        if props.get(PROP_LANG) in ("zh", "en"):
            return props[PROP_LANG]
    return "zh"


__all__ = ["run_template_command", "run_fill_command", "run_summary_command", "TemplateError"]
