"""``kpi-xl recalc``: recalculate many workbooks, in parallel, with progress and a summary.

One bad file never stops the batch: it is reported with its reason and the others
are written.  Inputs are never modified unless ``--in-place``, and then only by an
atomic replace after a complete write.
"""
from __future__ import annotations

import glob
import os
import signal
import time
from pathlib import Path

from ..errors import UserFacingError
from .result import FileResult

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


def recalc_one(src, dst, values_only=False, on_scan=None, limits=None, stopped=()) -> FileResult:
    """Recalculate one file; every failure becomes a FileResult, never an exception.
    ``stopped``: codes of cells that held an earlier attempt past the time limit."""
    from .evaluator import EngineBug
    from .recalc import recalc_file
    from .xlsx_read import WorkbookReadError
    from .xlsx_write import WorkbookWriteError
    t0 = time.perf_counter()
    try:
        if str(dst) != str(src):
            Path(dst).parent.mkdir(parents=True, exist_ok=True)
        return recalc_file(str(src), str(dst), values_only=values_only, on_scan=on_scan,
                           limits=limits, partial_in_place=False, stopped=stopped)
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
    except MemoryError:
        return FileResult(str(src), None, ok=False,
                          message=f"{src}: there is not enough memory to recalculate it; "
                                  "the file was not written.",
                          seconds=time.perf_counter() - t0)
    except OSError as exc:
        # Say which side failed: an unwritable output folder is not the input's fault.
        if exc.filename is not None and os.path.realpath(exc.filename) != os.path.realpath(src):
            message = (f"{src}: the output {dst} cannot be written "
                       f"({exc.strerror or exc}); the input was not changed.")
        else:
            message = f"{src}: {exc.strerror or exc}."
        return FileResult(str(src), None, ok=False, message=message,
                          seconds=time.perf_counter() - t0)
    except Exception as exc:  # a bug: keep the batch going, but say so plainly
        import traceback
        tb = traceback.format_exc(limit=6)
        return FileResult(str(src), None, ok=False, bug=True,
                          message=f"{src}: internal error {type(exc).__name__}: {exc} "
                                  f"(this is a bug in kpi_xl; please report it)\n{tb}",
                          seconds=time.perf_counter() - t0)


def recalc_many(pairs, jobs=1, values_only=False, on_result=None, on_scan=None, limits=None):
    """Recalculate ``pairs`` of (src, dst); returns FileResults in input order.

    ``jobs`` is a number of worker processes, or ``"auto"`` for :func:`auto_jobs`'s choice.
    ``on_result(result)`` is called as each file is done, ``on_scan(result)`` as soon as a
    file's unknown functions and names are known (before it is computed), so a long
    calculation need not hide until its end that some cells will show #NAME?.  With
    several jobs the files' early reports come in the order the workers reach them, each
    file's in one call.

    With a time limit (``limits.timeout``) or more than one job, each file is computed in
    a worker process: a file over its time is stopped and reported, and a worker that
    dies (killed, out of memory) costs only the file it was on; the others go on.
    """
    from ..limits import DEFAULT_LIMITS
    limits = limits or DEFAULT_LIMITS
    if jobs == "auto":
        jobs = auto_jobs([src for src, _ in pairs])
    results = {}

    def done(i, res):
        results[i] = res
        if on_result:
            on_result(res)
    if (jobs <= 1 or len(pairs) <= 1) and not limits.timeout:
        from ..fileio import folder_syncs_deferred
        with folder_syncs_deferred():
            for i, (src, dst) in enumerate(pairs):
                done(i, recalc_one(src, dst, values_only, on_scan, limits))
    else:
        _run_in_workers(pairs, max(1, min(jobs, len(pairs))), values_only, limits, on_scan, done)
    return [results[i] for i in range(len(pairs))]


