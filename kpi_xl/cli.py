"""The ``kpi-xl`` command: parse arguments, call the library, print, exit.

Expected failures (bad files, bad data) come back from the library as typed
exceptions whose messages are finished sentences; they are printed as
``Error: …`` with exit code 1.  Anything else is a bug and shows its traceback.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys

# The import names of the "all" extra in pyproject.toml (tests/install checks that the
# two lists agree): every command needs the engine, the templates or both.
ALL_EXTRA_MODULES = ("openpyxl", "formulas", "regex", "pandas", "numpy", "lxml", "tqdm") + (
    ("tomli",) if sys.version_info < (3, 11) else ())   # rules files of `metrics`


def missing_extra_modules() -> list[str]:
    """The modules of the "all" extra that cannot be imported here."""
    return [name for name in ALL_EXTRA_MODULES if importlib.util.find_spec(name) is None]


def _cmd_recalc(args) -> int:
    import time
    from .engine.batch import (BatchUsageError, expand_inputs, format_summary, plan_outputs,
                               recalc_many, succeeded, unknown_lines)
    t0 = time.perf_counter()
    if args.in_place and args.values_only and not args.discard_formulas:
        # This replaces every original by a copy without its formulas: the scheme is lost.
        raise BatchUsageError(
            "--in-place with --values-only would remove every formula from the original "
            "workbooks; write the value copies elsewhere with -o FOLDER, or add "
            "--discard-formulas if that is really what you want.")
    limits = _recalc_limits(args)
    pairs = plan_outputs(expand_inputs(args.inputs), args.output, args.in_place)
    bar = None if args.quiet else _progress_bar(len(pairs))

    def warn_early(res):
        for line in unknown_lines(res, "will show #NAME?"):
            if bar:
                bar.write(line, file=sys.stderr)
            else:
                print(line, file=sys.stderr)
    try:
        results = recalc_many(pairs, jobs=args.jobs, values_only=args.values_only,
                              on_result=bar and (lambda res: bar.update(1)),
                              on_scan=None if args.quiet else warn_early, limits=limits)
    finally:
        if bar:
            bar.close()
    print(format_summary(results, time.perf_counter() - t0))
    return 0 if succeeded(results) else 1


def _recalc_limits(args):
    """The :class:`~kpi_xl.limits.Limits` the recalc flags ask for (defaults where not given)."""
    from .engine.batch import BatchUsageError
    from .limits import DEFAULT_LIMITS, Limits
    asked = {}
    for name in ("max_unpacked_mb", "max_parts", "max_ratio", "max_cells", "timeout"):
        value = getattr(args, name)
        if value is not None:
            flag = "--" + name.replace("_", "-")
            if name == "timeout" and value < 0:
                raise BatchUsageError(f"{flag} must be 0 (no limit) or more, not {value:g}.")
            if name != "timeout" and value <= 0:
                raise BatchUsageError(f"{flag} must be more than 0, not {value:g}.")
            asked[name] = value
    if asked.get("timeout") == 0:
        asked["timeout"] = None   # --timeout 0: no time limit
    return Limits(**{**DEFAULT_LIMITS.__dict__, **asked})


def _progress_bar(total):
    if total <= 1:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="workbook", file=sys.stderr, dynamic_ncols=True)


def _progress_bars(quiet: bool):
    """The progress factory ``fill`` and ``summary`` report through: a bar on standard error
    for each stage, none with --quiet (the library never draws by itself)."""
    if quiet:
        return None
    from tqdm import tqdm

    def open_bar(total, desc, unit):
        return tqdm(total=total, desc=desc, unit=unit, leave=True, file=sys.stderr)
    return open_bar


def _cmd_template(args) -> int:
    from .templates import TEMPLATES
    from .templates.commands import write_template
    if args.list or not args.name:
        for name, spec in TEMPLATES.items():
            print(f"{name:16} {spec.title[0]} / {spec.title[1]}")
        if not args.list:
            print("Give a template name to build one, e.g. `kpi-xl template cs_composite -o "
                  "appraisal.xlsx`.", file=sys.stderr)
            return 1
        return 0
    output, cached = write_template(args.name, args.lang, args.output, overwrite=args.overwrite)
    note = "" if cached else " (no cached values yet: the recalculation engine is not installed)"
    print(f"Wrote {output}{note}.")
    return 0


def _cmd_fill(args) -> int:
    from .templates.fill import fill_template
    report = fill_template(args.template, args.data, args.output, by=args.by, force=args.force,
                           jobs=args.jobs, progress=_progress_bars(args.quiet),
                           overwrite=args.overwrite,
                           sheet=args.sheet)
    for note in report.notes:
        print(f"Note: {note}", file=sys.stderr)
    for problem in report.problems:
        print(problem, file=sys.stderr)
    for line in report.finding_lines():
        print(line, file=sys.stderr)
    print(report.summary())
    return 0 if report.ok else 1


def _cmd_summary(args) -> int:
    from .templates.commands import gather_summary, write_gathered_summary
    run = gather_summary(args.inputs, args.output, overwrite=args.overwrite,
                         progress=_progress_bars(args.quiet))
    for problem in run.problems:
        print(problem, file=sys.stderr)
    for line in run.finding_lines():
        print(line, file=sys.stderr)
    output = write_gathered_summary(run, args.output)
    print(run.summary(output))
    return 0 if run.ok else 1


def _cmd_metrics(args) -> int:
    from .metrics.commands import run_metrics
    run = run_metrics(args.inputs, args.output, month=args.month, rules_file=args.rules,
                      compare_file=args.compare_rules, shop=args.shop or "", lang=args.lang,
                      shop_aov=args.shop_aov, date_order=args.date_order,
                      utc_offset=args.utc_offset, sheets=args.sheet or ())
    for note in run.notes:
        print(f"Note: {note}", file=sys.stderr)
    for line in run.lines():
        print(line)
    missing = run.missing_line()
    if missing:
        print(missing, file=sys.stderr)
    for problem in run.problems:
        print(problem, file=sys.stderr)
    return 0 if run.ok else 1


def _cmd_demo(args) -> int:
    from .demo import run_demo

    def show(part):
        for line in part.lines():
            print(line, flush=True)
    run = run_demo(args.output, on_part=show)
    print(run.done_line())
    return 0 if run.ok else 1


def _jobs(text: str):
    """``--jobs``: a whole number of 1 or more, or ``auto``."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of 1 or more, or auto, not {text!r}.")
    return jobs


