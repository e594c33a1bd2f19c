"""``kpi-xl recalc``: recalculate many workbooks, in parallel, with progress and a summary.

One bad file never stops the batch: it is reported with its reason and the others
are written.  Inputs are never modified unless ``--in-place``, and then only by an
atomic replace after a complete write.
"""
from __future__ import annotations

import glob
import os
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from ..errors import UserFacingError
from .recalc import FileResult

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


class BatchUsageError(UserFacingError):
    pass


def expand_inputs(inputs, missing="refuse"):
    """Files, folders (their workbooks) and glob patterns → paths in a stable order, each once.

    A folder gives its .xlsx and .xlsm files, a pattern the files it matches; Excel's
    ``~$`` lock files are left out of both.  An input that finds nothing is, with
    ``missing="refuse"``, a :class:`BatchUsageError` for the whole call (``recalc``:
    nothing is written when one name is mistyped); with ``missing="keep"`` a plain path
    stays in the list for the caller to report among the other files' problems and a
    pattern that matches nothing adds nothing (``summary``).
    """
    if missing not in ("refuse", "keep"):
        raise ValueError(f"missing must be 'refuse' or 'keep', not {missing!r}")
    out, absent = [], []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            out += [q for q in sorted(p.iterdir()) if q.suffix.lower() in WORKBOOK_SUFFIXES
                    and not _lock_file(q) and q.is_file()]
        elif p.is_file():
            out.append(p)
        else:
            hits = [Path(h) for h in sorted(glob.glob(item))]
            hits = [h for h in hits if h.is_file() and not _lock_file(h)]
            if hits:
                out += hits
            elif missing == "refuse":
                absent.append(item)
            elif not glob.has_magic(item):
                out.append(p)
    if absent:
        raise BatchUsageError("no workbook found at " + ", ".join(repr(m) for m in absent) + ".")
    seen, unique = set(), []
    for p in out:
        key = os.path.realpath(p)
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def _lock_file(path):
    return path.name.startswith("~$")


def plan_outputs(paths, output=None, in_place=False):
    """(src, dst) pairs; refuses to overwrite an input unless in place."""
    if not in_place and not output:
        raise BatchUsageError("say where to write: -o FOLDER for recalculated copies, or --in-place "
                              "to replace the inputs.")
    pairs = []
    if in_place:
        return [(p, p) for p in paths]
    out = Path(output)
    if out.exists() and not out.is_dir():
        raise BatchUsageError(f"{out} is a file; -o takes a folder.")
    names = {}
    for p in paths:
        dst = out / p.name
        if os.path.realpath(dst) == os.path.realpath(p):
            raise BatchUsageError(f"{p} would be overwritten by its own output; choose another "
                                  f"-o folder or say --in-place.")
        if dst.name in names:
            raise BatchUsageError(f"{names[dst.name]} and {p} would both be written to {dst}.")
        names[dst.name] = p
        pairs.append((p, dst))
    return pairs


def recalc_one(src, dst, values_only=False, on_scan=None) -> FileResult:
    """Recalculate one file; every failure becomes a FileResult, never an exception."""
    from .evaluator import EngineBug
    from .recalc import recalc_file
    from .xlsx_read import WorkbookReadError
    from .xlsx_write import WorkbookWriteError
    t0 = time.perf_counter()
    try:
        if str(dst) != str(src):
            Path(dst).parent.mkdir(parents=True, exist_ok=True)
        return recalc_file(str(src), str(dst), values_only=values_only, on_scan=on_scan)
    except (WorkbookReadError, WorkbookWriteError) as exc:
        return FileResult(str(src), None, ok=False, message=str(exc),
                          seconds=time.perf_counter() - t0)
    except EngineBug as exc:
        return FileResult(str(src), None, ok=False, bug=True,
                          message=f"{src}: {exc} (this is a bug in kpi_xl; please report it)",
                          seconds=time.perf_counter() - t0)
    except RecursionError:
        return FileResult(str(src), None, ok=False,
                          message=f"{src}: formulas refer to each other too deeply to compute.",
                          seconds=time.perf_counter() - t0)
    except OSError as exc:
        return FileResult(str(src), None, ok=False, message=f"{src}: {exc.strerror or exc}.",
                          seconds=time.perf_counter() - t0)
    except Exception as exc:  # a bug: keep the batch going, but say so plainly
        tb = traceback.format_exc(limit=6)
        return FileResult(str(src), None, ok=False, bug=True,
                          message=f"{src}: internal error {type(exc).__name__}: {exc} "
                                  f"(this is a bug in kpi_xl; please report it)\n{tb}",
                          seconds=time.perf_counter() - t0)