#: The most workers ``auto`` starts, however many CPUs there are.
AUTO_JOBS_MAX = 4
#: A worker's peak memory, estimated as this many times its workbook's size on disk (the
#: compressed .xlsx); the largest benchmark workbook peaks at about 43 times.
PEAK_PER_FILE_BYTE = 50


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, as a container or ``taskset`` sets
    it), else the machine's count, else 1."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):   # macOS and Windows have no affinity to ask
        return os.cpu_count() or 1


def available_memory(meminfo="/proc/meminfo"):
    """Bytes of memory available for new work (Linux's MemAvailable), or None where that
    cannot be read (macOS, Windows, a kernel without the line)."""
    try:
        with open(meminfo, encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    amount, *unit = line.split()[1:]
                    return int(amount) * (1024 if unit == ["kB"] else 1)
    except (OSError, ValueError):
        pass
    return None


def auto_jobs(paths, tasks=None, mem_available=None) -> int:
    """The number of worker processes ``--jobs auto`` uses for ``tasks`` workbooks (by
    default one per path of ``paths``) whose largest input is among ``paths``.

    One per usable CPU, at most one per workbook and :data:`AUTO_JOBS_MAX`; then fewer
    while that many workers, each estimated at :data:`PEAK_PER_FILE_BYTE` times the
    largest input's size, would take more than half of ``mem_available`` (bytes; read
    from /proc/meminfo when None, and the memory rule skipped where it cannot be read).
    Never below 1.
    """
    jobs = min(usable_cpus(), len(paths) if tasks is None else tasks, AUTO_JOBS_MAX)
    largest = 0
    for p in paths:
        try:
            largest = max(largest, os.path.getsize(p))
        except OSError:
            pass   # a missing input is reported when it is read
    if mem_available is None:
        mem_available = available_memory()
    if mem_available is not None and largest:
        jobs = min(jobs, mem_available // 2 // (PEAK_PER_FILE_BYTE * largest))
    return max(1, jobs)


def succeeded(results) -> bool:
    """Whether every file was written with every cell computed.

    A cell an engine bug or the time/memory limit left wrong must not pass silently.
    """
    return all(r.ok and not getattr(r, "engine_bugs", None) and not getattr(r, "incomplete", "")
               and not getattr(r, "stopped", None) for r in results)


# --------------------------------------------------------------------------- worker processes


#: How often an idle worker checks that the process that started it is still there.
_PARENT_CHECK_SECONDS = 1.0

#: How many times a file whose worker had to be stopped at the time limit inside one cell
#: is computed again, each time with one more such cell left out (#CALC!): a file takes
#: at most (1 + this) times the time limit in all.
STOPPED_RERUNS = 2


def _worker_loop(conn, values_only, limits, early, parent, beacon):
    """A worker: recalculate the files it is sent, one at a time, until told to stop.
    ``parent`` is the pid of the process that started it, taken before the fork: read
    here, it would already be the new parent's if that one was killed in between.
    ``beacon`` is shared with it: the calculation keeps there the cell it is computing
    (:func:`~.evaluator.watch_cells`)."""
    from .evaluator import watch_cells
    watch_cells(beacon)
    # Numerical libraries would otherwise start a thread pool per worker.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    # Ctrl+C is the parent's to handle: it stops the workers, which would otherwise each
    # print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from ..fileio import folder_syncs_deferred
    with folder_syncs_deferred():
        _worker_tasks(conn, values_only, limits, early, parent)


def _worker_tasks(conn, values_only, limits, early, parent):
    while True:
        try:
            # A parent killed outright (SIGKILL) closes no pipe end that a forked process
            # still holds (this one, the other workers): seen by its pid changing instead,
            # else the worker would wait here for ever.
            while not conn.poll(_PARENT_CHECK_SECONDS):
                if os.getppid() != parent:
                    return
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        i, src, dst, stopped = task
        on_scan = (lambda res: conn.send(("scan", i, res))) if early and not stopped else None
        conn.send(("done", i, recalc_one(src, dst, values_only, on_scan, limits, stopped)))


class _Worker:
    def __init__(self, ctx, values_only, limits, early):
        self.conn, child = ctx.Pipe()
        self.beacon = ctx.RawArray("q", 1)   # the cell its calculation is on, 0 for none
        self.proc = ctx.Process(target=_worker_loop,
                                args=(child, values_only, limits, early, os.getpid(),
                                      self.beacon),
                                daemon=True)
        self.proc.start()
        child.close()
        self.task = None      # (index, src, dst, stopped cell codes) of the file it is on
        self.started = 0.0

    def stop(self, kill=False):
        if kill and self.proc.is_alive():
            self.proc.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def _death_reason(exitcode) -> str:
    if exitcode is not None and exitcode < 0:
        sig = -exitcode
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        if sig == signal.SIGKILL:
            return f"was killed ({name}, as when the system runs out of memory)"
        return f"was stopped by {name}"
    return f"ended unexpectedly (exit code {exitcode})"


def _remove_partial_output(dst):
    """Remove the temporary file a stopped worker was writing beside ``dst``."""
    folder = os.path.dirname(os.path.abspath(dst))
    prefix = "." + os.path.basename(dst) + "."
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix) and name.endswith(".tmp"):
            try:
                os.unlink(os.path.join(folder, name))
            except OSError:
                pass


def _run_in_workers(pairs, jobs, values_only, limits, early, done):
    import multiprocessing
    from multiprocessing.connection import wait
    ctx = multiprocessing.get_context()
    if jobs > 1 and ctx.get_start_method() == "fork":
        # Forked workers start with what this process has loaded: the engine's imports
        # are paid once here, not once per worker.  (One worker imports them itself; this
        # process then never loads the engine it does not run.)
        from . import recalc, scan, xlsx_read, xlsx_write  # noqa: F401
    queue = list(range(len(pairs)))
    queue.reverse()
    workers = []
    requeued = set()
    stopped = {}   # index -> codes of the cells its earlier attempts were stopped in
    spent = {}     # index -> seconds of those attempts
    timeout = limits.timeout

    def finish(i, res):
        res.seconds += spent.pop(i, 0.0)
        done(i, res)

    def receive(w):
        """Hand on what ``w`` has sent: a file's early scan report, or its result."""
        try:
            while w.conn.poll():
                kind, i, res = w.conn.recv()
                if kind == "scan":
                    if early:
                        early(res)
                else:
                    w.task = None
                    finish(i, res)
        except (EOFError, OSError):
            pass

    def lost(w, message):
        i, src, dst, _ = w.task
        w.task = None
        _remove_partial_output(dst)
        finish(i, FileResult(str(src), None, ok=False, message=message,
                           seconds=time.perf_counter() - w.started))
    try:
        while queue or any(w.task for w in workers):
            # Workers that died or were stopped make room for fresh ones.
            for w in [w for w in workers if w.task is None and not w.proc.is_alive()]:
                w.stop()
                workers.remove(w)
            while queue and len(workers) < jobs:
                # The worker is told whether to report early, not given the callback: it
                # reports to this process, which calls it.
                workers.append(_Worker(ctx, values_only, limits, early is not None))
            for w in workers:
                if w.task is None and queue and w.proc.is_alive():
                    i = queue.pop()
                    w.task = (i, *pairs[i], stopped.get(i, ()))
                    w.started = time.perf_counter()
                    try:
                        w.conn.send(w.task)
                    except OSError:
                        # The worker died before it took the file: the file goes back in
                        # line, once; a second time it is reported like any other death.
                        if i not in requeued:
                            w.task = None
                            requeued.add(i)
                            queue.append(i)
            busy = [w for w in workers if w.task]
            if not busy:
                continue
            wait_for = None
            if timeout:
                now = time.perf_counter()
                wait_for = max(0.0, min(w.started + timeout - now for w in busy))
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], wait_for)
            for w in busy:
                if w.conn in ready:
                    receive(w)
                if w.task and not w.proc.is_alive():
                    w.proc.join()
                    receive(w)   # what it sent before it ended is not lost
                    if w.task:
                        lost(w, f"{w.task[1]}: the process recalculating it "
                                f"{_death_reason(w.proc.exitcode)}; the file was not written, "
                                "the other files go on.")
                elif w.task and timeout and time.perf_counter() - w.started > timeout:
                    w.proc.kill()
                    w.proc.join()
                    receive(w)
                    if w.task and _again_without(w, stopped):
                        queue.append(w.task[0])   # next in line
                        spent[w.task[0]] = (spent.get(w.task[0], 0.0)
                                            + time.perf_counter() - w.started)
                        _remove_partial_output(w.task[2])
                        w.task = None
                    elif w.task:
                        lost(w, f"{w.task[1]}: took longer than the limit of {timeout:g} s per "
                                "file and was stopped; the file was not written (raise the "
                                "limit with --timeout if the file is genuine).")
    finally:
        for w in workers:
            w.stop(kill=bool(w.task))


