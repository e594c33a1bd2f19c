"""Where ``kpi-xl recalc`` spends its time: start-up, read, compile, evaluate, write.

    python bench/profile_recalc.py FILES_OR_FOLDERS... [--top N] [--startup N] [--no-write]

Run from the checkout's root, so that its own kpi_xl is the one profiled.  Three
parts, each printed with CPU time (steady on a shared machine) beside wall time:

1. start-up: fresh processes of ``python -c pass``, ``import kpi_xl``,
   ``import kpi_xl.cli``, ``import kpi_xl.engine.batch`` (what ``recalc`` imports
   before its first file) and ``kpi-xl --help``, the best of N each;
2. phases: the steps of ``engine.recalc.recalc_file`` done one by one on every
   file, timed: read_workbook, book_input, scan_unknown, the calculation, write_values.
   The calculation runs in this thread (``calculate`` starts one with a deep stack,
   which cProfile would not see), under cProfile, which also splits out the formula
   parser and the compilers;
3. shapes: formula cells, and distinct formulas once moved to R1C1 (what a compiled
   template is keyed on) per file and over the whole batch: what a batch of
   same-shaped workbooks could compile once.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
# This checkout's kpi_xl, whichever checkout the installed package points at.
sys.path.insert(0, str(ROOT))

from measure import run_measured  # noqa: E402


def startup(n: int):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    probes = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("import kpi_xl", [sys.executable, "-c", "import kpi_xl"]),
        ("import kpi_xl.cli", [sys.executable, "-c", "import kpi_xl.cli"]),
        ("import kpi_xl.engine.batch", [sys.executable, "-c", "import kpi_xl.engine.batch"]),
        ("kpi-xl --help", [sys.executable, "-m", "kpi_xl.cli", "--help"]),
    ]
    print(f"start-up, best of {n} fresh processes (wall s / CPU s / peak MB):")
    for label, cmd in probes:
        ms = [run_measured(cmd, env=env, cwd=str(ROOT), timeout=120) for _ in range(n)]
        print(f"  {label:<28} {min(m.seconds for m in ms):6.3f} / {min(m.cpu_seconds for m in ms):6.3f}"
              f" / {min(m.peak_mb for m in ms):5.0f}")


ENTRY_POINTS = ("evaluator.run", "evaluator._assign_templates", "evaluator.compiled_for",
                "evaluator._compile_template", "compiler.compile_formula", "columns.compile",
                "parser.parse", "parser.tokenize", "evaluator._extend_run")


def wrap_entry_points():
    """CPU time spent in the parser and the two compilers, timed around each call.

    They are called a few thousand times per batch, so the wrappers cost little,
    unlike a profiler that times every call of the evaluation too.
    """
    from kpi_xl.engine import columns, compiler, evaluator, parser
    spent = {}

    def timed(label, fn):
        def wrapper(*a, **kw):
            c = time.process_time()
            try:
                return fn(*a, **kw)
            finally:
                spent[label] = spent.get(label, 0.0) + time.process_time() - c
        return wrapper

    real_parse = parser.parse
    for module in (compiler, columns, evaluator):
        if getattr(module, "parse", None) is real_parse:
            module.parse = timed("parser.parse", real_parse)
    evaluator.Calc._compile_template = timed("Calc._compile_template (cell compile)",
                                             evaluator.Calc._compile_template)
    columns.ColumnCompiler.compile = timed("ColumnCompiler.compile (column compile)",
                                           columns.ColumnCompiler.compile)
    evaluator.Calc._assign_templates = timed("Calc._assign_templates (incl. compiles)",
                                             evaluator.Calc._assign_templates)
    return spent


class Clock:
    """Wall and CPU time per phase, and the process's peak resident set after each."""

    def __init__(self):
        self.wall, self.cpu, self.peak_mb = {}, {}, {}

    def __call__(self, phase, fn, *args, **kw):
        w, c = time.perf_counter(), time.process_time()
        out = fn(*args, **kw)
        self.wall[phase] = self.wall.get(phase, 0.0) + time.perf_counter() - w
        self.cpu[phase] = self.cpu.get(phase, 0.0) + time.process_time() - c
        self.peak_mb[phase] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("inputs", nargs="+")
    p.add_argument("--top", type=int, default=25, help="functions listed from the profile")
    p.add_argument("--startup", type=int, default=5, help="fresh processes per start-up probe (0: none)")
    p.add_argument("--no-write", action="store_true", help="skip write_values")
    p.add_argument("--no-profile", action="store_true",
                   help="time the phases without cProfile (true shares; no split of the calculation)")
    p.add_argument("--out", default="/tmp/kpi_xl_profile", help="folder for the written copies")
    args = p.parse_args(argv)

    if args.startup:
        startup(args.startup)

    w0, c0 = time.perf_counter(), time.process_time()
    from kpi_xl.engine.batch import expand_inputs  # what `recalc` imports before its first file
    from kpi_xl.engine.compiler import relative_key
    from kpi_xl.engine.evaluator import Calc
    from kpi_xl.engine.recalc import book_input
    from kpi_xl.engine.scan import scan_unknown
    from kpi_xl.engine.xlsx_read import read_workbook
    from kpi_xl.engine.xlsx_write import write_values
    print(f"\nimports of the engine in this process: {time.perf_counter() - w0:.3f} s wall, "
          f"{time.process_time() - c0:.3f} s CPU")

    import kpi_xl
    print(f"profiling {Path(kpi_xl.__file__).parent}")
    split = wrap_entry_points() if args.no_profile else None
    files = [str(f) for f in expand_inputs(args.inputs)]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    clock = Clock()
    prof, io_prof = cProfile.Profile(), cProfile.Profile()
    cells = 0
    shapes_all, shapes_per_file, formulas_total = set(), [], 0
    for src in files:
        if not args.no_profile:
            io_prof.enable()
        data = clock("read", read_workbook, src)
        if not args.no_profile:
            io_prof.disable()
        book = clock("book_input", book_input, data)
        del data
        file_shapes = set()
        for s in book.sheets:
            formulas_total += len(s.formulas)
            for (r, c), text in s.formulas.items():
                file_shapes.add((s.name, relative_key(text, r, c)))
        shapes_per_file.append(len(file_shapes))
        shapes_all |= file_shapes
        clock("scan", scan_unknown, book)
        calc = Calc(book, columns=True)
        if not args.no_profile:
            prof.enable()
        results = clock("calculate", calc.run)
        if not args.no_profile:
            prof.disable()
        cells += calc.report.cells
        if not args.no_write:
            if not args.no_profile:
                io_prof.enable()
            clock("write", write_values, src, str(out / Path(src).name), results)
            if not args.no_profile:
                io_prof.disable()

    total_w, total_c = sum(clock.wall.values()), sum(clock.cpu.values())
    print(f"\n{len(files)} file(s), {cells} formula cells computed; phases "
          "(wall s / CPU s / share of CPU / peak RSS MB at the end of the phase):")
    for phase in ("read", "book_input", "scan", "calculate", "write"):
        if phase in clock.cpu:
            print(f"  {phase:<12} {clock.wall[phase]:7.3f} / {clock.cpu[phase]:7.3f} / "
                  f"{100 * clock.cpu[phase] / total_c:5.1f} % / {clock.peak_mb[phase]:6.0f}")
    print(f"  {'total':<12} {total_w:7.3f} / {total_c:7.3f}"
          + ("" if args.no_profile else "   (calculate is profiled: its times are inflated)"))
    print(f"\nformula shapes: {formulas_total} formula cells; distinct R1C1 formulas per file "
          f"min {min(shapes_per_file)} max {max(shapes_per_file)}; over the batch {len(shapes_all)}")
    if args.no_profile:
        print("\ninside the calculation, without the profiler (CPU s; nested: parse is inside both compiles):")
        for key, value in sorted(split.items(), key=lambda kv: -kv[1]):
            print(f"  {key:<36} {value:7.3f}  {100 * value / clock.cpu['calculate']:5.1f} % of calculate")
        return 0

    stats = pstats.Stats(prof)
    # Cumulative time of the calculation's entry points, to split compile from evaluate.
    entry = {}
    for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        key = f"{Path(filename).stem}.{name}"
        if "kpi_xl" in filename and key in ENTRY_POINTS:
            entry[key] = entry.get(key, 0.0) + ct
    calc_total = max((v for k, v in entry.items() if k == "evaluator.run"), default=0.0)
    print("\ninside the calculation (cumulative s under the profiler; share of Calc.run):")
    for key, value in sorted(entry.items(), key=lambda kv: -kv[1]):
        share = f"{100 * value / calc_total:5.1f} %" if calc_total else ""
        print(f"  {key:<24} {value:7.3f}  {share}")

    print(f"\ntop {args.top} functions of the calculation by own time:")
    stats.sort_stats("tottime").print_stats(args.top)
    print(f"\ntop {args.top} functions of reading and writing by own time:")
    pstats.Stats(io_prof).sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