def _progress(total, quiet):
    if quiet or total <= 1:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="workbook", file=sys.stderr, dynamic_ncols=True)


def recalc_many(pairs, jobs=1, values_only=False, quiet=False, on_result=None):
    """Recalculate ``pairs`` of (src, dst); returns FileResults in input order."""
    results = {}
    bar = _progress(len(pairs), quiet)

    def warn_early(res):
        # A long calculation should not hide until its end that some cells will show #NAME?.
        for line in unknown_lines(res, "will show #NAME?"):
            if bar:
                bar.write(line, file=sys.stderr)
            else:
                print(line, file=sys.stderr)
    try:
        if jobs <= 1 or len(pairs) <= 1:
            for i, (src, dst) in enumerate(pairs):
                results[i] = recalc_one(src, dst, values_only, None if quiet else warn_early)
                if bar:
                    bar.update(1)
                if on_result:
                    on_result(results[i])
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = {pool.submit(recalc_one, src, dst, values_only): i
                           for i, (src, dst) in enumerate(pairs)}
                for fut in as_completed(futures):
                    i = futures[fut]
                    try:
                        results[i] = fut.result()
                    except Exception as exc:  # the worker process itself died
                        src = pairs[i][0]
                        results[i] = FileResult(str(src), None, ok=False, bug=True,
                                                message=f"{src}: worker failed: {exc}")
                    if bar:
                        bar.update(1)
                    if on_result:
                        on_result(results[i])
    finally:
        if bar:
            bar.close()
    return [results[i] for i in range(len(pairs))]


def _first_cells(cells, shown=8):
    where = ", ".join(cells[:shown])
    return where + (f" and {len(cells) - shown} more" if len(cells) > shown else "")


def unknown_lines(res, effect="shows #NAME?"):
    """One line per unknown function and per undefined name of a file, with its cells."""
    lines = []
    for kind, found in (("function", res.unknown_functions), ("name", res.unknown_names)):
        for name, cells in sorted(found.items()):
            lines.append(f"  {res.path}: unknown {kind} {name} ({effect})"
                         + (f" in {_first_cells(cells)}" if cells else ""))
    return lines


def format_summary(results, elapsed, max_cells=20):
    lines = []
    ok = [r for r in results if r.ok]
    bad = [r for r in results if not r.ok]
    for r in results:
        if r.ok:
            lines.append(f"  {r.path}: {r.cells} formula cells in {r.seconds:.2f} s"
                         + (f", {len(r.errors)} showing an error" if r.errors else "")
                         + f" -> {r.output}")
        else:
            lines.append(f"  {r.path}: FAILED: {r.message}")
    for r in ok:
        lines += unknown_lines(r)
        if r.circular:
            lines.append(f"  {r.path}: circular reference at {', '.join(r.circular[:8])}")
        if getattr(r, "engine_bugs", None):
            lines.append(f"  {r.path}: engine bug (please report it to kpi_xl) in "
                         + _first_cells([f"{k} ({v})" for k, v in r.engine_bugs.items()]))
        if getattr(r, "incomplete", ""):
            lines.append(f"  {r.path}: not finished, {r.incomplete}; "
                         + _first_cells(r.not_computed) + " show #CALC!")
        if r.errors:
            by_sheet = {}
            for cell, err in r.errors.items():
                sheet, _, addr = cell.rpartition("!")
                by_sheet.setdefault(sheet, []).append(f"{addr} {err}")
            for sheet, items in by_sheet.items():
                shown = ", ".join(items[:max_cells]) + (f" … (+{len(items) - max_cells})"
                                                        if len(items) > max_cells else "")
                lines.append(f"  {r.path} [{sheet}] error cells: {shown}")
    cells = sum(r.cells for r in ok)
    lines.append(f"{len(ok)} of {len(results)} workbooks recalculated, {cells} formula cells, "
                 f"in {elapsed:.2f} s" + (f"; {len(bad)} failed." if bad else "."))
    return "\n".join(lines)


def run_recalc_command(args) -> int:
    t0 = time.perf_counter()
    paths = expand_inputs(args.inputs)
    pairs = plan_outputs(paths, args.output, args.in_place)
    results = recalc_many(pairs, jobs=max(1, args.jobs), values_only=args.values_only,
                          quiet=args.quiet)
    print(format_summary(results, time.perf_counter() - t0))
    # A cell an engine bug or the time/memory limit left wrong must not pass silently.
    return 0 if all(r.ok and not getattr(r, "engine_bugs", None) and not getattr(r, "incomplete", "")
                    for r in results) else 1