def _again_without(w, stopped) -> bool:
    """Whether the file of worker ``w``, stopped at the time limit, is to be computed again
    without the cell its calculation was held in (noted in ``stopped``): only when that
    cell is known (a function blocked inside C code, past every check of the calculation's
    own budget), new, and the file has reruns left (:data:`STOPPED_RERUNS`)."""
    i, _, _, before = w.task
    code = w.beacon[0]
    if not code or code in before or len(before) >= STOPPED_RERUNS:
        return False
    stopped[i] = before + (code,)
    return True


def _limit_lines(r):
    """The summary's lines for the cells given up past the engine's own limits, one line
    per error they show (#NUM!, or #CALC! for a regular expression out of time)."""
    by_error: dict = {}
    codes = getattr(r, "limit_errors", None) or {}
    for cell, why in (getattr(r, "beyond_limits", None) or {}).items():
        by_error.setdefault(codes.get(cell, "#NUM!"), []).append(f"{cell} ({why})")
    return [f"  {r.path}: {code} past the engine's limits in {_first_cells(cells)}"
            for code, cells in by_error.items()]


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


def kept_lines(res):
    """The cells whose value needs a data connection: kept as Excel last cached it."""
    kept = getattr(res, "kept_from_file", None) or {}
    if not kept:
        return []
    fns = sorted({f for fs, _ in kept.values() for f in fs})
    missing = [cell for cell, (_, found) in kept.items() if not found]
    line = (f"  {res.path}: kept from the file: needs a data connection ({', '.join(fns)}), "
            f"{len(kept)} cells as Excel last refreshed them, in {_first_cells(list(kept))}")
    if missing:
        line += (f"; {len(missing)} had no value in the file and show #N/A: "
                 f"{_first_cells(missing)}")
    return [line]


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
        if getattr(r, "approximate_functions", None):
            lines.append(f"  {r.path}: computed by approximate implementations "
                         f"(docs/fallback_functions.md): "
                         + ", ".join(f"{n} ({k}×)" for n, k in sorted(r.approximate_functions.items())))
        if getattr(r, "engine_bugs", None):
            lines.append(f"  {r.path}: engine bug (please report it to kpi_xl) in "
                         + _first_cells([f"{k} ({v})" for k, v in r.engine_bugs.items()]))
        lines += _limit_lines(r)
        if getattr(r, "incomplete", ""):
            lines.append(f"  {r.path}: not finished, {r.incomplete}; "
                         + _first_cells(r.not_computed) + " show #CALC!")
        for cell, why in (getattr(r, "stopped", None) or {}).items():
            lines.append(f"  {r.path}: {cell} {why}; it shows #CALC!, the other cells were "
                         "computed")
        lines += kept_lines(r)
        for sheet, why in getattr(r, "reader_fallbacks", None) or ():
            lines.append(f"  {r.path}: sheet {sheet!r} read through the XML parser, slowly "
                         f"({why})")
        for sheet, where in (getattr(r, "partless_read", None) or {}).items():
            lines.append(f"  {r.path}: sheet {sheet!r} is a module or dialog sheet kept in the "
                         f"VBA project, without cells; read as blank by {_first_cells(where)}")
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
