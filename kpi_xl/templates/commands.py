"""The ``kpi-xl template``, ``fill`` and ``summary`` commands: call the library, print, exit."""
from __future__ import annotations

import sys
from pathlib import Path

from .errors import SummaryError, TemplateError
from .fill import OutputError


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
    if output.exists() and not getattr(args, "overwrite", False):
        # The file may be the user's edited scheme; replacing it loses that work.
        raise OutputError(f"{output} already exists; nothing was written. Say --overwrite to "
                          f"replace it, or choose another -o file.")
    if output.is_dir():
        raise OutputError(f"{output} is a folder; -o takes the name of the workbook to write.")
    try:
        cached = build_template(args.name, args.lang, output)
    except PermissionError:
        raise OutputError(f"{output} cannot be written: permission denied.") from None
    except OSError as exc:
        raise OutputError(f"{output} cannot be written: {exc.strerror or exc}.") from None
    note = "" if cached else " (no cached values yet: the recalculation engine is not installed)"
    print(f"Wrote {output}{note}.")
    return 0


def run_fill_command(args) -> int:
    from .fill import fill_template
    report = fill_template(args.template, args.data, args.output, by=args.by, force=args.force,
                           jobs=args.jobs, progress=not args.quiet,
                           overwrite=getattr(args, "overwrite", False),
                           sheet=getattr(args, "sheet", None))
    for note in report.notes:
        print(f"Note: {note}", file=sys.stderr)
    for problem in report.problems:
        print(problem, file=sys.stderr)
    for line in report.finding_lines():
        print(line, file=sys.stderr)
    print(report.summary())
    return 0 if report.ok else 1


def run_summary_command(args) -> int:
    import os
    from ..engine.batch import expand_inputs
    from .summary import collect, write_summary
    from .verify import describe, verify_workbook
    # A path that is not there is one of the problems reported per file, not a refusal.
    paths = expand_inputs(args.inputs, missing="keep")
    if not paths:
        raise SummaryError([f"No workbooks found in {' '.join(args.inputs)}."])
    output = Path(args.output)
    if any(os.path.realpath(p) == os.path.realpath(output) for p in paths):
        raise OutputError(f"{output} is one of the workbooks to summarise; writing the summary "
                          f"there would destroy it. Choose another -o file.")
    if output.exists() and not getattr(args, "overwrite", False):
        raise OutputError(f"{output} already exists; nothing was written. Say --overwrite to "
                          f"replace it, or choose another -o file.")
    problems: list[str] = []
    df = collect(paths, strict=False, progress=not args.quiet, problems=problems)
    findings = []
    for p in paths:
        try:
            findings += verify_workbook(p)
        except Exception:  # unreadable files are already among the problems
            continue
    # The totals that are errors are named cell by cell below; keep one sentence per cell.
    problems = [p for p in problems if "the total of" not in p] if findings else problems
    for problem in problems:
        print(problem, file=sys.stderr)
    for line in describe(findings, len(paths)):
        print(line, file=sys.stderr)
    if df.empty:
        raise SummaryError(["None of the workbooks could be summarised."])
    lang = getattr(args, "lang", None) or _lang_of(paths, problems)
    try:
        write_summary(df, output, lang=lang)
    except PermissionError:
        raise OutputError(f"{output} cannot be written: permission denied.") from None
    except OSError as exc:
        raise OutputError(f"{output} cannot be written: {exc.strerror or exc}.") from None
    unpaid = int(df["total"].isna().sum()) if "total" in df else 0
    tail = []
    if problems:
        tail.append(f"{len(problems)} problem(s) reported")
    if findings:
        tail.append(f"{len(findings)} check/error cell(s) named above")
    if unpaid:
        tail.append(f"{unpaid} agent-month(s) without a total")
    print(f"Wrote {output}: {len(df)} result row(s) from {df['file'].nunique()} workbook(s)"
          + (f"; {'; '.join(tail)}." if tail else "."))
    return 1 if (problems or findings or unpaid) else 0


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