#: What ``--jobs auto`` does, for the help of ``recalc`` and ``fill``.
_AUTO_JOBS_HELP = ("auto (the default): one per usable CPU, at most one per {what} and 4, fewer "
                   "when that many would need more than half the available memory (estimated "
                   "as 50 times {size} each); 1: one after the other")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kpi-xl",
        description="Monthly KPI appraisal workbooks: recalculate without Excel, build templates, "
                    "fill them from data, consolidate results.")
    from . import __version__
    parser.add_argument("--version", action="version", version=f"kpi-xl {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("recalc", help="recalculate workbooks without Excel and write the values back")
    p.add_argument("inputs", nargs="+", help="workbooks, folders or glob patterns")
    dest = p.add_mutually_exclusive_group()
    dest.add_argument("-o", "--output", help="folder for the recalculated copies")
    dest.add_argument("--in-place", action="store_true",
                      help="replace each input, only after a complete, valid write")
    p.add_argument("-j", "--jobs", type=_jobs, default="auto", metavar="N|auto",
                   help="workbooks recalculated in parallel: "
                        + _AUTO_JOBS_HELP.format(what="file", size="the largest file's size"))
    p.add_argument("--values-only", action="store_true",
                   help="write copies holding values only (formulas removed), for people without the add-in")
    p.add_argument("--discard-formulas", action="store_true",
                   help="with --in-place --values-only: really replace the originals by value copies")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    from .limits import DEFAULT_LIMITS as lim
    p.add_argument("--max-unpacked-mb", type=float, metavar="MB",
                   help=f"refuse a file whose parts inflate to more than this "
                        f"(default {lim.max_unpacked_mb:g})")
    p.add_argument("--max-cells", type=int, metavar="N",
                   help=f"refuse a file with more cells than this (default {lim.max_cells:,})")
    p.add_argument("--max-parts", type=int, metavar="N",
                   help=f"refuse a file with more zip parts than this (default {lim.max_parts:,})")
    p.add_argument("--max-ratio", type=float, metavar="R",
                   help=f"refuse a part inflating more than R times its compressed size "
                        f"(default {lim.max_ratio:g})")
    p.add_argument("--timeout", type=float, metavar="SECONDS",
                   help=f"stop and report a file taking longer than this; 0 for no limit "
                        f"(default {lim.timeout:g})")
    p.set_defaults(func=_cmd_recalc)

    p = sub.add_parser("template", help="build a template workbook")
    p.add_argument("name", help="template name (see --list)", nargs="?")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("-o", "--output", help="file to write")
    p.add_argument("--overwrite", action="store_true", help="replace the file if it exists")
    p.add_argument("--list", action="store_true", help="list the templates")
    p.set_defaults(func=_cmd_template)

    p = sub.add_parser("fill", help="fill a template from agent data, one workbook per group")
    p.add_argument("template", help="template workbook (.xlsx)")
    p.add_argument("data", help="agent data (.csv or .xlsx)")
    p.add_argument("-o", "--output", required=True, help="output folder")
    p.add_argument("--by", default="", help="columns to group by, e.g. shop,month")
    p.add_argument("--force", action="store_true", help="write groups that have data errors too")
    p.add_argument("--sheet", help="sheet of an Excel data file (default: the one whose headers "
                                   "match the template)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace workbooks that already exist in the output folder")
    p.add_argument("-j", "--jobs", type=_jobs, default="auto", metavar="N|auto",
                   help="workbooks filled and recalculated in parallel: "
                        + _AUTO_JOBS_HELP.format(what="workbook to write",
                                                 size="the template's size"))
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_fill)

    p = sub.add_parser("summary", help="consolidate the results of many workbooks into one")
    p.add_argument("inputs", nargs="+", help="workbooks, folders or glob patterns")
    p.add_argument("-o", "--output", required=True, help="summary workbook to write")
    p.add_argument("--overwrite", action="store_true", help="replace the summary if it exists")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_summary)

    p = sub.add_parser("metrics", help="agent metrics from chat messages, orders and platform "
                                       "reports, as the inputs of a template")
    p.add_argument("inputs", nargs="+", help="chat message, order and platform report files "
                                             "(.csv in UTF-8 or GB18030, or .xlsx)")
    p.add_argument("-o", "--output", required=True, help="metrics workbook to write (.xlsx)")
    p.add_argument("--month", help="only this month, e.g. 2025-10")
    p.add_argument("--rules", help="rules file (.toml); settings left out keep their defaults")
    p.add_argument("--compare-rules", help="a second rules file: writes the per-agent "
                                           "differences between the two (for appeals)")
    p.add_argument("--shop", help="shop name for inputs without a shop column")
    p.add_argument("--shop-aov", help="the shop AOV (店铺客单价) where the data has none, as "
                                      "platform reports do not: 66.3 for every shop, or "
                                      "店铺01=66.3,店铺02=70")
    p.add_argument("--date-order", choices=("dmy", "mdy"),
                   help="the order of day and month in dates such as 05-10-2025 where no "
                        "date of a column passes the 12th to tell it: dmy (5 October) or mdy "
                        "(10 May)")
    p.add_argument("--utc-offset", metavar="+HH:MM",
                   help="the shop's UTC offset, e.g. +08:00: times given in UTC (…Z) or "
                        "another offset are moved to the shop's clock before its days and "
                        "months are counted")
    p.add_argument("--sheet", action="append", metavar="NAME",
                   help="sheet of the Excel inputs to read (repeat it, or 明细,汇总; default: "
                        "every sheet whose headers are known)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="headers of the workbook")
    p.set_defaults(func=_cmd_metrics)

    p = sub.add_parser("demo", help="score DOMAIN's worked example and recalculate a template")
    p.add_argument("-o", "--output", default="kpi_xl_demo", help="folder for the demo's files")
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    missing = missing_extra_modules()
    if missing:
        # kpi_xl alone is the Excel functions (all xlwings Lite needs); the command is the extra.
        print(f"Error: kpi-xl {args.command} needs kpi_xl's batch engine and templates, which are "
              f"not installed here (missing: {', '.join(missing)}). Install them with: "
              f'pip install "kpi_xl[all]"', file=sys.stderr)
        return 1
    from .errors import UserFacingError
    try:
        code = args.func(args)
        sys.stdout.flush()   # a reader gone early is met here, not while Python exits
        return code
    except UserFacingError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `kpi-xl template --list | head -1`: the rest of the output has nowhere to go.
        # Whatever was still buffered is dropped, so Python's exit does not fail on it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
