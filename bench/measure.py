"""Run a command as a user would and measure it: wall time, CPU time, peak memory.

Peak memory is the larger of two readings, because each misses something:
- the sum of the resident sets of the whole process tree, sampled from /proc
  (counts parallel workers together, may miss a spike between samples);
- the kernel's own peak resident set of the largest single process in the tree,
  as /usr/bin/time reports it (exact, but one process only).

The command runs under /usr/bin/time rather than straight from this process: a
process's peak RSS survives exec, so a child forked from a 50 MB Python would
report at least 50 MB whatever it then runs.  time's own footprint is what its
child inherits, a few MB.

A command still running after ``timeout`` seconds is killed with its whole
process group and comes back with ``timed_out`` set: a contender over its cap
is reported as such, and never holds up the rest of the benchmark.
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Measurement:
    seconds: float
    cpu_seconds: float
    peak_mb: float
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False


def _children_map():
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses; fields resume after the last ")".
        fields = stat[stat.rfind(b")") + 2:].split()
        kids.setdefault(int(fields[1]), []).append(int(name))
    return kids


def _tree_rss(root: int, children=True) -> int:
    kids = _children_map() if children else {}
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                total += int(f.read().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            pass
        todo += kids.get(pid, [])
    return total


TIME = "/usr/bin/time"


def run_measured(cmd, cwd=None, env=None, interval=0.05, timeout=3600) -> Measurement:
    out_path = f"/tmp/bench_out_{os.getpid()}_{threading.get_ident()}"
    use_time = os.access(TIME, os.X_OK)
    if use_time:
        cmd = [TIME, "-f", "%M %U %S", "-o", out_path + ".time", *cmd]
    with open(out_path + ".1", "w+b") as out, open(out_path + ".2", "w+b") as err:
        t0 = time.perf_counter()
        # A session of its own, so that a command over its time is ended with all
        # its children (time's child, LibreOffice's soffice.bin, worker processes).
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err,
                                start_new_session=True)
        peak = [0]
        done = threading.Event()

        def sample():
            while not done.is_set():
                rss = _tree_rss(proc.pid)
                if use_time:
                    rss -= _tree_rss(proc.pid, children=False)
                peak[0] = max(peak[0], rss)
                done.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        deadline = time.monotonic() + timeout
        timed_out = False
        while True:
            # wait4 reaps the child and hands back its rusage (which includes its
            # reaped descendants); Popen.wait would discard it.
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if not timed_out and time.monotonic() > deadline:
                timed_out = True
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.005)
        if timed_out:
            # Grandchildren that outlived the group leader are ended too.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        seconds = time.perf_counter() - t0
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    for suffix in (".1", ".2"):
        os.unlink(out_path + suffix)
    timing = ""
    if use_time and os.path.exists(out_path + ".time"):
        with open(out_path + ".time") as f:
            timing = f.read()
        os.unlink(out_path + ".time")
    fields = timing.split()[-3:]
    if use_time and len(fields) == 3 and not timed_out:
        # The last line; earlier ones say "Command exited with non-zero status".
        kib, user, system = fields
        kernel_peak, cpu = int(kib) * 1024, float(user) + float(system)
    else:
        # Without time, wait4's peak includes this process's own; only CPU is usable.
        kernel_peak, cpu = 0, usage.ru_utime + usage.ru_stime
    return Measurement(seconds, cpu, max(peak[0], kernel_peak) / 2**20, proc.returncode,
                       stdout, stderr, timed_out)


def workbook_files(items):
    """The workbooks a floor or peer script is given: each folder's .xlsx files, sorted,
    and each file as it is."""
    files = []
    for item in items:
        path = Path(item)
        files += sorted(path.glob("*.xlsx")) if path.is_dir() else [path]
    return files
